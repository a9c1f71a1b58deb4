"""The city report as a table: CSV (one row per site) and an Excel workbook."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from digikel.readiness.components import COMPONENTS
from digikel.readiness.i18n import component_label, t


def site_table(doc: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    lang = doc["lang"]
    headers = [
        t("number", lang),
        "slug",
        t("site", lang),
        t("kecamatan", lang),
        t("wave", lang),
        *(component_label(c, lang) for c in COMPONENTS),
        t("ready", lang),
        t("report.last_check", lang),
        t("blockers", lang),
    ]
    rows = [
        [
            site["number"],
            site["slug"],
            site["name"],
            site["kecamatan"],
            site["wave"],
            *(site["components"][c]["state_label"] for c in COMPONENTS),
            t("yes", lang) if site["ready"] else t("no", lang),
            site["last_check"] or "",
            "; ".join(b["text"] for b in site["blockers"]),
        ]
        for site in doc["sites"]
    ]
    return headers, rows


def city_csv(doc: dict[str, Any]) -> str:
    headers, rows = site_table(doc)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(headers)
    writer.writerows(rows)
    return out.getvalue()


_FILL = {
    "ok": "C6EFCE",
    "n/a": "C6EFCE",
    "failed": "FFC7CE",
    "stale": "FFEB9C",
    "incomplete": "FFEB9C",
    "in_progress": "FFEB9C",
    "unchecked": "E7E6E6",
    "not_done": "E7E6E6",
}


def city_xlsx(doc: dict[str, Any], path: Path) -> None:
    """Sheets: summary (targets, kecamatan), sites, blockers, history, history per kecamatan."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    lang = doc["lang"]
    bold = Font(bold=True)
    book = Workbook()

    summary = book.active
    assert summary is not None
    summary.title = t("report.summary", lang)[:31]
    summary.append([t("report.title", lang, city=doc["city"])])
    summary["A1"].font = Font(bold=True, size=14)
    summary.append([doc["generated_at"]])
    summary.append([])
    summary.append([t("target", lang), t("ready_count", lang), t("sites", lang), "%", ""])
    for target in doc["targets"]:
        state = (
            "target.met"
            if target["met"]
            else "target.overdue"
            if target["overdue"]
            else "target.open"
        )
        summary.append(
            [target["year"], target["ready"], target["target"], target["percent"], t(state, lang)]
        )
    summary.append([])
    header_row = summary.max_row + 1
    summary.append(
        [
            t("kecamatan", lang),
            t("sites", lang),
            t("ready_count", lang),
            t("inaugurated_count", lang),
            *(component_label(c, lang) for c in COMPONENTS),
        ]
    )
    for row in doc["kecamatan"]:
        summary.append(
            [
                row["kecamatan"],
                row["sites"],
                row["ready"],
                row["inaugurated"],
                *(row["components_green"][c] for c in COMPONENTS),
            ]
        )
    for cell in (*summary[4], *summary[header_row]):
        cell.font = bold

    sites = book.create_sheet(t("site", lang)[:31])
    headers, rows = site_table(doc)
    sites.append(headers)
    first_component = 6  # 1-based column of the first component
    for site, row in zip(doc["sites"], rows, strict=True):
        sites.append(row)
        for offset, component in enumerate(COMPONENTS):
            state = site["components"][component]["state"]
            cell = sites.cell(row=sites.max_row, column=first_component + offset)
            cell.fill = PatternFill("solid", fgColor=_FILL[state])
    for cell in sites[1]:
        cell.font = bold
    sites.freeze_panes = "C2"
    sites.auto_filter.ref = sites.dimensions
    for index, header in enumerate(headers, start=1):
        width = max([len(str(header))] + [len(str(r[index - 1])) for r in rows]) + 2
        sites.column_dimensions[get_column_letter(index)].width = min(width, 60)

    blockers = book.create_sheet(t("blockers", lang)[:31])
    blockers.append([t("site", lang), t("kecamatan", lang), "component", t("blockers", lang)])
    for site in doc["sites"]:
        for blocker in site["blockers"]:
            blockers.append(
                [site["name"], site["kecamatan"], blocker["component"], blocker["text"]]
            )
    for cell in blockers[1]:
        cell.font = bold
    blockers.column_dimensions["D"].width = 80

    history = book.create_sheet(t("report.chart", lang)[:31])
    history.append(["date", t("report.chart.ready", lang), t("report.chart.inaugurated", lang)])
    for point in doc["history"]:
        history.append([point["date"], point["ready"], point["inaugurated"]])
    for cell in history[1]:
        cell.font = bold

    per_kecamatan = book.create_sheet(t("report.history.sheet", lang)[:31])
    per_kecamatan.append(
        [
            t("date", lang),
            t("kecamatan", lang),
            t("report.history.checked", lang),
            t("report.history.green", lang),
            t("report.history.drifted", lang),
            t("report.history.targets", lang),
        ]
    )
    for day in doc.get("kecamatan_history", []):
        per_kecamatan.append(
            [
                day["date"],
                day["kecamatan"],
                day["sites_checked"],
                day["sites_green"],
                day["sites_drifted"],
                day["targets_drifted"],
            ]
        )
    for cell in per_kecamatan[1]:
        cell.font = bold
    per_kecamatan.freeze_panes = "A2"

    book.save(path)
