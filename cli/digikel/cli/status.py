"""`digikel status`: every site's readiness against the targets, and what blocks each site.

Also holds the options and helpers that `digikel site` and `digikel report` share.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated

import typer

from digikel.cli.common import Context, emit_json, handles_errors, stdout_console
from digikel.cli.options import AllOpt, KecamatanOpt, SiteOpt, WaveOpt

if TYPE_CHECKING:
    from rich.console import Console

    from digikel.readiness.collect import CityReadiness
    from digikel.store import Store

MaxAgeOpt = Annotated[
    str | None,
    typer.Option(
        "--max-age",
        help="Checks older than this are stale, e.g. 7d, 36h "
        "(default: config readiness.max_age_days, else 7d).",
        show_default=False,
    ),
]
LangOpt = Annotated[
    str, typer.Option("--lang", help="Language of the output: id (Bahasa Indonesia) or en.")
]

STATE_GLYPH = {
    "ok": "[green]●[/]",
    "n/a": "[green]-[/]",
    "failed": "[red]✗[/]",
    "stale": "[yellow]◐[/]",
    "incomplete": "[yellow]◐[/]",
    "in_progress": "[yellow]◐[/]",
    "unchecked": "[dim]○[/]",
    "not_done": "[dim]○[/]",
}
STATE_STYLE = {
    "ok": "green",
    "n/a": "green",
    "failed": "red",
    "stale": "yellow",
    "incomplete": "yellow",
    "unchecked": "dim",
    "not_done": "dim",
    "in_progress": "yellow",
}


def max_age_of(option: str | None) -> dt.timedelta:
    from digikel.readiness.evaluate import parse_max_age
    from digikel.store.settings import load_settings

    if option is not None:
        return parse_max_age(option)
    return dt.timedelta(days=load_settings().max_age_days)


def language(lang: str) -> str:
    from digikel.readiness.i18n import check_language

    return check_language(lang)


def open_configured_store() -> Store:
    from digikel.store import open_store

    return open_store()


def print_targets(console: Console, city: CityReadiness, lang: str) -> None:
    from digikel.readiness.i18n import long_date, t

    for item in city.progress:
        line = t(
            "target.line",
            lang,
            year=item.target.year,
            ready=item.ready,
            total=item.total,
            percent=f"{item.percent:.0f}",
            deadline=long_date(item.target.deadline, lang),
        )
        if item.met:
            mark = f"[green]{t('target.met', lang)}[/]"
        elif item.overdue:
            mark = f"[red]{t('target.overdue', lang)}[/]"
        else:
            mark = f"[yellow]{t('target.open', lang)}[/]"
        console.print(f"{line} — {mark}", highlight=False)


@handles_errors
def status(
    ctx: typer.Context,
    site: SiteOpt = None,
    kecamatan: KecamatanOpt = None,
    wave: WaveOpt = None,
    all_sites: AllOpt = False,
    max_age: MaxAgeOpt = None,
    lang: LangOpt = "id",
) -> None:
    """Readiness per kecamatan and per site, progress against the targets, and blockers."""
    from digikel.readiness.collect import city_readiness

    state: Context = ctx.obj
    lang = language(lang)
    age = max_age_of(max_age)
    inv = state.load_inventory()
    filtered = (site or kecamatan or wave) and not all_sites
    chosen = inv.select(sites=site, kecamatan=kecamatan, wave=wave) if filtered else None
    with open_configured_store() as store:
        city = city_readiness(inv, store, age, sites=chosen)
    if state.json:
        from digikel.reports.document import city_document

        emit_json(city_document(city, lang))
        return
    print_status(city, lang)


def print_status(city: CityReadiness, lang: str) -> None:
    # Imported here, not at the top: `status --json` does without rich's tables.
    from rich import box
    from rich.table import Table

    from digikel.readiness.blockers import blocker_lines
    from digikel.readiness.components import COMPONENTS
    from digikel.readiness.i18n import t

    console = stdout_console()
    print_targets(console, city, lang)
    table = Table(title=t("report.progress", lang), title_justify="left")
    for header in (t("kecamatan", lang), t("sites", lang), t("ready_count", lang)):
        table.add_column(header, justify="left" if header == t("kecamatan", lang) else "right")
    table.add_column(t("inaugurated_count", lang), justify="right")
    for row in city.kecamatan:
        table.add_row(row.name, str(row.sites), str(row.ready), str(row.inaugurated))
    console.print(table)

    sites = Table(title=t("report.sites", lang), title_justify="left", box=box.SIMPLE_HEAD)
    sites.add_column(t("number", lang), justify="right")
    sites.add_column(t("site", lang), no_wrap=True)
    sites.add_column(t("kecamatan", lang), no_wrap=True)
    for component in COMPONENTS:
        sites.add_column(t(f"short.{component}", lang), justify="center")
    sites.add_column(t("ready", lang))
    for readiness in city.sites:
        cells = [STATE_GLYPH[c.state.value] for c in readiness.components]
        ready = f"[green]{t('yes', lang)}[/]" if readiness.ready else t("no", lang)
        sites.add_row(
            str(readiness.site.number), readiness.site.name, readiness.site.kecamatan, *cells, ready
        )
    console.print(sites)
    console.print(t("legend", lang), highlight=False)

    console.print(f"[bold]{t('report.blockers', lang)}[/]")
    for readiness in city.sites:
        if readiness.ready:
            continue
        lines = "; ".join(blocker_lines(readiness, lang, city.max_age))
        console.print(
            f"  {readiness.site.name} ({readiness.site.kecamatan}): {lines}", highlight=False
        )
