"""What the endpoint roles' container tests share: the base image the lab and Molecule boot."""

from __future__ import annotations

import fcntl
import importlib.machinery
import importlib.util
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[3]
VENV_BIN = REPO / ".venv" / "bin"
# Molecule runs one at a time on this machine, even under pytest-xdist: they share the apt
# archive cache (one apt may hold its lock) and two cores.
LOCK = Path("/var/cache/digikel/molecule.lock")


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    env["ANSIBLE_FORCE_COLOR"] = "0"
    env["PY_COLORS"] = "0"
    env["NO_COLOR"] = "1"
    return env


def _run(args: list[str], timeout: int = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=REPO, env=_env(), capture_output=True, text=True, timeout=timeout, check=False
    )


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


@pytest.fixture
def molecule_lock() -> Iterator[None]:
    LOCK.parent.mkdir(parents=True, exist_ok=True)
    with LOCK.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


CHECK_CONTAINER = "digikel-pbcheck"


@pytest.fixture
def fresh_endpoint(base_image: str, molecule_lock: None) -> Iterator[str]:
    """A new systemd container with apt lists, as an installed but unconfigured PC would be."""
    _run(["podman", "rm", "-f", CHECK_CONTAINER])
    result = _run(
        [
            "podman", "run", "-d", "--name", CHECK_CONTAINER, "--hostname", CHECK_CONTAINER,
            "--systemd=always", "--cap-add", "NET_ADMIN",
            "-v", "/var/cache/digikel/apt-archives:/var/cache/apt/archives",
            base_image, "/sbin/init",
        ]
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    try:
        # Until systemd has its bus, systemctl cannot even ask (--wait needs the bus too).
        deadline = time.monotonic() + 180
        state = ""
        while state not in ("running", "degraded") and time.monotonic() < deadline:
            time.sleep(0.5)
            asked = _run(["podman", "exec", CHECK_CONTAINER, "systemctl", "is-system-running"])
            state = asked.stdout.strip()
        assert state in ("running", "degraded"), f"systemd in {CHECK_CONTAINER}: {state!r}"
        update = _run(["podman", "exec", CHECK_CONTAINER, "apt-get", "update", "-qq"])
        assert update.returncode == 0, update.stderr
        yield CHECK_CONTAINER
    finally:
        _run(["podman", "rm", "-f", CHECK_CONTAINER])


@pytest.fixture
def podman_as_root() -> list[str]:
    """ansible-playbook's extra vars that reach a bare base-image container (no sshd, no admin
    account) through podman as root, overriding the inventory's SSH connection. For tests of the
    roles on a fresh Debian; the SSH path itself is tested on the lab's endpoint containers
    (tests/integration/rollout/test_endpoint_checks.py, tests/integration/labsvc)."""
    return ["-e", "ansible_connection=containers.podman.podman", "-e", "ansible_user=root"]


@pytest.fixture(scope="session")
def screenshot_tool() -> ModuleType:
    """The display's screenshot tool (roles/display/files/kiosk-screenshot), imported: it has
    no .py suffix, as it is installed on the display."""
    path = REPO / "roles" / "display" / "files" / "kiosk-screenshot"
    loader = importlib.machinery.SourceFileLoader("kiosk_screenshot", str(path))
    spec = importlib.util.spec_from_loader("kiosk_screenshot", loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module
