"""A lab for whole rollouts: three real sites' network devices in a background lab process, their
printers as ippeveprinter, the data centre's applications and portal as HTTPS stand-ins, a store
and backups of its own. Everything listens on addresses and ports of its own (SSH port 24xx,
printer ports 4xxxx, data centre 127.66.24x.x) and a lab-services instance of its own (containers
would be named `t<worker>-rollout-<host>`; none runs, so the endpoints stage is skipped), so a lab
an operator runs on this machine is never touched, not even its Sungai Keledang containers. The
rollouts themselves run as real `digikel` processes.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from ipaddress import IPv4Address
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[3]
SITES = ["loa-bakung", "sungai-keledang", "rapak-dalam"]
DIGIKEL = [sys.executable, "-c", "from digikel.cli import main; main()"]


@dataclass
class RolloutLab:
    env: dict[str, str]
    env_file: Path
    root: Path

    def digikel(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*DIGIKEL, *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            cwd=REPO,
        )

    def spawn(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [*DIGIKEL, *args],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=REPO,
        )

    def rollout(self, *args: str) -> tuple[int, dict[str, Any]]:
        run = self.digikel("--json", "rollout", "--yes", *args)
        assert run.stdout.strip(), run.stderr[-3000:]
        return run.returncode, json.loads(run.stdout)

    def fault(self, device: str, kind: str, *options: str) -> None:
        run = self.digikel("lab", "fault", device, kind, *options)
        assert run.returncode == 0, run.stderr

    def clear(self, device: str) -> None:
        self.fault(device, "clear")


def _worker() -> int:
    return int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)


# Session-long on its worker, said plainly: without an __init__.py, pytest's "package" scope
# is the session's anyway. Its port is its own, since other files' labs may be up beside it.
@pytest.fixture(scope="session")
def rolloutlab(tmp_path_factory) -> Iterator[RolloutLab]:
    from digikel.inventory import load_inventory
    from digikel.labsvc import DatacentrePlan, printer_specs, start_datacentre, start_printers
    from digikel.labsvc.datacentre import stop_datacentre
    from digikel.labsvc.instance import configure_instance
    from digikel.labsvc.printers import stop_printers

    root = tmp_path_factory.mktemp("rollout")
    shutil.copytree(REPO / "inventory", root / "inventory")
    env_file = root / "inventory" / "lab" / "digikel.yml"
    worker = _worker()
    env_file.write_text(
        env_file.read_text()
        + f"lab_ssh_port: {2422 + worker}\nlab_printer_port_base: {40000 + 100 * worker}\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANSIBLE_", "DIGIKEL_"))}
    env.update(
        DIGIKEL_INVENTORY=str(env_file),
        DIGIKEL_DB_URL=f"sqlite:///{root / 'store.db'}",
        DIGIKEL_BACKUP_DIR=str(root / "backups"),
        DIGIKEL_LAB_DIR=str(root / "lab"),
        DIGIKEL_LABSVC_DIR=str(root / "labsvc"),
        DIGIKEL_LAB_TIME_SCALE="0.05",
        DIGIKEL_OPERATOR="tester",
        PATH=f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}",
    )
    lab = RolloutLab(env, env_file, root)
    # The lab's host keys, as the repo's own known_hosts records them for the real ports.
    run = lab.digikel("lab", "known-hosts")
    assert run.returncode == 0, run.stderr
    start = lab.digikel("lab", "start", *[a for s in SITES for a in ("--site", s)])
    assert start.returncode == 0, start.stderr
    inv = load_inventory(env_file)
    sites = [inv.site(s) for s in SITES]
    start_printers(printer_specs(inv, sites), root / "labsvc")
    base = 240 + worker * 2
    plan = DatacentrePlan(
        apps_base=IPv4Address(f"127.66.{base}.10"),
        portal=IPv4Address(f"127.66.{base + 1}.1"),
        queue=IPv4Address(f"127.66.{base + 1}.2"),
        port=8443,
    )
    configure_instance(root / "labsvc", f"t{worker}-rollout", plan)
    start_datacentre(inv, root / "labsvc")  # on the instance's plan
    try:
        yield lab
    finally:
        lab.digikel("lab", "stop")
        stop_printers(root / "labsvc")
        stop_datacentre(root / "labsvc")
