"""A lab for the watch: two real inventory sites' routers and switches (in-process lab, SSH port
25xx), their printers as ippeveprinter (ports 43xxx), the data centre's portal and applications as
HTTPS stand-ins (127.68.<worker>.x), a store, backups and a lab-services instance of their own
(no containers: the endpoints stage is skipped here; test_endpoint_drift.py boots them).

The sites are pushed to their intended configuration first, as a rollout leaves them.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from ipaddress import IPv4Address
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[3]
SITES = ["loa-bakung", "rapak-dalam"]


def worker() -> int:
    return int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)


@dataclass
class WatchLab:
    lab: Any  # digikel.lab.runner.RunningLab
    inv: Any
    env_file: Path
    secrets: dict[str, Any]
    root: Path
    labsvc: Path
    store: Any  # digikel.store.Store
    backups: Any  # digikel.network.store.BackupStore

    def options(self, **kw: Any) -> Any:
        from digikel.labsvc.environment import LabEnvironment
        from digikel.watch import WatchOptions

        kw.setdefault("workers", 2)
        return WatchOptions(
            artifacts_root=self.root / "artifacts",
            backups=self.backups,
            secrets=self.secrets,
            environment=LabEnvironment(self.inv, self.labsvc),
            **kw,
        )

    def push(self, slug: str, prune: bool = False) -> list[Any]:
        from digikel.network.operations import Options
        from digikel.network.sites import run_site

        results = run_site(
            "push",
            self.inv,
            self.inv.site(slug),
            self.secrets,
            Options(store=self.backups, prune=prune),
        )
        assert not [r for r in results if r.failed], [r.error for r in results if r.failed]
        return results

    def device_states(self) -> dict[str, Any]:
        """Every lab device's whole state, as the lab holds it (the control API)."""
        return {
            d.name: self.lab.device_state(d.name)
            for slug in SITES
            for d in self.inv.site(slug).network_devices
        }


# Session-long on its worker, said plainly: without an __init__.py, pytest's "package" scope
# is the session's anyway. Its port is its own, since other files' labs may be up beside it.
@pytest.fixture(scope="session")
def watchlab(tmp_path_factory) -> Iterator[WatchLab]:
    from typer.testing import CliRunner

    from digikel.cli import app
    from digikel.inventory import load_inventory
    from digikel.inventory.secrets import load_secrets
    from digikel.lab.runner import running_lab
    from digikel.labsvc import DatacentrePlan, printer_specs, start_datacentre, start_printers
    from digikel.labsvc.datacentre import stop_datacentre
    from digikel.labsvc.instance import configure_instance
    from digikel.labsvc.printers import stop_printers
    from digikel.network.store import BackupStore
    from digikel.store import open_store

    w = worker()
    root = tmp_path_factory.mktemp("watch")
    shutil.copytree(REPO / "inventory", root / "inventory")
    env_file = root / "inventory" / "lab" / "digikel.yml"
    env_file.write_text(
        env_file.read_text()
        + f"lab_ssh_port: {2522 + w}\nlab_printer_port_base: {43000 + 100 * w}\n"
    )
    (root / "inventory" / "lab" / "known_hosts").unlink(missing_ok=True)
    inv = load_inventory(env_file)
    secrets = load_secrets(inv)
    labsvc = root / "labsvc"
    sites = [inv.site(s) for s in SITES]
    plan = DatacentrePlan(
        apps_base=IPv4Address(f"127.68.{w}.10"),
        portal=IPv4Address(f"127.68.{w + 100}.1"),
        queue=IPv4Address(f"127.68.{w + 100}.2"),
        port=8443,
    )
    configure_instance(labsvc, f"t{w}-watch", plan)
    start_printers(printer_specs(inv, sites), labsvc)
    start_datacentre(inv, labsvc)
    store = open_store(f"sqlite:///{root / 'store.db'}")
    try:
        with running_lab(
            inv, sites=SITES, state_dir=root / "lab", secrets=secrets, time_scale=0.2
        ) as lab:
            args = ["-i", str(env_file), "network", "trust", "--yes"]
            for slug in SITES:
                args += ["--site", slug]
            trusted = CliRunner().invoke(app, args)
            assert trusted.exit_code == 0, trusted.output
            wl = WatchLab(lab, inv, env_file, secrets, root, labsvc, store, BackupStore(root / "b"))
            for slug in SITES:
                wl.push(slug)
            yield wl
    finally:
        store.close()
        stop_printers(labsvc)
        stop_datacentre(labsvc)
