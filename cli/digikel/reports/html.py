"""Render reports to HTML: one self-contained file (inline CSS, SVG and script), works offline."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from digikel.readiness.components import COMPONENTS
from digikel.readiness.i18n import component_label, long_date, t

TEMPLATES = Path(__file__).parent / "templates"


def environment() -> Any:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def local_formatter(tz: dt.tzinfo, lang: str) -> Any:
    """ISO time from the documents -> 'DD Month YYYY HH:MM' in the city's time zone."""

    def local(value: str | None) -> str:
        if not value:
            return "\u2013"
        moment = dt.datetime.fromisoformat(value).astimezone(tz)
        return f"{long_date(moment.date(), lang)} {moment:%H:%M}"

    return local


def short_formatter(tz: dt.tzinfo) -> Any:
    """ISO time -> 'YYYY-MM-DD HH:MM' in the city's time zone, for narrow table cells."""

    def short(value: str | None) -> str:
        if not value:
            return "\u2013"
        return f"{dt.datetime.fromisoformat(value).astimezone(tz):%Y-%m-%d %H:%M}"

    return short


def render(template: str, lang: str, tz: dt.tzinfo, **context: Any) -> str:
    from markupsafe import Markup

    env = environment()
    helpers = {
        "t": lambda key, **kw: t(key, lang, **kw),
        "label": lambda component: component_label(component, lang),
        "local": local_formatter(tz, lang),
        "short": short_formatter(tz),
        "lang": lang,
        "components": COMPONENTS,
    }
    if "chart" in context:
        context["chart"] = Markup(context["chart"])  # built by chart.py, which escapes its text
    return str(env.get_template(template).render(**helpers, **context))


def city_html(doc: dict[str, Any], chart_svg: str, tz: dt.tzinfo, operator: str) -> str:
    from markupsafe import Markup

    from digikel.reports.history import history_section

    lang = doc["lang"]
    local = local_formatter(tz, lang)
    history = history_section(doc)
    for entry in history:
        entry["svg"] = Markup(entry["svg"])  # built by history.py, which escapes its text
    return render(
        "city.html.j2",
        lang,
        tz,
        doc=doc,
        chart=chart_svg,
        history=history,
        title=t("report.title", lang, city=doc["city"]),
        generated=t("report.generated", lang, when=local(doc["generated_at"]), who=operator),
        max_age_note=t("report.max_age", lang, limit=doc["max_age"]),
    )
