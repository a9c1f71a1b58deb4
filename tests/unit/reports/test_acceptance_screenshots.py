"""The handover pack carries each queue display's picture, as the verify stage kept it."""

from __future__ import annotations

import base64
import datetime as dt
import re
from pathlib import Path

import pytest
from tests.pngs import stripes

from digikel.reports.acceptance import acceptance_document, acceptance_html, png_size
from digikel.store import Check, open_store

NOW = dt.datetime(2026, 12, 1, 3, tzinfo=dt.UTC)


@pytest.fixture
def recorded(inv, tmp_path: Path):
    """A store with one verify run checking a site's display; the artifacts root of the run."""
    site = next(s for s in inv.sites if any(d.role == "display" for d in s.devices))
    display = next(d for d in site.devices if d.role == "display")
    store = open_store(f"sqlite:///{tmp_path / 'digikel.db'}")
    run = store.start_run(kind="rollout", operator="teknisi-ana", command_line="test")
    store.record_checks(
        run,
        site.slug,
        [Check("displays", "the queue page is on screen", True, "1920x1080", display.name)],
    )
    yield store, site, display, run, tmp_path / "artifacts"
    store.close()


def _evidence(root: Path, run: int, slug: str, device: str) -> Path:
    path = root / f"run-{run}" / slug / "verify" / "evidence" / f"{device}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _doc(inv, store, site, root: Path | None) -> dict:
    return acceptance_document(
        inv, store, site, dt.timedelta(days=30), "en", NOW, dt.UTC, artifacts_root=root
    )


def test_the_pack_embeds_the_display_picture_of_the_run(inv, recorded):
    store, site, display, run, root = recorded
    picture = stripes(64, 36, [(0x1A, 0x52, 0x76), (0xFF, 0xFF, 0xFF)])
    _evidence(root, run, site.slug, display.name).write_bytes(picture)
    doc = _doc(inv, store, site, root)
    shot = next(s for s in doc["screenshots"] if s["device"] == display.name)
    assert (shot["run_id"], shot["width"], shot["height"]) == (run, 64, 36)
    assert shot["src"].startswith("data:image/png;base64,")
    assert base64.b64decode(shot["src"].partition(",")[2]) == picture
    html = acceptance_html(doc, dt.UTC)
    figure = re.search(
        rf'<figure class="screenshot" data-device="{display.name}">\s*<img src="([^"]+)"', html
    )
    assert figure is not None, html[-3000:]
    assert base64.b64decode(figure.group(1).partition(",")[2]) == picture
    assert f"{display.name} · 64\N{MULTIPLICATION SIGN}36 · run #{run}" in html
    assert "Queue display screens" in html


def test_a_display_without_a_kept_picture_says_so(inv, recorded):
    store, site, display, run, root = recorded
    # A picture of another run (not the newest checks'), and a file that is no PNG: neither counts.
    _evidence(root, run + 1, site.slug, display.name).write_bytes(stripes(4, 4, [(0, 0, 0)]))
    _evidence(root, run, site.slug, display.name).write_bytes(b"<html>not a png</html>")
    doc = _doc(inv, store, site, root)
    shot = next(s for s in doc["screenshots"] if s["device"] == display.name)
    assert shot == {"device": display.name, "run_id": None, "src": None}
    html = acceptance_html(doc, dt.UTC)
    assert "<img" not in html
    assert f"{display.name}: no screen picture yet (run the verify stage)" in html
    # Indonesian, the pack's default language.
    doc = acceptance_document(
        inv, store, site, dt.timedelta(days=30), "id", NOW, dt.UTC, artifacts_root=root
    )
    assert "Tampilan layar antrian" in acceptance_html(doc, dt.UTC)


def test_without_a_named_artifacts_folder_the_checkout_s_is_read():
    from digikel.reports.acceptance import _default_artifacts

    assert _default_artifacts() == Path(__file__).resolve().parents[3] / ".digikel" / "artifacts"


def test_png_size_reads_the_header_and_refuses_other_files():
    assert png_size(stripes(1920, 2, [(1, 2, 3)])) == (1920, 2)
    assert png_size(b"GIF89a" + b"\0" * 40) is None
    assert png_size(b"\x89PNG\r\n\x1a\n") is None
