"""`digikel drift [SITE]`: the full diffs behind the drift blockers (from the recorded watches)."""

from __future__ import annotations

from typing import Annotated

import typer

from digikel.cli.common import Context, emit_json, handles_errors, stdout_console


@handles_errors
def drift(
    ctx: typer.Context,
    site: Annotated[
        str | None, typer.Argument(help="A site (slug, number or name); none: every site.")
    ] = None,
    history: Annotated[
        bool,
        typer.Option("--history", help="Also drift a later watch found put back (closed)."),
    ] = False,
) -> None:
    """What differs from what was delivered, per site and device or host, newest first.

    Exit 0 nothing open, 3 some site has open drift.
    """
    from digikel.readiness.drift import drift_report
    from digikel.store import open_store

    state: Context = ctx.obj
    inventory = state.load_inventory()
    chosen = [inventory.site(site)] if site else None
    with open_store() as store:
        report = drift_report(inventory, store, chosen, include_closed=history)
    still_open = any(e.open for s in report for e in s.entries)
    if state.json:
        emit_json({"sites": [s.as_dict() for s in report]})
        raise typer.Exit(3 if still_open else 0)
    console = stdout_console()
    if not report:
        console.print("no drift recorded" + (f" for {site}" if site else ""))
    for entry_site in report:
        console.print(f"[bold]{entry_site.slug}[/] ({entry_site.name}, {entry_site.kecamatan})")
        for entry in entry_site.entries:
            when = entry.found_at.strftime("%Y-%m-%d %H:%M")
            mark = "open" if entry.open else "closed"
            console.print(
                f"  {entry.component} {entry.target}: {entry.summary} "
                f"[dim](watch run {entry.run_id}, {when}, {mark})[/]"
            )
            for line in entry.diff.splitlines():
                console.print(f"    {line}", markup=False, highlight=False)
    raise typer.Exit(3 if still_open else 0)
