"""The endpoint roles start from the freshly built base image (issue 13).

On a fresh machine the quickstart failed on every endpoint with "No package matching 'chrony' is
available": the image shipped an empty /var/lib/apt/lists emptied minutes earlier, so Ansible's
`cache_valid_time` took the lists for fresh and skipped the update. Here a real container of the
image is put in exactly that state (no lists, the lists directory dated now) and the real
baseline playbook converges it through the lab inventory.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
VENV_BIN = REPO / ".venv" / "bin"
HOST = "loa-bakung-pc01"  # the lab device the container plays
LISTS = "/var/lib/apt/lists"


def _podman(*args: str, timeout: int = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["podman", *args], capture_output=True, text=True, timeout=timeout, check=False
    )


def _package_lists(container: str) -> list[str]:
    done = _podman("exec", container, "find", LISTS, "-name", "*_Packages*")
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_the_image_ships_no_lists_and_no_misleading_freshness(base_image: str) -> None:
    done = _podman(
        "run", "--rm", base_image, "sh", "-c",
        f"find {LISTS} -name '*_Packages*'; stat -c 'mtime %Y' {LISTS}; "
        "ls /var/lib/apt/periodic /var/cache/apt/pkgcache.bin 2>&1 | sed 's/^/absent? /'",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert not [line for line in lines if "_Packages" in line and "absent?" not in line], lines
    assert "mtime 0" in lines  # no age can pass for fresh
    # Neither apt's update-success stamp nor its binary caches exist.
    assert all("No such file" in line for line in lines if line.startswith("absent? ")), lines
    assert len([line for line in lines if line.startswith("absent? ")]) == 2, lines


@pytest.fixture
def fresh_container(base_image: str) -> Iterator[str]:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    name = f"digikel-fresh-{worker}"  # of this test and this worker only
    cache = Path("/var/cache/digikel/apt-archives") / name
    _podman("rm", "--force", name)
    (cache / "partial").mkdir(parents=True, exist_ok=True)
    run = _podman(
        "run", "--detach", "--name", name, "--hostname", HOST, "--systemd=always",
        "--cap-add", "NET_ADMIN", "--volume", f"{cache}:/var/cache/apt/archives",
        base_image, "/sbin/init",
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    try:
        # Until systemd has its bus, systemctl cannot even ask (--wait needs the bus too).
        deadline = time.monotonic() + 180
        state = ""
        while state not in ("running", "degraded") and time.monotonic() < deadline:
            time.sleep(0.5)
            state = _podman("exec", name, "systemctl", "is-system-running").stdout.strip()
        assert state in ("running", "degraded"), f"systemd in {name}: {state!r}"
        yield name
    finally:
        _podman("rm", "--force", "--time", "5", name)


def test_the_baseline_converges_where_empty_lists_look_fresh(
    fresh_container: str, podman_as_root: list[str]
) -> None:
    # The state of issue 13: no package list, and a lists directory touched a moment ago.
    assert _package_lists(fresh_container) == []
    assert _podman("exec", fresh_container, "touch", LISTS).returncode == 0
    env = {
        **os.environ,
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_CACHE_PLUGIN": "memory",  # never leave this container's facts in the lab's cache
    }
    command = [
        str(VENV_BIN / "ansible-playbook"), "playbooks/baseline.yml", "-l", HOST,
        "-e", f"ansible_host={fresh_container}",
        *podman_as_root,
    ]  # fmt: skip
    first = subprocess.run(
        command, cwd=REPO, env=env, capture_output=True, text=True, timeout=900, check=False
    )
    assert first.returncode == 0, first.stdout[-6000:] + first.stderr[-2000:]
    assert "No package matching" not in first.stdout
    assert _package_lists(fresh_container), "the role did not refresh the lists"
    chrony = _podman("exec", fresh_container, "dpkg-query", "-W", "-f=${Status}", "chrony")
    assert chrony.stdout == "install ok installed", chrony.stdout + chrony.stderr
    enabled = _podman("exec", fresh_container, "systemctl", "is-enabled", "chrony")
    assert enabled.stdout.strip() == "enabled"
    # Once the lists exist, the role leaves them to cache_valid_time: a rerun changes nothing.
    second = subprocess.run(
        command, cwd=REPO, env=env, capture_output=True, text=True, timeout=900, check=False
    )
    assert second.returncode == 0, second.stdout[-6000:]
    assert f"{HOST}" in second.stdout and "changed=0" in second.stdout, second.stdout[-3000:]
