"""The options that choose targets, defined once: one name, one help text, one meaning.

Filters combine: a site must match every filter given, and a filter repeated is a list of
alternatives (--site a --site b). No filter means every site, everywhere. Commands that
contact or change real devices (network, rollout) refuse to act on every site unless it is
said out loud with --all: the same meaning, made explicit where a slip costs most.
"""

from __future__ import annotations

from typing import Annotated

import typer

from digikel.errors import InputError

NO_FILTER = "Filters combine; with none, every site (network and rollout then need --all)."

SiteOpt = Annotated[
    list[str] | None,
    typer.Option("--site", "-s", help=f"Site slug, number or name (repeatable). {NO_FILTER}"),
]
KecamatanOpt = Annotated[
    list[str] | None, typer.Option("--kecamatan", "-k", help="Kecamatan name (repeatable).")
]
WaveOpt = Annotated[list[str] | None, typer.Option("--wave", "-w", help="Wave (repeatable).")]
HostOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--host", "-H", help="One network device by name (repeatable); adds to the sites chosen."
    ),
]
AllOpt = Annotated[
    bool, typer.Option("--all", help="Every site: what no filter means, said out loud.")
]


def require_targets(
    site: list[str] | None,
    kecamatan: list[str] | None,
    wave: list[str] | None,
    all_sites: bool,
    host: list[str] | None = None,
    *,
    hosts_allowed: bool = True,
) -> None:
    """For commands that change devices: no filter is refused rather than taken as every site."""
    if site or kecamatan or wave or host or all_sites:
        return
    named = "--site, --kecamatan, --wave" + (", --host" if hosts_allowed else "")
    raise InputError(f"no targets: choose {named} or --all (see `digikel inventory list`)")
