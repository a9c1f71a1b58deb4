"""The report's history section: per kecamatan, a small inline SVG of checks and drift per day
and the figures of its last day, from the rows the store aggregated (no script, no fonts)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

WIDTH, HEIGHT, PAD = 360, 44, 2
GREEN, RED = "#1b7f3b", "#b3261e"


def _sparkline(
    days: Sequence[dt.date], rows: Mapping[dt.date, Mapping[str, Any]], sites: int, name: str
) -> str:
    """Red bars: sites drifted that day (of the kecamatan's sites); green line: the share of
    the sites checked that day whose every check passed. Days without records stay empty."""
    span = max((days[-1] - days[0]).days, 1) if days else 1
    step = (WIDTH - 2 * PAD) / (span + 1)
    plot = HEIGHT - 2 * PAD
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'class="spark" role="img" aria-label="{escape(name)}">',
        f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#fafafa" stroke="#ddd"/>',
    ]
    points = []
    for day, row in sorted(rows.items()):
        x = PAD + step * (day - days[0]).days
        if row["sites_drifted"]:
            height = plot * min(row["sites_drifted"], sites) / max(sites, 1)
            out.append(
                f'<rect x="{x:.1f}" y="{HEIGHT - PAD - height:.1f}" width="{max(step - 1, 1):.1f}" '
                f'height="{height:.1f}" fill="{RED}" class="drift-bar"/>'
            )
        if row["sites_checked"]:
            share = row["sites_green"] / row["sites_checked"]
            points.append(f"{x + step / 2:.1f},{HEIGHT - PAD - plot * share:.1f}")
    if points:
        out.append(
            f'<polyline points="{" ".join(points)}" fill="none" stroke="{GREEN}" '
            f'stroke-width="1.5" class="green-line"/>'
        )
    out.append("</svg>")
    return "".join(out)


def history_section(doc: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One entry per kecamatan that has history: name, sparkline SVG, last day's figures."""
    rows: list[Mapping[str, Any]] = doc.get("kecamatan_history", [])
    if not rows:
        return []
    days = sorted({dt.date.fromisoformat(r["date"]) for r in rows})
    sites = {k["kecamatan"]: k["sites"] for k in doc.get("kecamatan", [])}
    per: dict[str, dict[dt.date, Mapping[str, Any]]] = {}
    for row in rows:
        per.setdefault(row["kecamatan"], {})[dt.date.fromisoformat(row["date"])] = row
    section = []
    for name, by_day in sorted(per.items()):
        last_day = max(by_day)
        section.append(
            {
                "kecamatan": name,
                "svg": _sparkline(days, by_day, sites.get(name, 1), name),
                "last_day": last_day.isoformat(),
                "last": by_day[last_day],
                "days": len(by_day),
                "drift_days": sum(1 for r in by_day.values() if r["sites_drifted"]),
            }
        )
    return section
