"""`digikel rollout`: one command rolls out sites, safely and resumably."""

from __future__ import annotations

import shlex
import sys
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, Annotated

import typer

from digikel.cli.common import Context, emit_json, handles_errors, stdout_console
from digikel.cli.options import AllOpt, KecamatanOpt, SiteOpt, WaveOpt, require_targets

if TYPE_CHECKING:
    from digikel.inventory.model import Site
    from digikel.rollout.engine import Reporter, RolloutResult


@handles_errors
def rollout(
    ctx: typer.Context,
    site: SiteOpt = None,
    kecamatan: KecamatanOpt = None,
    wave: WaveOpt = None,
    all_sites: AllOpt = False,
    only: Annotated[
        list[str] | None,
        typer.Option(
            "--only", help="Run only these stages: preflight, network, endpoints, verify."
        ),
    ] = None,
    check: Annotated[
        bool, typer.Option("--check", help="Dry run: show diffs everywhere, change nothing.")
    ] = False,
    workers: Annotated[
        int, typer.Option("--workers", min=1, max=32, help="Sites in parallel.")
    ] = 4,
    max_failures: Annotated[
        int | None,
        typer.Option("--max-failures", min=1, help="Start no new site once this many failed."),
    ] = None,
    resume: Annotated[
        bool, typer.Option("--resume", help="Continue the last unfinished rollout.")
    ] = False,
    resume_run: Annotated[
        int | None, typer.Option("--resume-run", help="Continue this run instead of the last.")
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Roll out sites through preflight, network, endpoints and verify.

    A failed stage stops its site, never the others. Exit 0 all good, 3 some sites failed,
    1 nothing could run, 2 bad input.
    """
    from digikel.inventory.secrets import load_secrets
    from digikel.rollout.engine import RolloutOptions, run_rollout
    from digikel.rollout.locks import SiteLocks
    from digikel.rollout.plan import chosen_stages
    from digikel.rollout.resume import resume_point
    from digikel.rollout.stages import RunResources
    from digikel.rollout.wiring import stage_functions
    from digikel.store import open_store

    state: Context = ctx.obj
    inventory = state.load_inventory()
    state.export_project(ctx)  # the stages' backups and templates: this project's
    store = open_store()
    done: dict[str, set[str]] = {}
    resume_of = None
    if resume or resume_run is not None:
        if site or kecamatan or wave or all_sites or only:
            raise typer.BadParameter("--resume continues the earlier run's targets; give no others")
        point = resume_point(store, resume_run)
        sites = [inventory.site(slug) for slug in point.sites]
        stages, done, resume_of = point.stages, point.done, point.run.id
    else:
        require_targets(site, kecamatan, wave, all_sites, hosts_allowed=False)
        sites = inventory.sites if all_sites else inventory.select(site, kecamatan, wave)
        stages = chosen_stages(only)
    if not sites:
        raise typer.BadParameter("no site matches those filters")
    if not (yes or check):
        _confirm(sites, stages)
    secrets = load_secrets(inventory)
    options = RolloutOptions(
        sites=sites,
        stages=stages,
        check=check,
        workers=workers,
        max_failures=max_failures,
        artifacts_root=state.project.artifacts,
        command_line=shlex.join(["digikel", *sys.argv[1:]]),
        resume_of=resume_of,
        done=done,
        resources=RunResources(store, secrets),
    )
    locks = SiteLocks(store)
    fns = stage_functions()
    reporter = _reporter(state, [s.slug for s in sites], stages)
    with reporter as progress:
        result = run_rollout(inventory, store, locks, options, fns, progress)
    if state.json:
        emit_json(result.as_dict())
    else:
        _summary(result)
    raise typer.Exit(result.exit_code)


def _confirm(sites: list[Site], stages: list[str]) -> None:
    names = ", ".join(s.slug for s in sites[:8]) + (" ..." if len(sites) > 8 else "")
    if not sys.stdin.isatty():
        raise typer.BadParameter(
            "refusing to change sites without a terminal to confirm: "
            "add --yes (or --check for a dry run)"
        )
    typer.confirm(
        f"Roll out {len(sites)} site(s) ({names}) through {', '.join(stages)}?",
        abort=True,
        err=True,  # stdout is the command's output (--json)
    )


def _reporter(
    state: Context, sites: list[str], stages: list[str]
) -> AbstractContextManager[Reporter]:
    """A live table on a terminal; plain lines in CI, in a pipe or with --json."""
    from digikel.rollout.progress import LineReporter, LiveReporter

    if sys.stderr.isatty() and not state.json:
        return LiveReporter(sites, stages)
    return nullcontext(LineReporter(verbose=state.verbose))


def _summary(result: RolloutResult) -> None:
    from rich.table import Table

    table = Table(title=f"run {result.run_id}: {result.status}")
    for column in ("site", "status", "changed", "detail"):
        table.add_column(column)
    for site in result.sites:
        colour = {"ok": "green", "failed": "red"}.get(site.status, "yellow")
        table.add_row(
            site.site, f"[{colour}]{site.status}[/]", "yes" if site.changed else "", site.detail
        )
    stdout_console().print(table)
