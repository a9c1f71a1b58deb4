"""`digikel report`: the city's readiness report, and a site's handover evidence pack."""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, TypeVar, cast

import typer

from digikel.cli.common import (
    Context,
    emit_json,
    handles_errors,
    output_path,
    stderr_console,
    write_failed,
)
from digikel.cli.status import (
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
        help="File to write; its extension gives the format when --format is absent "
        "('-' for stdout: csv and json only; default: a dated file here).",
        show_default=False,
    ),
]
ReportLangOpt = Annotated[
    str | None,
    typer.Option(
        "--lang",
        help="Language of the output: id (Bahasa Indonesia, the default) or en.",
        show_default=False,
    ),
]

# What an output file's extension says about its format.
_REPORT_EXTENSIONS = {".html": "html", ".htm": "html", ".csv": "csv", ".json": "json"}
_REPORT_EXTENSIONS[".xlsx"] = "xlsx"
_PACK_EXTENSIONS = {".html": "html", ".htm": "html", ".pdf": "pdf"}
# Options given to `digikel report` before `acceptance`, handed down to it (ctx.meta).
_PARENT_OPTIONS = "digikel.report.options"


def choose_format(
    fmt: str | None, output: Path | None, extensions: dict[str, str], default: str
) -> str:
    """The output format: --format if given, else the extension of -o, else `default`.

    A --format that contradicts the extension, or an extension that names no format of
    this report when --format is absent, is bad input (exit 2): never an .xlsx full of HTML.
    """
    from digikel.errors import InputError

    suffix = output.suffix.lower() if output is not None and str(output) != "-" else ""
    implied = extensions.get(suffix)
    known = ", ".join(sorted(set(extensions)))
    if fmt is not None:
        if implied is not None and implied != fmt:
            raise InputError(
                f"--format {fmt} contradicts --output {output} (a {implied} file); "
                f"expected the same format in both, or an output name ending in .{fmt}"
            )
        return fmt
    if implied is not None:
        return implied
    if suffix:
        raise InputError(
            f"--output {output}: {suffix} names no format of this report; expected one of "
            f"{known}, or --format"
        )
    return default


@contextmanager
def output_file(output: Path) -> Iterator[Path]:
    """A temporary file beside `output` that becomes `output` when the block succeeds.

    Made before any work, so a folder that cannot be written fails at once (exit 2, naming
    the file and the reason); a failure part way never leaves a half-written report.
    """
    from digikel.errors import InputError

    output_path(output)
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(
            dir=output.parent, prefix=f".{output.name}.", suffix=".part"
        )
        os.close(handle)
    except OSError as exc:
        raise write_failed(output, exc) from None
    part = Path(name)
    try:
        yield part
        umask = os.umask(0)
        os.umask(umask)
        part.chmod(0o666 & ~umask)  # as an ordinary new file, not mkstemp's 0600
        os.replace(part, output)
    except OSError as exc:
        raise write_failed(output, exc) from None
    except InputError:
        raise
    finally:
        part.unlink(missing_ok=True)


def _default_name(stem: str, extension: str) -> Path:
    return Path(f"{stem}-{dt.date.today().isoformat()}.{extension}")


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
    fmt: Annotated[
        ReportFormat | None,
        typer.Option(
            "--format", "-f", help="Output format (default: from -o's extension, else html)."
        ),
    ] = None,
    output: OutputOpt = None,
    max_age: MaxAgeOpt = None,
    lang: ReportLangOpt = None,
) -> None:
    """Write the city's readiness report (or run a subcommand).

    Progress per kecamatan, readiness over time, all sites and their blockers. HTML is one
    self-contained file that works offline.
    """
    if ctx.invoked_subcommand is not None:
        # `digikel report -o x.pdf acceptance SITE`: the options belong to the subcommand.
        ctx.meta[_PARENT_OPTIONS] = {
            "fmt": fmt.value if fmt else None,
            "output": output,
            "max_age": max_age,
            "lang": lang,
        }
        return
    from digikel.errors import InputError
    from digikel.readiness.collect import city_readiness
    from digikel.reports.document import city_document
    from digikel.store import current_operator

    state: Context = ctx.obj
    lang = language(lang or "id")
    age = max_age_of(max_age)
    chosen = choose_format(fmt.value if fmt else None, output, _REPORT_EXTENSIONS, "html")
    stem = "laporan-kesiapan" if lang == "id" else "readiness-report"
    output = output or _default_name(stem, chosen)
    to_stdout = str(output) == "-"
    if to_stdout and chosen in ("html", "xlsx"):
        raise InputError(f"--output -: {chosen} needs a file; expected -o FILE")
    inv = state.load_inventory()
    with ExitStack() as stack:
        target = output if to_stdout else stack.enter_context(output_file(output))
        with open_configured_store() as store:
            city = city_readiness(inv, store, age, with_history=True)
        doc = city_document(city, lang)
        if chosen == "json":
            import json

            _write_text(target, json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
        elif chosen == "csv":
            from digikel.reports.tabular import city_csv

            _write_text(target, city_csv(doc))
        elif chosen == "xlsx":
            from digikel.reports.tabular import city_xlsx

            city_xlsx(doc, target)
        else:
            from digikel.reports.chart import readiness_chart
            from digikel.reports.html import city_html

            chart = readiness_chart(city.series, city.progress, len(inv.sites), lang)
            _write_text(target, city_html(doc, chart, city.tz, current_operator()))
    _done(ctx, output, chosen, sites=len(doc["sites"]), ready=doc["totals"]["ready"])


def _write_text(output: Path, text: str) -> None:
    if str(output) == "-":
        sys.stdout.write(text)
        return
    output.write_text(text, encoding="utf-8")


_T = TypeVar("_T")


def _inherit(ctx: typer.Context, name: str, own: _T) -> _T:
    """An option of `acceptance`, or the one given before it to `digikel report`; both given
    and different is bad input."""
    from digikel.errors import InputError

    parent = ctx.meta.get(_PARENT_OPTIONS, {}).get(name)
    if parent is None:
        return own
    if own is not None and own != parent:
        flag = {"fmt": "--format", "output": "--output", "max_age": "--max-age"}.get(name, "--lang")
        raise InputError(
            f"{flag} given twice ({parent} before 'acceptance', {own} after it); expected it once"
        )
    return cast(_T, parent)  # the parent group declared the same option, so the same type


@app.command()
@handles_errors
def acceptance(
    ctx: typer.Context,
    site: Annotated[str, typer.Argument(help="Site slug, number or kelurahan name.")],
    output: OutputOpt = None,
    fmt: Annotated[
        PackFormat | None,
        typer.Option(
            "--format", "-f", help="html, or pdf (chromium); default: from -o's extension."
        ),
    ] = None,
    max_age: MaxAgeOpt = None,
    lang: ReportLangOpt = None,
) -> None:
    """The handover evidence pack (berita acara serah terima) of a site.

    Devices with models, serials and configuration fingerprints, every check with its result,
    time and operator, and room for signatures; HTML, or PDF printed by headless chromium.
    """
    from digikel.errors import InputError
    from digikel.readiness.collect import city_timezone
    from digikel.reports.acceptance import acceptance_document, acceptance_html

    state: Context = ctx.obj
    given_fmt = _inherit(ctx, "fmt", fmt.value if fmt else None)
    if given_fmt is not None and given_fmt not in ("html", "pdf"):
        raise InputError(f"--format {given_fmt}: the evidence pack is html or pdf")
    output = _inherit(ctx, "output", output)
    lang = language(str(_inherit(ctx, "lang", lang) or "id"))
    age = max_age_of(_inherit(ctx, "max_age", max_age))
    chosen_fmt = choose_format(
        str(given_fmt) if given_fmt else None, output, _PACK_EXTENSIONS, "html"
    )
    inv = state.load_inventory()
    chosen = inv.site(site)
    output = output or _default_name(f"berita-acara-{chosen.slug}", chosen_fmt)
    if str(output) == "-":
        raise InputError("--output -: the evidence pack needs a file; expected -o FILE")
    tz = city_timezone(inv)
    with output_file(output) as target:
        with open_configured_store() as store:
            now = dt.datetime.now(dt.UTC)
            # The pictures verify kept are in the project's artifacts, wherever digikel runs from.
            doc = acceptance_document(
                inv, store, chosen, age, lang, now, tz, artifacts_root=state.project.artifacts
            )
        html = acceptance_html(doc, tz)
        if chosen_fmt == "html":
            target.write_text(html, encoding="utf-8")
        else:
            from digikel.reports.browser import print_pdf

            with tempfile.TemporaryDirectory(prefix="digikel-pack-") as folder:
                page = Path(folder) / "berita-acara.html"
                page.write_text(html, encoding="utf-8")
                print_pdf(page, target)
    _done(ctx, output, chosen_fmt, site=chosen.slug, ready=doc["ready"])
