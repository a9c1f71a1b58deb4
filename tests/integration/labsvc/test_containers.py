"""Endpoint containers for real: podman, systemd inside, Ansible through the real inventory.

Boots two containers (a counter of loa-bakung and the data-centre portal) and removes them.
One scenario in one test: the containers' names are fixed by the inventory, so two pytest-xdist
workers must never boot or remove them at the same time from separate tests."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from typer.testing import CliRunner

from digikel.cli.common import Context
from digikel.cli.labsvc import app
from digikel.labsvc import containers_down, containers_status, podman_problem

HOSTS = ["loa-bakung-pc01", "dc-portal01"]
UP = ["up", "--only", "containers", *(a for h in HOSTS for a in ("--host", h))]


def _podman(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["podman", *args], capture_output=True, text=True, timeout=120)


def _check_systemd_and_hostname() -> None:
    for name in HOSTS:
        state = _podman("exec", name, "systemctl", "is-system-running").stdout.strip()
        assert state in ("running", "degraded"), f"{name}: {state}"
        assert _podman("exec", name, "hostname").stdout.strip() == name
        assert _podman("exec", name, "cat", "/proc/1/comm").stdout.strip() == "systemd"


def _check_capability_and_apt_cache() -> None:
    info = json.loads(_podman("container", "inspect", "loa-bakung-pc01").stdout)[0]
    assert "CAP_NET_ADMIN" in info["EffectiveCaps"]
    mounts = {m["Destination"]: m["Source"] for m in info["Mounts"]}
    # Each container has its own archive cache: apt must not share a lock across containers.
    assert mounts["/var/cache/apt/archives"] == "/var/cache/digikel/apt-archives/loa-bakung-pc01"


def _check_portal_port() -> None:
    assert _podman("port", "dc-portal01").stdout.strip() == "443/tcp -> 127.66.1.1:8443"
    sockets = subprocess.run(["ss", "-ltnH"], capture_output=True, text=True).stdout
    assert "127.66.1.1:8443 " in sockets


def _check_ansible_ping(repo: Path) -> None:
    done = subprocess.run(
        [str(repo / ".venv" / "bin" / "ansible"), ":".join(HOSTS), "-m", "ansible.builtin.ping"],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    for name in HOSTS:
        assert f"{name} | SUCCESS" in done.stdout


def test_two_endpoint_containers_boot_answer_ansible_and_go(
    lab_inventory_path: Path, repo: Path
) -> None:
    # setup installs podman: where it does not work, the test fails rather than skip unseen.
    problem = podman_problem()
    assert problem is None, f"podman does not work on this machine: {problem}"
    runner = CliRunner()
    try:
        result = runner.invoke(app, UP, obj=Context(json=True, inventory_path=lab_inventory_path))
        assert result.exit_code == 0, result.output
        rows = json.loads(result.stdout)["containers"]["containers"]
        assert [(c["name"], c["state"], c["ready"]) for c in rows] == [
            ("loa-bakung-pc01", "running", True),
            ("dc-portal01", "running", True),
        ]
        _check_systemd_and_hostname()
        _check_capability_and_apt_cache()
        _check_portal_port()
        _check_ansible_ping(repo)

        # up again keeps the very same containers
        ids = _podman("inspect", "--format", "{{.Id}}", *HOSTS).stdout.split()
        again = runner.invoke(app, UP, obj=Context(inventory_path=lab_inventory_path))
        assert again.exit_code == 0, again.output
        assert _podman("inspect", "--format", "{{.Id}}", *HOSTS).stdout.split() == ids
    finally:
        removed = containers_down(names=HOSTS)
    assert sorted(removed) == sorted(HOSTS)
    for name in HOSTS:
        assert _podman("container", "exists", name).returncode == 1
    assert [c.state for c in containers_status(HOSTS)] == ["missing", "missing"]
