"""The full cycle on the lab over real SSH: trust, render, backup, push, diff empty, second push
sends nothing, verify passes, saved on IOS, rollback restores."""

from __future__ import annotations

import json
import subprocess

import pytest
from typer.testing import CliRunner

from digikel.cli import app
from digikel.network.noise import strip_noise
from digikel.network.operations import diff_device
from digikel.network.render import secret_values
from digikel.network.runner import run
from digikel.network.targets import select_devices

pytestmark = pytest.mark.lab
runner = CliRunner()


def cli(netlab, *args: str):
    return runner.invoke(app, ["--json", "-i", str(netlab.env_file), "network", *args])


def everything(netlab):
    return select_devices(netlab.inv, sites=["loa-bakung", "sungai-keledang", "handil-bakti"])


def by_device(results):
    return {r.device: r for r in results}


def test_unknown_host_keys_are_refused_until_trusted(netlab, tmp_path):
    """On its own copy of the inventory (empty known_hosts), pointing at the same lab."""
    import shutil

    from digikel.inventory import load_inventory
    from digikel.network.operations import Work

    copy = tmp_path / "inventory"
    shutil.copytree(netlab.env_file.parents[1], copy)
    (copy / "lab" / "known_hosts").unlink(missing_ok=True)
    env_file = copy / "lab" / "digikel.yml"
    inv = load_inventory(env_file)
    work = Work(inv, inv.device("loa-bakung-rtr01"), netlab.secrets, netlab.options())
    res = diff_device(work)
    assert res.failed and "host key UNKNOWN" in res.error
    assert "seen:     ssh-ed25519 SHA256:" in res.error
    assert "digikel network trust --host loa-bakung-rtr01" in res.error

    result = runner.invoke(
        app,
        [
            "--json",
            "-i",
            str(env_file),
            "network",
            "trust",
            "--yes",
            "--site",
            "loa-bakung",
            "--site",
            "sungai-keledang",
            "--site",
            "handil-bakti",
        ],
    )
    assert result.exit_code == 0, result.output
    records = json.loads(result.stdout)["results"]
    assert len(records) == 10 and all(r["recorded"] for r in records)
    assert all(r["fingerprint"].startswith("ssh-ed25519 SHA256:") for r in records)
    lines = inv.known_hosts_path.read_text().splitlines()
    assert len(lines) == 10 and lines[0].startswith("[127.64.")
    work = Work(inv, inv.device("loa-bakung-rtr01"), netlab.secrets, netlab.options())
    assert diff_device(work).ok


def test_full_cycle_on_three_sites(trusted):
    netlab = trusted
    targets = everything(netlab)
    names = [d.name for _, devices in targets for d in devices]
    netlab.lab.reset(names)  # factory state: the push has everything to do

    backups = run("backup", netlab.inv, targets, netlab.secrets, netlab.options(), workers=8)
    assert [r.device for r in backups] == names
    assert all(r.ok and r.backup for r in backups), [r.error for r in backups]

    before = {name: json.dumps(netlab.lab.device_state(name)) for name in names}
    check = run("push", netlab.inv, targets, netlab.secrets, netlab.options(check=True), workers=3)
    assert all(r.ok and r.changed and r.commands and r.backup is None for r in check)
    # --check sent nothing: every device is exactly as it was.
    assert {name: json.dumps(netlab.lab.device_state(name)) for name in names} == before

    pushed = run("push", netlab.inv, targets, netlab.secrets, netlab.options(), workers=3)
    assert all(r.ok for r in pushed), [(r.device, r.error) for r in pushed]
    assert all(r.changed for r in pushed)
    # No secret ever appears in what is reported.
    values = secret_values(netlab.secrets)
    text = json.dumps([r.as_dict() for r in pushed])
    assert not [v for v in values if v in text]

    diffs = run("diff", netlab.inv, targets, netlab.secrets, netlab.options(), workers=8)
    assert all(r.ok and r.commands == [] and r.diff == "" for r in diffs), [
        (r.device, r.commands[:3]) for r in diffs if r.commands
    ]

    second = run("push", netlab.inv, targets, netlab.secrets, netlab.options(), workers=3)
    assert all(r.ok and not r.changed and r.commands == [] for r in second)

    verified = run("verify", netlab.inv, targets, netlab.secrets, netlab.options(), workers=8)
    for res in verified:
        assert res.ok, (res.device, [(c.name, c.detail) for c in res.checks if not c.ok])
    checks = by_device(verified)
    assert {c.name for c in checks["loa-bakung-rtr01"].checks} >= {
        "identity",
        "config-in-sync",
        "vlans",
        "interfaces",
        "wireguard-tunnel",
    }
    assert "ssids" in {c.name for c in checks["loa-bakung-ap02"].checks}
    assert {c.name for c in checks["sungai-keledang-sw01"].checks} >= {"vlans", "interfaces"}

    # IOS: the change was confirmed and saved: the device prints the same startup and running
    # configuration (each read as the device shows it, not from the lab's insides).
    from digikel.network.connection import connect, endpoint_for, run_command
    from digikel.network.ios_config import clean

    device = netlab.inv.device("sungai-keledang-sw01")
    with connect(endpoint_for(netlab.inv, device, netlab.secrets), netlab.options().timeouts) as c:
        running = run_command(c, "show running-config", netlab.options().timeouts)
        startup = run_command(c, "show startup-config", netlab.options().timeouts)
    assert "vtp mode transparent" in running
    # `show startup-config` opens with "Using N out of M bytes" where running has its header.
    assert startup.lstrip().startswith("Using ")
    assert clean(startup.split("\n", 1)[1]) == clean(running)
    assert netlab.lab.device_state("sungai-keledang-sw01")["revert"] is None

    # The backup store: one commit per changed backup, site and host in the message.
    log = subprocess.run(
        ["git", "-C", str(netlab.store.root), "log", "--format=%s"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "backup: site loa-bakung host loa-bakung-rtr01" in log
    assert "post-push backup: site sungai-keledang host sungai-keledang-sw01" in log
    for path in netlab.store.root.rglob("*.rsc"):
        content = path.read_text()
        assert not [v for v in values if v in content], path
        assert "by RouterOS" not in content


def test_unchanged_devices_make_no_new_backup_commit(trusted):
    netlab = trusted
    targets = select_devices(netlab.inv, sites=["handil-bakti"])
    assert all(r.ok for r in run("backup", netlab.inv, targets, netlab.secrets, netlab.options()))
    count = _commits(netlab)
    results = run("backup", netlab.inv, targets, netlab.secrets, netlab.options())
    assert all(r.ok and not r.changed for r in results)
    assert _commits(netlab) == count


def _commits(netlab) -> int:
    out = subprocess.run(
        ["git", "-C", str(netlab.store.root), "rev-list", "--count", "HEAD"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return int(out)


def _run_on(netlab, conn_device: str, commands: list[str]) -> None:
    from digikel.network.connection import connect, endpoint_for

    device = netlab.inv.device(conn_device)
    with connect(endpoint_for(netlab.inv, device, netlab.secrets), netlab.options().timeouts) as c:
        if device.platform == "ios":
            c.send_config_set(commands)
        else:
            for command in commands:
                c.send_command(command, expect_string=r"\] >")


def test_rollback_restores_the_backup_after_a_change_by_hand(trusted):
    netlab = trusted
    router, switch = "loa-bakung-rtr01", "sungai-keledang-sw01"
    targets = select_devices(netlab.inv, hosts=[router, switch])
    pushed = run("push", netlab.inv, targets, netlab.secrets, netlab.options())
    assert all(r.ok for r in pushed), [(r.device, r.error) for r in pushed]
    run("backup", netlab.inv, targets, netlab.secrets, netlab.options())
    before = {d.name: _export(netlab, d.name) for _, ds in targets for d in ds}

    _run_on(
        netlab,
        router,
        [
            '/ip firewall address-list add address=192.0.2.0/24 comment="by hand" list=internal',
            "/ip dns set servers=192.0.2.53",
            '/ip firewall filter remove [ find comment="in: icmp (icmp)" ]',
        ],
    )
    _run_on(netlab, switch, ["interface GigabitEthernet1/0/3", " description moved by hand"])
    diffs = by_device(run("diff", netlab.inv, targets, netlab.secrets, netlab.options()))
    assert diffs[router].commands and diffs[switch].commands

    result = cli(
        netlab,
        "rollback",
        "--host",
        router,
        "--host",
        switch,
        "--revision",
        "latest",
        "--yes",
        "--backup-dir",
        str(netlab.store.root),
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert all(r["changed"] and not r["failed"] for r in data["results"])
    for name, text in before.items():
        assert _export(netlab, name) == text, name
    # Rolled back to the pushed state: nothing left to push.
    assert all(
        not r.commands for r in run("diff", netlab.inv, targets, netlab.secrets, netlab.options())
    )

    # "previous" = the newest backup that differs from the device now: the hand-made state.
    result = cli(
        netlab, "rollback", "--host", switch, "--yes", "--backup-dir", str(netlab.store.root)
    )
    assert result.exit_code == 0, result.output
    assert "description moved by hand" in _export(netlab, switch)


def _export(netlab, name: str) -> str:
    from digikel.network.connection import connect, endpoint_for
    from digikel.network.platforms import driver_for

    device = netlab.inv.device(name)
    timeouts = netlab.options().timeouts
    with connect(endpoint_for(netlab.inv, device, netlab.secrets), timeouts) as conn:
        raw = driver_for(device.platform).fetch(conn, timeouts)
    return strip_noise(device.platform, raw)


def test_rotate_secrets_resends_them_and_the_device_still_answers(trusted):
    netlab = trusted
    # IOS only: the lab's RouterOS devices check logins against the inventory and have no
    # `digikel` entry in /user for `set [ find name=digikel ]` to address (see the report).
    switch = "sungai-keledang-sw01"
    targets = select_devices(netlab.inv, hosts=[switch])
    [res] = run("push", netlab.inv, targets, netlab.secrets, netlab.options(rotate_secrets=True))
    assert res.ok, res.error
    assert "username digikel privilege 15 secret VAULT:redacted" in res.commands
    assert any(
        c.startswith("snmp-server user digikel-ro DIGIKEL-RO v3 auth sha") for c in res.commands
    )
    [after] = run("verify", netlab.inv, targets, netlab.secrets, netlab.options())
    assert after.ok, [(c.name, c.detail) for c in after.checks if not c.ok]
    # Without --rotate-secrets the secrets stay as they are: nothing to send.
    assert not run("diff", netlab.inv, targets, netlab.secrets, netlab.options())[0].commands
