"""`digikel history`: every recorded run, and what one run did per site, stage and host."""

from __future__ import annotations

from typing import Annotated

import typer

from digikel.cli.common import Context, emit_json, handles_errors, stdout_console

app = typer.Typer(
    help="Recorded runs: who ran what, when, and what it changed.", invoke_without_command=True
)


@app.callback()
@handles_errors
def runs(
    ctx: typer.Context,
    limit: Annotated[
        int, typer.Option("--limit", "-n", min=1, max=10_000, help="How many runs.")
    ] = 20,
    site: Annotated[
        str | None, typer.Option("--site", "-s", help="Only runs at this site.")
    ] = None,
) -> None:
    """List recorded runs, newest first."""
    if ctx.invoked_subcommand is not None:
        return
    from rich.table import Table

    from digikel.store import open_store

    state: Context = ctx.obj
    slug = state.load_inventory().site(site).slug if site else None
    with open_store() as store:
        records = store.runs(limit=limit, site=slug)
    if state.json:
        emit_json([r.as_dict() for r in records])
        return
    table = Table(title="runs")
    for column in ("run", "kind", "status", "operator", "started", "ended", "command"):
        table.add_column(column)
    for r in records:
        table.add_row(
            str(r.id),
            r.kind,
            r.status,
            r.operator,
            f"{r.started_at:%Y-%m-%d %H:%M}",
            f"{r.ended_at:%H:%M:%S}" if r.ended_at else "",
            r.command_line,
        )
    stdout_console().print(table)


@app.command()
@handles_errors
def show(
    ctx: typer.Context,
    run: Annotated[int, typer.Argument(help="Run number (see `digikel history`).")],
) -> None:
    """Show one run: per site and stage the result, and per host what changed."""
    from rich.table import Table

    from digikel.store import open_store

    state: Context = ctx.obj
    with open_store() as store:
        record = store.run(run)
        stages = store.stages(run_id=run)
        hosts = store.host_results(run)
    if state.json:
        emit_json(
            {
                "run": record.as_dict(),
                "stages": [s.as_dict() for s in stages],
                "hosts": [h.as_dict() for h in hosts],
            }
        )
        return
    out = stdout_console()
    out.print(
        f"run {record.id} ({record.kind}) {record.status} — {record.operator} on "
        f"{record.hostname}, digikel {record.toolkit_version}\n{record.command_line}",
        highlight=False,
    )
    table = Table(title="stages")
    for column in ("site", "stage", "status", "changed", "detail"):
        table.add_column(column)
    for s in stages:
        table.add_row(s.site, s.stage, s.status, "yes" if s.changed else "", s.detail or "")
    out.print(table)
    changed = [h for h in hosts if h.changed or h.failed]
    if changed:
        table = Table(title="hosts changed or failed")
        for column in ("site", "stage", "host", "result", "detail"):
            table.add_column(column)
        for h in changed:
            table.add_row(
                h.site, h.stage, h.host, "failed" if h.failed else "changed", h.detail or ""
            )
        out.print(table)
