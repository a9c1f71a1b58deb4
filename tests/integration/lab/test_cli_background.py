"""`digikel lab start` in the background, controlled through its socket, then stopped."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from netmiko import ConnectHandler
from netmiko.exceptions import NetmikoAuthenticationException

pytestmark = pytest.mark.lab

SITE = "59"  # a site the other lab tests leave alone


def digikel(*args: str, inventory: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "digikel.lab", "-i", str(inventory), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=180)


def test_background_lab_start_status_fault_stop(tmp_path, inventory_copy):
    # A copy on its own SSH port: an operator's lab on this machine (port 2222) is left alone.
    lab_inventory_path = inventory_copy(
        env=[("environment: lab\n", "environment: lab\nlab_ssh_port: 2298\n")]
    )
    from digikel.inventory import load_inventory

    inv = load_inventory(lab_inventory_path)
    keys = digikel("lab", "known-hosts", inventory=lab_inventory_path)
    assert keys.returncode == 0, keys.stderr
    state = tmp_path / "lab"
    site = inv.site(SITE)
    router = next(d for d in site.network_devices if d.role == "router")
    started = digikel(
        "--json",
        "lab",
        "start",
        "--site",
        SITE,
        "--state-dir",
        str(state),
        inventory=lab_inventory_path,
    )
    try:
        assert started.returncode == 0, started.stderr
        summary = json.loads(started.stdout)
        assert summary["running"] and summary["devices"] == len(site.network_devices)
        assert (state / "lab.pid").read_text().strip() == str(summary["pid"])

        status = json.loads(
            digikel(
                "--json", "lab", "status", "--state-dir", str(state), inventory=lab_inventory_path
            ).stdout
        )
        assert status["running"] is True
        assert {d["name"] for d in status["devices"]} == {d.name for d in site.network_devices}
        assert all(d["up"] for d in status["devices"])

        from digikel.inventory.secrets import load_secrets

        secrets = load_secrets(inv)
        params = {
            "device_type": "mikrotik_routeros",
            "host": router.connect_host,
            "port": router.connect_port,
            "username": "digikel",
            "password": secrets["vault_digikel_device_password"],
            "ssh_strict": True,
            "system_host_keys": False,
            "alt_host_keys": True,
            "alt_key_file": str(inv.known_hosts_path),
        }
        with ConnectHandler(**params) as conn:
            conn.send_command("/interface bridge add name=br-cli")

        fault = digikel(
            "--json",
            "lab",
            "fault",
            router.name,
            "auth",
            "--state-dir",
            str(state),
            inventory=lab_inventory_path,
        )
        assert fault.returncode == 0, fault.stderr
        assert json.loads(fault.stdout)["faults"] == {"auth": {}}
        with pytest.raises(NetmikoAuthenticationException):
            ConnectHandler(**params)
        cleared = digikel(
            "lab",
            "fault",
            router.name,
            "clear",
            "--state-dir",
            str(state),
            inventory=lab_inventory_path,
        )
        assert cleared.returncode == 0, cleared.stderr
        with ConnectHandler(**params) as conn:
            assert "add name=br-cli" in conn.send_command("/export")
    finally:
        stopped = digikel(
            "--json", "lab", "stop", "--state-dir", str(state), inventory=lab_inventory_path
        )
    assert json.loads(stopped.stdout) == {"stopped": True, "state_dir": str(state.resolve())}
    assert not (state / "lab.pid").exists() and not (state / "control.sock").exists()
    saved = json.loads((state / "devices" / f"{router.name}.json").read_text())
    assert any(i["props"].get("name") == "br-cli" for i in saved["menus"]["/interface/bridge"])
