"""A lab of three real inventory sites for the network operations, on its own SSH port.

Sites: loa-bakung (static uplink, MikroTik switch, 2 APs), sungai-keledang (Cisco IOS switch,
DHCP uplink), handil-bakti (PPPoE uplink). The inventory is a copy whose lab devices listen on
port 23xx (not 2222), so a lab another engineer or test runs on the inventory's own addresses
cannot collide, and whose known_hosts starts EMPTY: the tests trust the devices explicitly.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from digikel.inventory import load_inventory
from digikel.inventory.secrets import load_secrets
from digikel.lab.runner import RunningLab, running_lab
from digikel.network.connection import Timeouts
from digikel.network.operations import Options
from digikel.network.store import BackupStore

REPO = Path(__file__).resolve().parents[3]
SITES = ["loa-bakung", "sungai-keledang", "handil-bakti"]


@dataclass
class NetLab:
    lab: RunningLab
    inv: Any
    env_file: Path
    secrets: dict[str, Any]
    store: BackupStore

    def options(self, **kw: Any) -> Options:
        kw.setdefault("timeouts", Timeouts(connect=10.0, command=20.0))
        return Options(store=self.store, **kw)


def _port() -> int:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return 2322 + int(worker.removeprefix("gw") or 0)


# Session-long on its worker, said plainly: without an __init__.py, pytest's "package" scope
# is the session's anyway. Its port is its own, since other files' labs may be up beside it.
@pytest.fixture(scope="session")
def netlab(tmp_path_factory) -> Iterator[NetLab]:
    root = tmp_path_factory.mktemp("netinv")
    shutil.copytree(REPO / "inventory", root / "inventory")
    env_file = root / "inventory" / "lab" / "digikel.yml"
    env_file.write_text(env_file.read_text() + f"lab_ssh_port: {_port()}\n")
    (root / "inventory" / "lab" / "known_hosts").unlink(missing_ok=True)
    inv = load_inventory(env_file)
    secrets = load_secrets(inv)
    store = BackupStore(root / "backups")
    with running_lab(
        inv, sites=SITES, state_dir=root / "lab", secrets=secrets, time_scale=0.2
    ) as lab:
        yield NetLab(lab, inv, env_file, secrets, store)


def trust_all(env_file: Path) -> None:
    """`digikel network trust` for every lab site, as an operator would (idempotent)."""
    from typer.testing import CliRunner

    from digikel.cli import app

    args = ["-i", str(env_file), "network", "trust", "--yes"]
    for slug in SITES:
        args += ["--site", slug]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="session")
def trusted(netlab: NetLab) -> NetLab:
    trust_all(netlab.env_file)
    return netlab
