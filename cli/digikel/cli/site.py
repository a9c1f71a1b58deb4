"""`digikel site`: mark and unmark the manual readiness components, show one site's readiness."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from digikel.cli.common import (
    MAX_NOTE_BYTES,
    Context,
    check_note,
    emit_json,
    escape_control,
    handles_errors,
    stderr_console,
    stdout_console,
)
from digikel.cli.status import (
    STATE_STYLE,
    LangOpt,
    MaxAgeOpt,
    language,
    max_age_of,
    open_configured_store,
)
from digikel.readiness.site_log import parse_work_date, site_history

if TYPE_CHECKING:
    pass

app = typer.Typer(help="Mark, unmark and show a site's readiness.", no_args_is_help=True)


class Manual(StrEnum):
    physical_done = "physical-done"
    inaugurated = "inaugurated"

    @property
    def component(self) -> str:
        return "physical_works" if self is Manual.physical_done else "inaugurated"


SiteArg = Annotated[str, typer.Argument(help="Site slug, number or kelurahan name.")]
WhatArg = Annotated[Manual, typer.Argument(help="physical-done or inaugurated.")]
NoteOpt = Annotated[
    str | None,
    typer.Option(
        "--note",
        help=f"A note kept with the record (UTF-8, at most {MAX_NOTE_BYTES} bytes).",
        show_default=False,
    ),
]
DateOpt = Annotated[
    str | None,
    typer.Option(
        "--date",
        help="When the works ended or the ceremony took place (YYYY-MM-DD; default today).",
        show_default=False,
    ),
]


def _record(ctx: typer.Context, site_ref: str, what: Manual, action: str, **fields: Any) -> None:
    from digikel.readiness.collect import one_site_readiness

    state: Context = ctx.obj
    inv = state.load_inventory()
    site = inv.site(site_ref)
    with open_configured_store() as store:
        if action == "unmark":
            current = one_site_readiness(inv, store, site, dt.timedelta(days=1))
            if not current.component(what.component).green:
                stderr_console().print(
                    f"{site.name}: {what.value} is not marked; nothing recorded", highlight=False
                )
                if state.json:
                    emit_json({"site": site.slug, "component": what.component, "recorded": None})
                return
        record = store.record_mark(site.slug, what.component, action, **fields)
    if state.json:
        emit_json({"site": site.slug, "recorded": record.as_dict()})
        return
    from digikel.readiness.i18n import component_label, t

    label = component_label(record.component, "id")
    when = f" ({record.work_date.isoformat()})" if record.work_date else ""
    done = t(f"history.{record.action}", "id", component=label)
    from rich.markup import escape

    # The operator name comes from DIGIKEL_OPERATOR: printed as text, never as markup or escapes.
    who = escape(escape_control(record.operator))
    stdout_console().print(f"{site.name}: {done}{when} — {who}", highlight=False)


@app.command()
@handles_errors
def mark(
    ctx: typer.Context,
    site: SiteArg,
    what: WhatArg,
    date: DateOpt = None,
    note: NoteOpt = None,
) -> None:
    """Record that a site's physical works are done, or that it was inaugurated."""
    work_date = parse_work_date(date, dt.date.today())
    _record(ctx, site, what, "mark", work_date=work_date, note=check_note(note))


@app.command()
@handles_errors
def unmark(ctx: typer.Context, site: SiteArg, what: WhatArg, note: NoteOpt = None) -> None:
    """Withdraw a mark; it is recorded as an event (the earlier mark stays in the history)."""
    _record(ctx, site, what, "unmark", note=check_note(note))


@app.command()
@handles_errors
def show(
    ctx: typer.Context,
    site: SiteArg,
    max_age: MaxAgeOpt = None,
    lang: LangOpt = "id",
) -> None:
    """One site's components, its newest check results, and its history (who did what)."""
    from rich.markup import escape
    from rich.table import Table

    from digikel.readiness.collect import city_timezone, one_site_readiness
    from digikel.readiness.i18n import component_label, t
    from digikel.reports.document import site_document
    from digikel.reports.html import short_formatter

    state: Context = ctx.obj
    lang = language(lang)
    age = max_age_of(max_age)
    inv = state.load_inventory()
    chosen = inv.site(site)
    with open_configured_store() as store:
        readiness = one_site_readiness(inv, store, chosen, age)
        checks = store.latest_checks(chosen.slug)
        history = site_history(store, chosen.slug, lang)
    document = site_document(readiness, lang, age)
    document["checks"] = [c.as_dict() for c in checks]
    document["history"] = history
    if state.json:
        emit_json(document)  # JSON escapes control characters itself
        return

    def shown(text: str) -> str:
        # Notes and details are anyone's text: neither an ANSI escape nor rich markup in
        # them may reach the terminal as such.
        return escape(escape_control(text))

    local = short_formatter(city_timezone(inv))
    console = stdout_console()
    verdict = t("ready", lang) if readiness.ready else t("not_ready", lang)
    console.print(
        f"[bold]{chosen.name}[/] ({chosen.kecamatan}, #{chosen.number}, {chosen.wave}): {verdict}",
        highlight=False,
    )
    table = Table()
    for header in ("", "Status", t("acceptance.time", lang), t("acceptance.by", lang), ""):
        table.add_column(header)
    for comp in document["components"].values():
        when = comp["work_date"] or (local(comp["at"]) if comp["at"] else "")
        extra = comp["note"] or ", ".join(comp["failed"] or comp["missing"])
        table.add_row(
            component_label(comp["component"], lang),
            f"[{STATE_STYLE[comp['state']]}]{comp['state_label']}[/]",
            when,
            shown(comp["by"] or ""),
            shown(extra),
        )
    console.print(table)
    for blocker in document["blockers"]:
        console.print(f"  - {shown(blocker['text'])}", highlight=False)
    if checks:
        results = Table(title=t("acceptance.checks", lang), title_justify="left")
        for header in ("component", "check", "target", "ok", "at", "by"):
            results.add_column(header)
        for check in checks:
            results.add_row(
                check.component,
                shown(check.name),
                shown(check.target or ""),
                "[green]ok[/]" if check.ok else "[red]FAIL[/]",
                local(check.checked_at.isoformat()),
                shown(check.operator),
            )
        console.print(results)
    if history:
        console.print("[bold]History[/]" if lang == "en" else "[bold]Riwayat[/]")
        for event in history:
            console.print(
                f"  {local(event['at'])}  {shown(event['by'])}: {shown(event['what'])}",
                highlight=False,
            )


HostArg = Annotated[str, typer.Argument(help="The device's host name, e.g. loa-bakung-pc01.")]
MacOpt = Annotated[
    str,
    typer.Option(
        "--mac",
        help="The MAC address read at installation (AA:BB:CC:DD:EE:FF; -, . and bare forms too).",
        show_default=False,
    ),
]


@app.command()
@handles_errors
def device(ctx: typer.Context, site: SiteArg, host: HostArg, mac: MacOpt) -> None:
    """Record a counter PC's, display's or printer's MAC: the router reserves its address."""
    from digikel.errors import InputError
    from digikel.inventory.load import shown
    from digikel.inventory.macs import MAC_ROLES, normalise_mac, record_mac

    state: Context = ctx.obj
    inv = state.load_inventory()
    chosen = inv.site(site)
    target = inv.device(host)
    if target.site != chosen.slug:
        raise InputError(
            f"{host} is not a device of {chosen.name} ({chosen.slug}); "
            "the devices that take a MAC there are: "
            + ", ".join(d.name for d in chosen.devices if d.role in MAC_ROLES)
        )
    if target.role not in MAC_ROLES:
        raise InputError(
            f"{host} is a {target.role} with a static address; MACs are recorded for "
            f"{', '.join(MAC_ROLES)} devices only"
        )
    try:
        normalised = normalise_mac(mac)
    except ValueError as exc:
        raise InputError(f"--mac: {exc}") from None
    path = inv.macs_path
    assert path is not None  # load_inventory always sets it
    roles = {d.name: d.role for d in inv.devices}
    before = record_mac(path, shown(path), host, normalised, roles)
    if state.json:
        emit_json(
            {
                "site": chosen.slug,
                "host": host,
                "mac": normalised,
                "address": str(target.address),
                "previous": before,
                "changed": before != normalised,
                "file": str(path),
            }
        )
        return
    if before == normalised:
        what = "already recorded; nothing changed"
    elif before:
        what = f"recorded (was {before})"
    else:
        what = "recorded"
    stdout_console().print(
        f"{host}: MAC {normalised} {what} in {shown(path)}; the router of {chosen.name} "
        f"reserves {target.address} for it (digikel network push)",
        highlight=False,
    )
