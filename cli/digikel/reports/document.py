"""Readiness as plain JSON-ready data: the one shape behind `--json`, the JSON report and the
templates. Machine keys stay English; `text` fields are in the chosen language."""

from __future__ import annotations

import datetime as dt
from typing import Any

from digikel.readiness.blockers import describe
from digikel.readiness.collect import CityReadiness
from digikel.readiness.i18n import age_text, component_label, state_label
from digikel.readiness.model import ComponentStatus, SiteReadiness


def _iso(value: dt.date | dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def component_document(status: ComponentStatus, lang: str) -> dict[str, Any]:
    return {
        "component": status.component,
        "label": component_label(status.component, lang),
        "state": status.state.value,
        "state_label": state_label(status.state.value, lang, status.component),
        "green": status.green,
        "source": status.source,
        "at": _iso(status.at),
        "work_date": _iso(status.work_date),
        "note": status.note,
        "by": status.by,
        "run_id": status.run_id,
        "failed": list(status.failed),
        "missing": list(status.missing),
        "age_seconds": int(status.age.total_seconds()) if status.age is not None else None,
    }


def site_document(readiness: SiteReadiness, lang: str, max_age: dt.timedelta) -> dict[str, Any]:
    site = readiness.site
    checked = [c.at for c in readiness.components if c.source == "checks" and c.at]
    return {
        "number": site.number,
        "slug": site.slug,
        "name": site.name,
        "kecamatan": site.kecamatan,
        "wave": site.wave,
        "ready": readiness.ready,
        "technically_ready": readiness.technically_ready,
        "last_check": _iso(max(checked)) if checked else None,
        "components": {c.component: component_document(c, lang) for c in readiness.components},
        "blockers": [blocker_document(c, lang, max_age) for c in readiness.blockers],
        "drift": [
            {
                "component": d.component,
                "target": d.target,
                "summary": d.summary,
                "first_lines": list(d.first_lines),
                "found_at": _iso(d.found_at),
                "run_id": d.run_id,
            }
            for d in readiness.drift
        ],
    }


def blocker_document(status: ComponentStatus, lang: str, max_age: dt.timedelta) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "component": status.component,
        "state": status.state.value,
        "text": describe(status, lang, max_age),
    }
    if status.drift is not None:
        # What a display needs to show a drift blocker on several lines instead of one.
        doc["target"] = status.drift.target
        doc["first_lines"] = list(status.drift.first_lines)
    return doc


def city_document(city: CityReadiness, lang: str) -> dict[str, Any]:
    inaugurated = sum(r.component("inaugurated").green for r in city.sites)
    return {
        "city": city.city,
        "generated_at": city.now.isoformat(),
        "lang": lang,
        "max_age": age_text(city.max_age, lang),
        "max_age_seconds": int(city.max_age.total_seconds()),
        "totals": {
            "sites": len(city.sites),
            "ready": city.ready,
            "technically_ready": sum(r.technically_ready for r in city.sites),
            "inaugurated": inaugurated,
        },
        "targets": [p.as_dict() for p in city.progress],
        "kecamatan": [row.as_dict() for row in city.kecamatan],
        "sites": [site_document(r, lang, city.max_age) for r in city.sites],
        "history": [p.as_dict() for p in city.series],
        "kecamatan_history": [row.as_dict() for row in city.kecamatan_history],
    }
