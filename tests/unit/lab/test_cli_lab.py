"""`digikel lab` through Typer's CliRunner, without starting a lab."""

from __future__ import annotations

import json
import os

from typer.testing import CliRunner

from digikel.cli import app

runner = CliRunner()


def test_status_of_a_stopped_lab(tmp_path):
    result = runner.invoke(app, ["--json", "lab", "status", "--state-dir", str(tmp_path)])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {
        "running": False,
        "pid": None,
        "state_dir": str(tmp_path.resolve()),
        "devices": [],
    }


def test_fault_needs_a_running_lab_and_a_known_kind(tmp_path):
    result = runner.invoke(app, ["lab", "fault", "x-rtr01", "auth", "--state-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert "no lab is running" in result.stderr
    result = runner.invoke(app, ["lab", "fault", "x-rtr01", "melt", "--state-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "expected one of auth, drop, error, slow, hostkey, reboot" in result.stderr
    result = runner.invoke(app, ["lab", "fault", "x-rtr01", "error", "--state-dir", str(tmp_path)])
    assert result.exit_code == 2 and "--match" in result.stderr


def test_reset_of_a_stopped_lab_removes_the_chosen_state_files(tmp_path, lab_inventory_path):
    devices = tmp_path / "devices"
    devices.mkdir()
    for name in ("loa-bakung-rtr01", "loa-bakung-sw01", "harapan-baru-rtr01"):
        (devices / f"{name}.json").write_text("{}")
    result = runner.invoke(
        app,
        [
            "--json",
            "-i",
            str(lab_inventory_path),
            "lab",
            "reset",
            "--site",
            "loa-bakung",
            "--state-dir",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 0, result.output
    assert sorted(json.loads(result.stdout)["reset"]) == ["loa-bakung-rtr01", "loa-bakung-sw01"]
    assert [p.name for p in devices.iterdir()] == ["harapan-baru-rtr01.json"]
    result = runner.invoke(
        app,
        [
            "-i",
            str(lab_inventory_path),
            "lab",
            "reset",
            "--site",
            "nowhere",
            "--state-dir",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 2 and "unknown site 'nowhere'" in result.stderr


def test_start_refuses_when_a_lab_already_runs(tmp_path, lab_inventory_path):
    (tmp_path / "lab.pid").write_text(f"{os.getppid()}\n")  # a live process that is not us
    result = runner.invoke(
        app, ["-i", str(lab_inventory_path), "lab", "start", "--state-dir", str(tmp_path)]
    )
    assert result.exit_code == 1
    assert "already running" in result.stderr


def test_known_hosts_writes_every_lab_network_device(tmp_path, lab_inventory_path, inv):
    target = tmp_path / "kh"
    result = runner.invoke(
        app, ["--json", "-i", str(lab_inventory_path), "lab", "known-hosts", "-o", str(target)]
    )
    assert result.exit_code == 0, result.output
    count = sum(len(s.network_devices) for s in inv.sites)
    assert json.loads(result.stdout) == {"path": str(target), "entries": count}
    first = inv.sites[0].network_devices[0]
    assert f"[{first.connect_host}]:{first.connect_port} ssh-ed25519 " in target.read_text()


def test_reset_factory_of_a_stopped_lab_marks_routeros_devices(tmp_path, lab_inventory_path, inv):
    site = next(s for s in inv.sites if s.slug == "sungai-keledang")  # RouterOS and an IOS switch
    args = ["--json", "-i", str(lab_inventory_path), "lab", "reset", "--site", site.slug]
    result = runner.invoke(app, [*args, "--factory", "defconf", "--state-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    for device in site.network_devices:
        path = tmp_path / "devices" / f"{device.name}.json"
        if device.platform == "routeros":
            assert json.loads(path.read_text()) == {"pending_factory": "defconf"}
            assert oct(path.stat().st_mode & 0o777) == "0o600"
        else:
            assert not path.exists()  # IOS has one factory state: the file just goes
    result = runner.invoke(app, [*args, "--factory", "shiny", "--state-dir", str(tmp_path)])
    assert result.exit_code == 2 and "expected blank or defconf" in result.stderr
