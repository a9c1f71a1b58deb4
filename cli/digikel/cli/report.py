"""`digikel report`: the city's readiness report, and a site's handover evidence pack."""

from __future__ import annotations

import datetime as dt
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from digikel.cli.common import Context, emit_json, handles_errors, stderr_console
from digikel.cli.status import (
    LangOpt,
    MaxAgeOpt,
    language,
    max_age_of,
    open_configured_store,
)

app = typer.Typer(
    help="The city's readiness report (html, csv, json, xlsx) and handover evidence packs.",
    invoke_without_command=True,
)


class ReportFormat(StrEnum):
    html = "html"
    csv = "csv"
    json = "json"
    xlsx = "xlsx"


class PackFormat(StrEnum):
    html = "html"
    pdf = "pdf"


OutputOpt = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        help="File to write ('-' for stdout: csv and json only; default: a dated file here).",
        show_default=False,
    ),
]


def _default_name(stem: str, extension: str) -> Path:
    return Path(f"{stem}-{dt.date.today().isoformat()}.{extension}")


def _write_text(output: Path, text: str) -> None:
    if str(output) == "-":
        sys.stdout.write(text)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")


def _done(ctx: typer.Context, output: Path, fmt: str, **extra: object) -> None:
    state: Context = ctx.obj
    if str(output) == "-":
        return
    if state.json:
        emit_json({"file": str(output), "format": fmt, **extra})
    else:
        stderr_console().print(f"wrote {output}", highlight=False)


@app.callback()
@handles_errors
def report(
    ctx: typer.Context,
    fmt: Annotated[ReportFormat, typer.Option("--format", "-f", help="Output format.")] = (
        ReportFormat.html
    ),
    output: OutputOpt = None,
    max_age: MaxAgeOpt = None,
    lang: LangOpt = "id",
) -> None:
    """Write the city's readiness report (or run a subcommand).

    Progress per kecamatan, readiness over time, all sites and their blockers. HTML is one
    self-contained file that works offline.
    """
    if ctx.invoked_subcommand is not None:
        return
    from digikel.errors import InputError
    from digikel.readiness.collect import city_readiness
    from digikel.reports.document import city_document
    from digikel.store import current_operator

    state: Context = ctx.obj
    lang = language(lang)
    age = max_age_of(max_age)
    stem = "laporan-kesiapan" if lang == "id" else "readiness-report"
    output = output or _default_name(stem, fmt.value)
    if str(output) == "-" and fmt in (ReportFormat.html, ReportFormat.xlsx):
        raise InputError(f"--output -: {fmt.value} needs a file; expected -o FILE")
    inv = state.load_inventory()
    with open_configured_store() as store:
        city = city_readiness(inv, store, age, with_history=True)
    doc = city_document(city, lang)

    if fmt is ReportFormat.json:
        import json

        _write_text(output, json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    elif fmt is ReportFormat.csv:
        from digikel.reports.tabular import city_csv

        _write_text(output, city_csv(doc))
    elif fmt is ReportFormat.xlsx:
        from digikel.reports.tabular import city_xlsx

        output.parent.mkdir(parents=True, exist_ok=True)
        city_xlsx(doc, output)
    else:
        from digikel.reports.chart import readiness_chart
        from digikel.reports.html import city_html

        chart = readiness_chart(city.series, city.progress, len(inv.sites), lang)
        _write_text(output, city_html(doc, chart, city.tz, current_operator()))
    _done(ctx, output, fmt.value, sites=len(doc["sites"]), ready=doc["totals"]["ready"])


@app.command()
@handles_errors
def acceptance(
    ctx: typer.Context,
    site: Annotated[str, typer.Argument(help="Site slug, number or kelurahan name.")],
    output: OutputOpt = None,
    fmt: Annotated[PackFormat, typer.Option("--format", "-f", help="html, or pdf (chromium).")] = (
        PackFormat.html
    ),
    max_age: MaxAgeOpt = None,
    lang: LangOpt = "id",
) -> None:
    """The handover evidence pack (berita acara serah terima) of a site.

    Devices with models, serials and configuration fingerprints, every check with its result,
    time and operator, and room for signatures; HTML, or PDF printed by headless chromium.
    """
    import tempfile

    from digikel.errors import InputError
    from digikel.readiness.collect import city_timezone
    from digikel.reports.acceptance import acceptance_document, acceptance_html

    state: Context = ctx.obj
    lang = language(lang)
    age = max_age_of(max_age)
    inv = state.load_inventory()
    chosen = inv.site(site)
    output = output or _default_name(f"berita-acara-{chosen.slug}", fmt.value)
    if str(output) == "-":
        raise InputError("--output -: the evidence pack needs a file; expected -o FILE")
    tz = city_timezone(inv)
    with open_configured_store() as store:
        doc = acceptance_document(inv, store, chosen, age, lang, dt.datetime.now(dt.UTC), tz)
    html = acceptance_html(doc, tz)
    output.parent.mkdir(parents=True, exist_ok=True)
    if fmt is PackFormat.html:
        output.write_text(html, encoding="utf-8")
    else:
        from digikel.reports.browser import print_pdf

        with tempfile.TemporaryDirectory(prefix="digikel-pack-") as folder:
            page = Path(folder) / "berita-acara.html"
            page.write_text(html, encoding="utf-8")
            print_pdf(page, output)
    _done(ctx, output, fmt.value, site=chosen.slug, ready=doc["ready"])
