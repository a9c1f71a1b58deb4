"""The handover evidence pack (berita acara serah terima) of one site."""

from __future__ import annotations

import base64
import datetime as dt
import struct
from pathlib import Path
from typing import TYPE_CHECKING, Any

from digikel.readiness.collect import one_site_readiness
from digikel.readiness.components import COMPONENTS
from digikel.readiness.i18n import long_day, t
from digikel.reports.document import site_document

if TYPE_CHECKING:
    from digikel.inventory.model import Inventory, Site
    from digikel.store import Store
    from digikel.store.records import CheckRecord

# Where the verify stage's playbooks/verify.yml fetches a display's picture, under the project's
# artifacts: run-<id>/<site>/verify/evidence/<device>.png (digikel.rollout.engine, endpoints).
EVIDENCE_STAGE = "verify"
SCREENSHOT_MAX_BYTES = 8 * 1024 * 1024  # a 1920x1080 page is ~20-300 KB; never embed a huge file


def png_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of a PNG, from its header; None when `data` is no PNG."""
    if len(data) < 24 or data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def display_screenshots(
    site: Site, checks: list[CheckRecord], artifacts_root: Path | None
) -> list[dict[str, Any]]:
    """Each display of the site with the picture of its queue page taken by the newest verify
    run that checked it (embedded as a data: URI), or none when no run kept one."""
    shots = []
    for device in site.devices:
        if device.role != "display":
            continue
        shot: dict[str, Any] = {"device": device.name, "run_id": None, "src": None}
        runs = sorted({c.run_id for c in checks if c.target == device.name}, reverse=True)
        for run_id in runs:
            if artifacts_root is None:
                break
            path = (
                artifacts_root / f"run-{run_id}" / site.slug / EVIDENCE_STAGE / "evidence"
                / f"{device.name}.png"
            )  # fmt: skip
            if not path.is_file() or path.stat().st_size > SCREENSHOT_MAX_BYTES:
                continue
            data = path.read_bytes()
            size = png_size(data)
            if size is None:
                continue
            shot.update(
                run_id=run_id,
                path=str(path),
                width=size[0],
                height=size[1],
                src="data:image/png;base64," + base64.b64encode(data).decode("ascii"),
            )
            break
        shots.append(shot)
    return shots


def _default_artifacts() -> Path | None:
    """The checkout's artifacts folder when the caller named none (a wheel: none)."""
    from digikel.project import Project, checkout_root

    root = checkout_root()
    return Project.at(root).artifacts if root is not None else None


def acceptance_document(
    inv: Inventory,
    store: Store,
    site: Site,
    max_age: dt.timedelta,
    lang: str,
    now: dt.datetime,
    tz: dt.tzinfo,
    artifacts_root: Path | None = None,
) -> dict[str, Any]:
    """Devices (inventory + what they reported), every check of the newest verify, marks, and
    the picture of each queue display kept by its newest verify run under `artifacts_root` (the
    project's artifacts folder; default: this checkout's)."""
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
        "screenshots": display_screenshots(
            site, checks, artifacts_root if artifacts_root is not None else _default_artifacts()
        ),
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
