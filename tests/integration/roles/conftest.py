"""What the endpoint roles' container tests share: the base image the lab and Molecule boot."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def base_image() -> str:
    """The systemd Debian 12 image, built once per machine and reused afterwards (the tag is the
    one scripts/build-base-image.sh builds, as the lab reads it)."""
    from digikel.labsvc.containers import base_image as configured_image

    result = subprocess.run(
        ["bash", str(REPO / "scripts" / "build-base-image.sh")],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, f"building the base image failed:\n{result.stderr[-4000:]}"
    image = configured_image(REPO)
    assert subprocess.run(["podman", "image", "exists", image], check=False).returncode == 0
    return image
