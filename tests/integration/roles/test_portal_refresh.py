"""The portal role's refresh program, run for real on this machine: it probes a live HTTP server on
loopback and a closed loopback port, then writes status.json and the kelurahan pages."""

from __future__ import annotations

import functools
import http.server
import json
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
PROGRAM = REPO / "roles" / "portal" / "files" / "digikel-portal-refresh"


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def live_url(tmp_path: Path) -> Iterator[str]:
    docroot = tmp_path / "docroot"
    docroot.mkdir()
    (docroot / "index.html").write_text("ok")
    handler = functools.partial(_Quiet, directory=str(docroot))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_refresh_writes_status_and_one_escaped_page_per_kelurahan(
    tmp_path: Path, live_url: str
) -> None:
    down_url = f"http://127.0.0.1:{_closed_port()}/"
    catalogue = {
        "city": "Samarinda",
        "timeout": 3,
        "verify_tls": True,
        "probe_overrides": {},
        "applications": [
            {"id": "up", "name": "Live <App>", "department": "Dinsos", "url": live_url,
             "purpose": "a & b"},
            {"id": "down", "name": "Closed", "department": "Bapenda", "url": down_url,
             "purpose": "x"},
            {"id": "hidden", "name": "Not here", "department": "Bapenda", "url": live_url,
             "purpose": "y"},
        ],
        "sites": [
            {"slug": "loa-bakung", "name": "Loa Bakung", "kecamatan": "Sungai Kunjang",
             "number": 51, "applications": ["up", "down"]},
            {"slug": "pelita", "name": "Pelita", "kecamatan": "Samarinda Ilir", "number": 11,
             "applications": ["hidden"]},
        ],
    }  # fmt: skip
    (tmp_path / "catalogue.json").write_text(json.dumps(catalogue))
    out = tmp_path / "www"
    result = subprocess.run(
        [sys.executable, str(PROGRAM), str(tmp_path / "catalogue.json"), str(out)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "2/3 applications reachable, 2 kelurahan pages written" in result.stdout

    status = json.loads((out / "status.json").read_text())["applications"]
    assert status["up"]["state"] == "up" and status["up"]["http_status"] == 200
    assert status["down"]["state"] == "down"

    page = (out / "loa-bakung" / "index.html").read_text()
    assert "<h1>Layanan Kelurahan Loa Bakung</h1>" in page
    assert 'data-app="up" data-state="up"' in page
    assert 'data-app="down" data-state="down"' in page
    assert "Live &lt;App&gt;" in page and "Live <App>" not in page
    assert "a &amp; b" in page
    assert 'data-app="hidden"' not in page
    # Departments are sections, in order.
    assert page.index("<h2>Bapenda</h2>") < page.index("<h2>Dinsos</h2>")

    assert 'data-app="hidden"' in (out / "pelita" / "index.html").read_text()
    index = (out / "index.html").read_text()
    assert '<a href="/loa-bakung/">Loa Bakung</a>' in index
    assert '<a href="/pelita/">Pelita</a>' in index


def test_refresh_refuses_wrong_arguments() -> None:
    result = subprocess.run(
        [sys.executable, str(PROGRAM)], capture_output=True, text=True, timeout=30, check=False
    )
    assert result.returncode == 2
    assert "Usage: digikel-portal-refresh CATALOGUE.json OUTPUT_DIR" in result.stderr


def test_a_kelurahan_that_hides_every_application_shows_none_and_one_without_a_list_all(
    tmp_path: Path, live_url: str
) -> None:
    """`applications: []` hides them all; only a missing list means every application (an empty
    list once fell back to all of them)."""
    catalogue = {
        "city": "Samarinda", "timeout": 3, "verify_tls": True, "probe_overrides": {},
        "applications": [
            {"id": "one", "name": "One", "department": "Dinsos", "url": live_url, "purpose": "p"},
            {"id": "two", "name": "Two", "department": "Dinsos", "url": live_url, "purpose": "q"},
        ],
        "sites": [
            {"slug": "none-here", "name": "None", "kecamatan": "K", "number": 1,
             "applications": []},
            {"slug": "all-here", "name": "All", "kecamatan": "K", "number": 2},
        ],
    }  # fmt: skip
    (tmp_path / "catalogue.json").write_text(json.dumps(catalogue))
    out = tmp_path / "www"
    result = subprocess.run(
        [sys.executable, str(PROGRAM), str(tmp_path / "catalogue.json"), str(out)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    empty = (out / "none-here" / "index.html").read_text()
    assert 'data-app="one"' not in empty and 'data-app="two"' not in empty
    full = (out / "all-here" / "index.html").read_text()
    assert 'data-app="one"' in full and 'data-app="two"' in full
