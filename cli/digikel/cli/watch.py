"""`digikel watch`: one read-only pass over sites (drift and readiness), and `--install` for a
nightly timer. The pass itself is digikel.watch; this module parses and renders."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from digikel.cli.common import Context, emit_json, handles_errors, stdout_console
from digikel.cli.options import AllOpt, KecamatanOpt, SiteOpt, WaveOpt

if TYPE_CHECKING:
    from digikel.rollout.engine import Reporter
    from digikel.watch.run import WatchResult


@handles_errors
def watch(
    ctx: typer.Context,
    site: SiteOpt = None,
    kecamatan: KecamatanOpt = None,
    wave: WaveOpt = None,
    all_sites: AllOpt = False,
    only: Annotated[
        list[str] | None,
        typer.Option("--only", help="Only these parts (repeatable): network, endpoints, services."),
    ] = None,
    workers: Annotated[
        int, typer.Option("--workers", min=1, max=64, help="Sites watched at once.")
    ] = 8,
    deadline: Annotated[
        str | None,
        typer.Option(
            "--deadline",
            help="After this long (4h, 90m) no site or stage begins; the rest is left for "
            "--resume.",
        ),
    ] = None,
    resume: Annotated[
        bool, typer.Option("--resume", help="Continue the last unfinished watch.")
    ] = False,
    notify: Annotated[
        bool,
        typer.Option(
            "--notify",
            help="Post a JSON summary to the webhook (--webhook-url, else the config's); a site "
            "newly drifted or out of readiness is named once.",
        ),
    ] = False,
    webhook_url: Annotated[
        str | None, typer.Option("--webhook-url", help="The webhook for --notify.")
    ] = None,
    install: Annotated[
        bool,
        typer.Option(
            "--install",
            help="Write a systemd service and timer that run this watch (nightly by default) "
            "instead of watching now.",
        ),
    ] = False,
    schedule: Annotated[
        str, typer.Option("--schedule", help="--install: systemd OnCalendar= value.")
    ] = "",
    user: Annotated[
        str, typer.Option("--user", help="--install: the dedicated user the unit runs as.")
    ] = "digikel",
    vault_password_file: Annotated[
        Path,
        typer.Option("--vault-password-file", help="--install: the vault password, in a file."),
    ] = Path("/etc/digikel/vault-password"),
    unit_dir: Annotated[
        Path, typer.Option("--unit-dir", help="--install: where the unit files go.")
    ] = Path("/etc/systemd/system"),
) -> None:
    """Watch sites read-only: network drift, endpoint drift, printers, portal and applications.

    Never changes a device. No filter means every site. Exit 0 all as delivered, 3 some site
    drifted, failed a check or was not watched, 1 nothing could run, 2 bad input.
    """
    state: Context = ctx.obj
    if install:
        _install(state, schedule, user, vault_password_file, unit_dir, workers, notify)
        return
    from digikel.durations import parse_duration
    from digikel.store import open_store
    from digikel.watch.run import WATCH_STAGES, WatchOptions, run_watch

    inventory = state.load_inventory()
    state.export_project(ctx)
    if resume and (site or kecamatan or wave or all_sites or only):
        raise typer.BadParameter("--resume continues the earlier watch's targets; give no others")
    chosen = (
        None
        if resume or all_sites or not (site or kecamatan or wave)
        else inventory.select(site, kecamatan, wave)
    )
    if chosen is not None and not chosen:
        raise typer.BadParameter("no site matches those filters")
    seconds = (
        parse_duration(deadline, option="--deadline", default_unit="h", units="hms").total_seconds()
        if deadline
        else None
    )
    options = WatchOptions(
        workers=workers,
        deadline=seconds,
        stages=tuple(only) if only else WATCH_STAGES,
        artifacts_root=state.project.artifacts,
        command_line=shlex.join(["digikel", *sys.argv[1:]]),
        resume=resume,
        notify=notify,
        webhook_url=webhook_url,
        reporter=_reporter(state),
    )
    with open_store() as store:
        result = run_watch(inventory, chosen, store, options)
    if state.json:
        emit_json(result.as_dict())
    else:
        _summary(result)
    raise typer.Exit(result.exit_code)


def _reporter(state: Context) -> Reporter:
    """Plain lines on stderr: a watch runs unattended (a timer's journal) more than at a desk."""
    from digikel.rollout.progress import LineReporter

    return LineReporter(verbose=state.verbose)


def _install(
    state: Context,
    schedule: str,
    user: str,
    password_file: Path,
    unit_dir: Path,
    workers: int,
    notify: bool,
) -> None:
    from digikel.watch.install import DEFAULT_SCHEDULE, InstallOptions, install_units

    watch_args = ("--workers", str(workers), "--deadline", "4h", *(("--notify",) * notify))
    options = InstallOptions(
        inventory=state.inventory_path.resolve(),
        schedule=schedule or DEFAULT_SCHEDULE,
        user=user,
        vault_password_file=password_file,
        watch_args=watch_args,
    )
    written = install_units(options, unit_dir)
    if state.json:
        emit_json({"written": [str(p) for p in written]})
        return
    for path in written:
        stdout_console().print(f"wrote {path}")
    stdout_console().print(
        "next: systemctl daemon-reload && systemctl enable --now digikel-watch.timer"
    )


def _summary(result: WatchResult) -> None:
    from rich.table import Table

    drifted = {d.site for d in result.drifts}
    failed = {s for s, *_ in result.failed_checks}
    table = Table(title=f"watch run {result.run.run_id}: {result.run.status}")
    for column in ("site", "status", "drift", "detail"):
        table.add_column(column)
    for site in result.run.sites:
        mine = [d for d in result.drifts if d.site == site.site]
        state = (
            "[red]drifted[/]"
            if site.site in drifted
            else "[yellow]check failed[/]"
            if site.site in failed
            else ("[green]as delivered[/]" if site.status == "ok" else f"[yellow]{site.status}[/]")
        )
        table.add_row(
            site.site,
            state,
            ", ".join(f"{d.component}: {d.target}" for d in mine[:3])
            + (" ..." if len(mine) > 3 else ""),
            site.detail,
        )
    console = stdout_console()
    console.print(table)
    if result.drifts:
        console.print("the diffs: digikel drift SITE")
