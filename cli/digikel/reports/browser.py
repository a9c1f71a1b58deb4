"""Headless chromium: prints the handover pack to PDF (and lets the tests look at reports)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from digikel.errors import DigikelError

CANDIDATES = ("chromium", "chromium-browser", "google-chrome")
# Quiet, offline, throw-away: nothing phones home and nothing outlives the call.
FLAGS = (
    "--headless",
    "--no-sandbox",  # CI runs as root, where chromium's sandbox refuses to start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--mute-audio",
)
TIMEOUT_SECONDS = 120


def find_chromium() -> str | None:
    configured = os.environ.get("DIGIKEL_CHROMIUM")
    if configured:
        return configured
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def run_chromium(
    arguments: list[str], timeout: int = TIMEOUT_SECONDS
) -> subprocess.CompletedProcess[str]:
    """Run chromium headless with a new empty profile (removed afterwards)."""
    binary = find_chromium()
    if binary is None:
        raise DigikelError(
            "chromium not found: install it (apt-get install chromium) or set DIGIKEL_CHROMIUM, "
            "or use --format html"
        )
    with tempfile.TemporaryDirectory(prefix="digikel-chromium-") as profile:
        command = [binary, *FLAGS, f"--user-data-dir={profile}", *arguments]
        try:
            return subprocess.run(
                command, capture_output=True, text=True, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired:
            raise DigikelError(f"chromium did not finish within {timeout} s") from None


def print_pdf(html: Path, pdf: Path) -> None:
    pdf.unlink(missing_ok=True)
    done = run_chromium(
        [f"--print-to-pdf={pdf.resolve()}", "--no-pdf-header-footer", html.resolve().as_uri()]
    )
    if not pdf.is_file() or pdf.stat().st_size == 0:
        tail = (done.stderr or "").strip().splitlines()[-3:]
        raise DigikelError(f"chromium could not print {html} to PDF: {' / '.join(tail)}")
