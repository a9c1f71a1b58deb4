"""The handover evidence pack (berita acara serah terima) of one site."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from digikel.readiness.collect import one_site_readiness
from digikel.readiness.components import COMPONENTS
from digikel.readiness.i18n import long_day, t
from digikel.reports.document import site_document

if TYPE_CHECKING:
    from digikel.inventory.model import Inventory, Site
    from digikel.store import Store


def acceptance_document(
    inv: Inventory,
    store: Store,
    site: Site,
    max_age: dt.timedelta,
    lang: str,
    now: dt.datetime,
    tz: dt.tzinfo,
) -> dict[str, Any]:
    """Devices (inventory + what they reported), every check of the newest verify, marks."""
    readiness = one_site_readiness(inv, store, site, max_age, now)
    facts = {f.device: f for f in store.device_facts(site.slug)}
    devices = []
    for device in site.devices:
        fact = facts.get(device.name)
        reported = fact.model if fact else None
        devices.append(
            {
                "name": device.name,
                "role": device.role,
                "model": device.model,
                "address": str(device.address),
                "serial": fact.serial if fact else None,
                "fingerprint": fact.fingerprint if fact else None,
                "reported_model": reported,
                "model_mismatch": bool(reported and reported != device.model),
                "collected_at": fact.collected_at.isoformat() if fact else None,
            }
        )
    order = {c: i for i, c in enumerate(COMPONENTS)}
    checks = sorted(
        store.latest_checks(site.slug), key=lambda c: (order[c.component], c.name, c.target or "")
    )
    run_ids = sorted({c.run_id for c in checks})
    return {
        "site": site_document(readiness, lang, max_age),
        "city": inv.city.city,
        "lang": lang,
        "generated_at": now.isoformat(),
        "date_text": long_day(now.astimezone(tz).date(), lang),
        "devices": devices,
        "checks": [c.as_dict() for c in checks],
        "runs": [store.run(run_id).as_dict() for run_id in run_ids],
        "marks": [m.as_dict() for m in store.marks(site.slug)],
        # `digikel network bootstrap`: who, when, device, host-key fingerprint, outcome
        "bootstraps": [b.as_dict() for b in store.bootstraps(site.slug)],
        "ready": readiness.ready,
        "blocker_text": "; ".join(
            b["text"] for b in site_document(readiness, lang, max_age)["blockers"]
        ),
    }


def acceptance_html(doc: dict[str, Any], tz: dt.tzinfo) -> str:
    from digikel.reports.html import render

    lang = doc["lang"]
    site = doc["site"]
    return render(
        "acceptance.html.j2",
        lang,
        tz,
        doc=doc,
        title=f"{t('acceptance.title', lang)} — {site['name']}",
        subtitle=t("acceptance.subtitle", lang, site=site["name"], kecamatan=site["kecamatan"]),
        intro=t("acceptance.intro", lang, date=doc["date_text"], site=site["name"]),
    )
