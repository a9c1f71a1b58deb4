"""The commit guard and the site locks, driven through the real `digikel` command in a separate
process (so signals and kill -9 are real), against the lab over real SSH.

Each interruption test starts a first push, waits until the change is really under way on the
device (the guard is armed), interrupts it, and checks that the device ends on its old
configuration and that the records say so.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from digikel.network.runner import run
from digikel.network.targets import select_devices

pytestmark = pytest.mark.lab
DIGIKEL = str(Path(sys.executable).parent / "digikel")


@pytest.fixture
def lab(trusted):
    yield trusted
    for name in trusted.lab.specs:
        trusted.lab.clear(name)


def menus(netlab, name: str) -> dict:
    return netlab.lab.device_state(name)["menus"]


def configuration(netlab, name: str) -> str:
    """What the device holds, without lab bookkeeping: compared before and after."""
    state = netlab.lab.device_state(name)
    if state["platform"] == "ios":
        # The archive path the revert timer needs may stay (docs/network.md).
        running = [e for e in state["running"] if e.get("line") != "archive"]
        kept = {"running": running, "vlans": state["vlans"], "snmp_users": state["snmp_users"]}
        return json.dumps(kept, sort_keys=True)
    menus = state["menus"]
    return json.dumps({k: v for k, v in menus.items() if k != "/file"}, sort_keys=True)


def guard_armed(netlab, name: str) -> bool:
    state = netlab.lab.device_state(name)
    if state.get("platform") == "ios":
        return False
    items = state["menus"].get("/system/scheduler", [])
    return any(i["props"].get("name") == "digikel-guard" for i in items)


def changing(netlab, name: str) -> bool:
    """The change has started: a command of it has landed on the device."""
    identity = menus(netlab, name).get("/system/identity", {})
    return identity.get("name") == name or bool(menus(netlab, name).get("/interface/bridge"))


def answers(netlab, name: str) -> bool:
    from digikel.network.hostkeys import fetch_host_key

    device = netlab.inv.device(name)
    try:
        fetch_host_key(device.connect_host, device.connect_port, 2.0)
    except Exception:
        return False
    return True


def push(netlab, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [DIGIKEL, "-i", str(netlab.env_file), "network", "push", "--yes", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ.copy(),
    )


def wait_for(condition, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting for the lab"
        time.sleep(0.05)


def test_a_long_first_push_is_guarded_and_leaves_no_guard_behind(lab):
    lab.lab.reset(["loa-bakung-rtr01"])
    targets = select_devices(lab.inv, hosts=["loa-bakung-rtr01"])
    [res] = run("push", lab.inv, targets, lab.secrets, lab.options())
    assert res.ok and res.changed and len(res.commands) > 80, res.error
    assert not guard_armed(lab, "loa-bakung-rtr01")
    assert "digikel-guard.backup" not in json.dumps(lab.lab.device_state("loa-bakung-rtr01"))
    [again] = run("push", lab.inv, targets, lab.secrets, lab.options())
    assert again.ok and not again.changed and again.commands == []


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_during_a_long_push_returns_the_router_to_its_old_configuration(lab, sig):
    name = "handil-bakti-rtr01"
    lab.lab.reset([name])
    before = configuration(lab, name)
    lab.lab.inject(name, "slow", ms=120)
    proc = push(lab, "--host", name)
    wait_for(lambda: guard_armed(lab, name) and changing(lab, name))
    proc.send_signal(sig)
    _out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "interrupted" in err
    lab.lab.clear(name)
    wait_for(lambda: configuration(lab, name) == before, seconds=60)
    assert not guard_armed(lab, name)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_during_a_safe_mode_push_undoes_it_at_once(lab, sig):
    name = "handil-bakti-ap01"
    lab.lab.reset([name])
    before = configuration(lab, name)
    lab.lab.inject(name, "slow", ms=150)
    proc = push(lab, "--host", name)
    wait_for(lambda: changing(lab, name))
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    lab.lab.clear(name)
    # Ctrl-D: RouterOS undoes the safe-mode changes when it reads it, not minutes later.
    wait_for(lambda: configuration(lab, name) == before, seconds=10)


def test_kill_9_mid_push_the_device_restores_itself_and_a_rerun_waits_for_it(lab):
    name = "loa-bakung-rtr01"
    lab.lab.reset([name])
    before = configuration(lab, name)
    lab.lab.inject(name, "slow", ms=120)
    proc = push(lab, "--host", name, "--guard-minutes", "1")
    wait_for(lambda: guard_armed(lab, name) and changing(lab, name))
    proc.kill()
    proc.communicate(timeout=30)
    lab.lab.clear(name)
    assert configuration(lab, name) != before  # half applied, for now
    # A rerun while the device-side revert is pending refuses and says why; nothing changes.
    rerun = push(lab, "--host", name, "--guard-minutes", "1")
    out, err = rerun.communicate(timeout=120)
    assert rerun.returncode != 0, out
    assert "revert from an interrupted push is pending" in out + err
    # 1 minute at the lab's time scale (0.2): the scheduler loads the backup, the device reboots.
    wait_for(lambda: configuration(lab, name) == before, seconds=60)
    assert not guard_armed(lab, name)
    wait_for(lambda: answers(lab, name), seconds=30)  # loading a backup reboots the device
    # Afterwards a push converges as usual.
    targets = select_devices(lab.inv, hosts=[name])
    [res] = run("push", lab.inv, targets, lab.secrets, lab.options())
    assert res.ok and res.changed, res.error


def test_two_pushes_of_one_site_at_once_the_second_is_refused_and_nothing_is_recorded_falsely(
    lab,
):
    lab.lab.reset(["sungai-keledang-sw01"])
    factory = lab.lab.device_state("sungai-keledang-sw01")["running"]
    lab.lab.inject("sungai-keledang-sw01", "slow", ms=60)
    first = push(lab, "--site", "sungai-keledang")
    wait_for(lambda: lab.lab.device_state("sungai-keledang-sw01")["running"] != factory, 60)
    time.sleep(0.5)
    second = push(lab, "--host", "sungai-keledang-sw01")
    out2, err2 = second.communicate(timeout=120)
    _out1, err1 = first.communicate(timeout=300)
    assert first.returncode == 0, err1
    assert second.returncode == 1, out2 + err2
    assert "site sungai-keledang is being rolled out by" in err2
    assert "push sungai-keledang-sw01" not in err2  # the loser never reached the device
    lab.lab.clear("sungai-keledang-sw01")
    # The winner's records match the device: a diff now is empty.
    targets = select_devices(lab.inv, sites=["sungai-keledang"])
    diff = run("diff", lab.inv, targets, lab.secrets, lab.options())
    assert all(r.ok and r.commands == [] for r in diff), [(r.device, r.commands[:2]) for r in diff]


def test_a_broken_template_changes_nothing_at_the_site_and_exits_2(lab, tmp_path, monkeypatch):
    import shutil

    from typer.testing import CliRunner

    from digikel.cli import app
    from digikel.network import render

    site = ["loa-bakung-sw01", "loa-bakung-ap01", "loa-bakung-ap02", "loa-bakung-rtr01"]
    lab.lab.reset(site)
    before = {n: configuration(lab, n) for n in site}
    templates = tmp_path / "templates"
    shutil.copytree(render.templates_dir(), templates)
    router = templates / "routeros" / "router.rsc.j2"
    router.write_text(router.read_text().replace("{% endfor %}", "{% endfor", 1))
    monkeypatch.setattr(render, "templates_dir", lambda: templates)
    result = CliRunner().invoke(
        app, ["-i", str(lab.env_file), "network", "push", "--site", "loa-bakung", "--yes"]
    )
    assert result.exit_code == 2, result.output
    assert "router.rsc.j2:" in result.output and "template syntax error" in result.output
    assert {n: configuration(lab, n) for n in site} == before


# One device of each kind, each in a site of its own so that their pushes run at once.
FIRST_PUSHES = {
    "handil-bakti-rtr01": "router: commit-confirm (too long for safe mode)",
    "loa-bakung-sw01": "MikroTik switch: safe mode",
    "sungai-keledang-sw01": "Catalyst 1000: revert timer",
}


def _start_first_pushes(lab, names: list[str]) -> tuple[dict[str, str], dict]:
    lab.lab.reset(names)
    before = {n: configuration(lab, n) for n in names}
    procs = {}
    for name in names:
        lab.lab.inject(name, "slow", ms=120)
        procs[name] = push(lab, "--host", name, "--guard-minutes", "1")
    return before, procs


def _started(lab, name: str, before: str, proc: subprocess.Popen[str] | None = None) -> bool:
    if proc is not None and proc.poll() is not None and configuration(lab, name) == before:
        out, err = proc.communicate()
        pytest.fail(f"the push of {name} ended before changing anything: {out}{err}")
    return configuration(lab, name) != before


def test_a_reboot_during_a_first_push_leaves_every_kind_of_device_on_its_old_configuration(lab):
    names = [*FIRST_PUSHES, "sungai-keledang-ap01"][:3]
    before, procs = _start_first_pushes(lab, names)
    for name in names:
        wait_for(lambda n=name: _started(lab, n, before[n], procs[n]), seconds=60)
        lab.lab.inject(name, "reboot", seconds=1.0)
    for name, proc in procs.items():
        out, err = proc.communicate(timeout=300)
        lab.lab.clear(name)
        assert proc.returncode == 1, (name, err)
        # The report says the device is back on its old configuration, and it is.
        assert "back on its configuration from before the change" in out + err, (name, out, err)
    for name in names:
        wait_for(lambda n=name: configuration(lab, n) == before[n], seconds=90)


def test_kill_9_during_a_first_push_the_devices_undo_it_themselves(lab):
    names = list(FIRST_PUSHES)
    before, procs = _start_first_pushes(lab, names)
    for name in names:
        wait_for(lambda n=name: _started(lab, n, before[n], procs[n]), seconds=60)
    for proc in procs.values():
        proc.kill()
        proc.communicate(timeout=30)
    for name in names:
        lab.lab.clear(name)
    # Nobody is left to undo anything: the guard on each device does (RouterOS: the scheduler
    # entry, 1 minute; safe mode: the lost session, 9 minutes; IOS: the revert timer, 5 minutes;
    # all at the lab's time scale of 0.2).
    for name in names:
        wait_for(lambda n=name: configuration(lab, n) == before[n], seconds=150)


def test_an_ios_switch_rolls_back_to_its_factory_backup_and_forward_again(lab):
    name = "sungai-keledang-sw01"
    from digikel.network.connection import connect, endpoint_for, run_command

    lab.lab.reset([name])
    targets = select_devices(lab.inv, hosts=[name])
    [pushed] = run("push", lab.inv, targets, lab.secrets, lab.options())
    assert pushed.ok and pushed.changed, pushed.error
    factory_revision = pushed.backup  # the pre-push backup: the factory configuration
    [back] = run("rollback", lab.inv, targets, lab.secrets, lab.options(revision=factory_revision))
    # ok means: a new session reads a configuration with nothing left to send to reach the
    # backup. The device shows it: factory hostname, no VLANs, no port configuration; the
    # automation user and the archive path stay (docs/network.md).
    assert back.ok and back.changed, back.error
    timeouts = lab.options().timeouts
    with connect(endpoint_for(lab.inv, lab.inv.device(name), lab.secrets), timeouts) as conn:
        running = run_command(conn, "show running-config", timeouts)
        startup = run_command(conn, "show startup-config", timeouts)
    for text in (running, startup):
        assert "hostname Switch" in text
        assert "switchport" not in text and "vtp mode transparent" not in text
    # No `no switchport mode` left behind, in running or startup: the next push converges.
    [forward] = run("push", lab.inv, targets, lab.secrets, lab.options())
    assert forward.ok and forward.changed, forward.error
    [again] = run("push", lab.inv, targets, lab.secrets, lab.options())
    assert again.ok and again.commands == []


def rollout(netlab, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [DIGIKEL, "-i", str(netlab.env_file), "rollout", "--only", "network", "--yes", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ.copy(),
    )


@pytest.mark.parametrize("device", ["loa-bakung-rtr01", "sungai-keledang-sw01"])
def test_a_push_during_a_rollout_of_its_site_is_refused_and_the_other_way_round(lab, device):
    """RouterOS and IOS alike: whichever command holds the site, the other one is refused before
    it touches a device, and the winner's records match the device."""
    site = device.rsplit("-", 1)[0]
    names = [d.name for _, ds in select_devices(lab.inv, sites=[site]) for d in ds]
    lab.lab.reset(names)
    factory = configuration(lab, device)
    lab.lab.inject(device, "slow", ms=60)
    first = rollout(lab, "--site", site)
    # The rollout holds the site's lock from its first stage on; its change is under way.
    wait_for(lambda: _started(lab, device, factory), seconds=120)
    loser = push(lab, "--host", device)
    out, err = loser.communicate(timeout=120)
    assert loser.returncode == 1, out + err
    assert f"site {site} is being rolled out by" in err
    _, err1 = first.communicate(timeout=300)
    assert first.returncode == 0, err1
    lab.lab.clear(device)

    # And the other way round: a push holds the site, a rollout of it reports the site locked.
    lab.lab.reset([device])
    lab.lab.inject(device, "slow", ms=60)
    holder = push(lab, "--host", device)
    wait_for(lambda: _ios_changing(lab, device) or guard_armed(lab, device), seconds=60)
    refused = rollout(lab, "--site", site)
    out2, err2 = refused.communicate(timeout=120)
    assert refused.returncode != 0, out2 + err2
    assert "locked" in (out2 + err2).lower()
    _, err3 = holder.communicate(timeout=300)
    assert holder.returncode == 0, err3
    lab.lab.clear(device)
    targets = select_devices(lab.inv, sites=[site])
    diff = run("diff", lab.inv, targets, lab.secrets, lab.options())
    assert all(r.ok and r.commands == [] for r in diff), [(r.device, r.commands[:2]) for r in diff]


def _ios_changing(netlab, name: str) -> bool:
    """An IOS change is under way (its revert timer runs); False for RouterOS devices."""
    state = netlab.lab.device_state(name)
    return state.get("platform") == "ios" and state.get("revert") is not None
