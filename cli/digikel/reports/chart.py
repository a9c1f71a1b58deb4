"""The readiness-over-time chart as inline SVG: no script, no fonts or files from elsewhere."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from html import escape

from digikel.readiness.history import Point
from digikel.readiness.i18n import long_date, t
from digikel.readiness.targets import Progress

WIDTH, HEIGHT = 760, 300
LEFT, RIGHT, TOP, BOTTOM = 48, 150, 16, 36
READY_COLOUR, TECHNICAL_COLOUR, INAUGURATED_COLOUR = "#1b7f3b", "#7fb800", "#1f5fa8"
TARGET_COLOUR = "#b35c00"


def _step_path(values: Sequence[tuple[float, float]]) -> str:
    parts = [f"M{values[0][0]:.1f},{values[0][1]:.1f}"]
    for (_, y_prev), (x, y) in itertools.pairwise(values):
        parts.append(f"H{x:.1f}V{y:.1f}" if y != y_prev else f"H{x:.1f}")
    return "".join(parts)


def readiness_chart(
    points: Sequence[Point], progress: Sequence[Progress], total: int, lang: str
) -> str:
    """Step lines of ready and inaugurated sites per day, with the targets as dashed lines."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top_value = max([total, 1] + [p.total for p in progress])

    def y(value: int) -> float:
        return TOP + plot_h - plot_h * value / top_value

    count = len(points)
    first = points[0].day if points else None
    span = (points[-1].day - points[0].day).days if points else 0

    def x(index: int) -> float:
        # Time runs at an even pace on the axis, however unevenly the events fell.
        if not span or first is None:
            return float(LEFT + plot_w)
        return LEFT + plot_w * (points[index].day - first).days / span

    title = escape(t("report.chart", lang))
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-label="{title}" class="chart" font-family="sans-serif" font-size="11">',
        f"<title>{title}</title>",
        f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="#fafafa" '
        f'stroke="#ccc"/>',
    ]
    for tick in sorted({0, top_value // 4, top_value // 2, 3 * top_value // 4, top_value}):
        out.append(
            f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
            f'stroke="#e4e4e4"/><text x="{LEFT - 6}" y="{y(tick) + 4:.1f}" '
            f'text-anchor="end" fill="#555">{tick}</text>'
        )
    for item in progress:
        label = escape(f"{t('target', lang)} {item.target.year}: {item.total}")
        out.append(
            f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y(item.total):.1f}" '
            f'y2="{y(item.total):.1f}" stroke="{TARGET_COLOUR}" stroke-dasharray="6 4"/>'
            f'<text x="{LEFT + plot_w + 6}" y="{y(item.total) + 4:.1f}" '
            f'fill="{TARGET_COLOUR}">{label}</text>'
        )
    if not points or (count == 1 and points[0].ready == 0 and points[0].inaugurated == 0):
        out.append(
            f'<text x="{LEFT + plot_w / 2:.1f}" y="{TOP + plot_h / 2:.1f}" text-anchor="middle" '
            f'fill="#777">{escape(t("report.chart.empty", lang))}</text>'
        )
    series = (
        ("technically_ready", TECHNICAL_COLOUR, t("report.chart.technical", lang)),
        ("ready", READY_COLOUR, t("report.chart.ready", lang)),
        ("inaugurated", INAUGURATED_COLOUR, t("report.chart.inaugurated", lang)),
    )
    for row, (field, colour, name) in enumerate(series):
        if points:
            values = [(x(i), y(getattr(p, field))) for i, p in enumerate(points)]
            if span == 0:
                values.insert(0, (float(LEFT), values[0][1]))
            out.append(
                f'<path d="{_step_path(values)}" fill="none" stroke="{colour}" '
                f'stroke-width="2.5" class="series-{field}"/>'
            )
            last = points[-1]
            out.append(
                f'<circle cx="{values[-1][0]:.1f}" cy="{values[-1][1]:.1f}" r="3.5" '
                f'fill="{colour}"><title>{escape(name)}: {getattr(last, field)}</title></circle>'
            )
        legend_y = TOP + 24 + 16 * row
        out.append(
            f'<rect x="{LEFT + plot_w + 6}" y="{legend_y - 8}" width="12" height="4" '
            f'fill="{colour}"/><text x="{LEFT + plot_w + 22}" y="{legend_y - 2}" '
            f'fill="#333">{escape(name)}</text>'
        )
    if points:
        labels = {0, count - 1} if span else {count - 1}
        for index in sorted(labels):
            anchor = "start" if index == 0 and span else "end"
            out.append(
                f'<text x="{x(index):.1f}" y="{TOP + plot_h + 18}" text-anchor="{anchor}" '
                f'fill="#555">{escape(long_date(points[index].day, lang))}</text>'
            )
    out.append("</svg>")
    return "".join(out)
