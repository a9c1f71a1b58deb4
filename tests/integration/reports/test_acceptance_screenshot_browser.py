"""The handover pack's queue-display picture, seen in real headless chromium."""

from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path

from tests.pngs import stripes

from digikel.reports.acceptance import acceptance_document, acceptance_html
from digikel.reports.browser import run_chromium
from digikel.store import Check, open_store

REPO = Path(__file__).resolve().parents[3]
MAGENTA = (0xC0, 0x18, 0x7A)  # a colour nothing else in the pack uses


def _pngcheck():
    spec = importlib.util.spec_from_file_location(
        "pngcheck", REPO / "tests" / "integration" / "readiness" / "pngcheck.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_pack_shows_the_display_picture_in_chromium(inv, tmp_path: Path) -> None:
    site = next(s for s in inv.sites if any(d.role == "display" for d in s.devices))
    display = next(d for d in site.devices if d.role == "display")
    root = tmp_path / "artifacts"
    with open_store(f"sqlite:///{tmp_path / 'digikel.db'}") as store:
        run = store.start_run(kind="rollout", operator="teknisi-ana", command_line="test")
        store.record_checks(
            run,
            site.slug,
            [Check("displays", "the queue page is on screen", True, "", display.name)],
        )
        evidence = root / f"run-{run}" / site.slug / "verify" / "evidence" / f"{display.name}.png"
        evidence.parent.mkdir(parents=True)
        evidence.write_bytes(stripes(160, 90, [MAGENTA]))
        doc = acceptance_document(
            inv, store, site, dt.timedelta(days=30), "en", dt.datetime.now(dt.UTC), dt.UTC,
            artifacts_root=root,
        )  # fmt: skip
    page = tmp_path / "berita-acara.html"
    page.write_text(acceptance_html(doc, dt.UTC), encoding="utf-8")
    shot = tmp_path / "shot.png"
    taken = run_chromium(["--window-size=1000,4000", f"--screenshot={shot}", page.as_uri()])
    assert shot.is_file(), taken.stderr[-2000:]
    _, counts = _pngcheck().colour_census(shot)
    # The 160x90 picture is drawn at the page's width (16:9): far more than its own pixels.
    assert counts[MAGENTA] > 160 * 90, f"picture not drawn: {counts[MAGENTA]} magenta pixels"
