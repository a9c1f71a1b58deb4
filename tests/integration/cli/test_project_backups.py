"""One project, one backup store, wherever the operator stands (issue 14's data-loss bug).

A push run from $HOME used to keep its backup in ~/.digikel/backups; a rollback run later from
the repository took "previous" from the repository's store and restored an OLDER configuration
than the one the push replaced. The real CLI (a subprocess, as an operator runs it) against a
real lab device shows that both runs now meet in the project's store.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.lab

REPO = Path(__file__).resolve().parents[3]
DIGIKEL = Path(sys.executable).parent / "digikel"
SITE, ROUTER = "loa-bakung", "loa-bakung-rtr01"
BY_HAND = "/ip dns set servers=192.0.2.53"


def _port() -> int:
    # Apart from tests/integration/network's (2322 + n): both may run on one machine.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return 2352 + int(worker.removeprefix("gw") or 0)


@pytest.fixture
def project(tmp_path: Path) -> Iterator[tuple[Path, Any]]:
    """A project (ansible.cfg, inventory/) whose lab router is served on loopback."""
    from digikel.inventory import load_inventory
    from digikel.inventory.secrets import load_secrets
    from digikel.lab.runner import running_lab

    root = tmp_path / "project"
    shutil.copytree(REPO / "inventory", root / "inventory")
    shutil.copy(REPO / "ansible.cfg", root / "ansible.cfg")
    env_file = root / "inventory" / "lab" / "digikel.yml"
    env_file.write_text(env_file.read_text() + f"lab_ssh_port: {_port()}\n")
    (root / "inventory" / "lab" / "known_hosts").unlink(missing_ok=True)
    inv = load_inventory(env_file)
    secrets = load_secrets(inv)
    with running_lab(
        inv, sites=[SITE], state_dir=tmp_path / "lab", secrets=secrets, time_scale=0.2
    ):
        yield root, (inv, secrets)


def _digikel(cwd: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HOME": str(home)}
    # The project decides, not a test-wide setting (tests/conftest.py sets DIGIKEL_BACKUP_DIR).
    for name in ("DIGIKEL_BACKUP_DIR", "DIGIKEL_INVENTORY", "DIGIKEL_LAB_DIR"):
        env.pop(name, None)
    return subprocess.run(
        [str(DIGIKEL), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


def _by_hand(inv: Any, secrets: Any, command: str) -> None:
    from digikel.network.connection import Timeouts, connect, endpoint_for

    endpoint = endpoint_for(inv, inv.device(ROUTER), secrets)
    with connect(endpoint, Timeouts(connect=10.0, command=20.0)) as conn:
        conn.send_command(command, expect_string=r"\] >")


def _running(inv: Any, secrets: Any) -> str:
    from digikel.network.connection import Timeouts, connect, endpoint_for
    from digikel.network.platforms import driver_for

    timeouts = Timeouts(connect=10.0, command=20.0)
    with connect(endpoint_for(inv, inv.device(ROUTER), secrets), timeouts) as conn:
        return str(driver_for("routeros").fetch(conn, timeouts))


def test_a_push_from_home_and_a_rollback_from_the_repository_share_one_store(
    project: tuple[Path, Any], tmp_path: Path
) -> None:
    root, (inv, secrets) = project
    home = tmp_path / "home"
    home.mkdir()
    env_file = root / "inventory" / "lab" / "digikel.yml"

    # In the repository, no options: the project is the one above the current folder.
    for command in ("trust", "push"):
        done = _digikel(root, home, "network", command, "--host", ROUTER, "--yes")
        assert done.returncode == 0, done.stderr

    # Someone changes the router by hand; the operator pushes from $HOME, naming the inventory.
    _by_hand(inv, secrets, BY_HAND)
    done = _digikel(home, home, "-i", str(env_file), "network", "push", "--host", ROUTER, "--yes")
    assert done.returncode == 0, done.stderr
    assert "192.0.2.53" not in _running(inv, secrets)
    assert not (home / ".digikel").exists(), "the push kept its backup outside the project"
    assert (root / ".digikel" / "backups" / SITE).is_dir()

    # Back in the repository, "previous" is the state this push replaced (the hand change),
    # not the factory state of the first push's backup.
    done = _digikel(root, home, "--json", "network", "rollback", "--host", ROUTER, "--yes")
    assert done.returncode == 0, done.stderr
    assert "192.0.2.53" in _running(inv, secrets)
