"""Real Netmiko sessions (device_type mikrotik_routeros, strict host keys) against the lab."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
from netmiko import ConnectHandler
from netmiko.exceptions import ConfigInvalidException

from digikel.lab.routeros import SAFE_MODE_HISTORY, SAFE_MODE_LOST_SESSION_SECONDS
from digikel.lab.runner import RunningLab, running_lab

pytestmark = pytest.mark.lab
# 9 minutes of TCP timeout become 2.7 s; scheduler minutes become 0.3 s
TIME_SCALE = 0.005


@pytest.fixture(scope="module")
def lab(tmp_path_factory, site_specs) -> Iterator[RunningLab]:
    state = tmp_path_factory.mktemp("lab")
    with running_lab(
        specs=site_specs, state_dir=state, time_scale=TIME_SCALE, reboot_seconds=0.5
    ) as running:
        yield running


ERRORS = r"(bad command name|expected end of command|failure:|no such item|input does not match)"


def connect(lab, name, known_hosts):
    return ConnectHandler(**lab.netmiko_params(name, known_hosts))


@pytest.fixture
def router(lab, names):
    lab.reset([names["router"]])
    return names["router"]


def test_config_applied_in_one_session_is_exported_by_the_next(lab, router, known_hosts):
    with connect(lab, router, known_hosts) as conn:
        assert conn.find_prompt() == "[digikel@MikroTik] >"
        conn.send_config_set(
            [
                '/interface bridge add name=br-lan vlan-filtering=yes comment="LAN bridge"',
                "/interface vlan add name=vlan10 vlan-id=10 interface=br-lan",
                "/ip address add address=10.81.96.1/24 interface=vlan10",
                "/user add name=ops group=full password=s3cret-pass",
                '/system note set note="multi word \\"quoted\\" note"',
            ],
            error_pattern=ERRORS,
        )
    with connect(lab, router, known_hosts) as conn:
        export = conn.send_command("/export")
        sensitive = conn.send_command("/export show-sensitive")
        addresses = conn.send_command("/ip address print terse")
    assert export.startswith("# ") and "by RouterOS 7" in export.splitlines()[0]
    assert "# model = RB5009UG+S+IN" in export
    assert '/interface bridge\nadd comment="LAN bridge" name=br-lan vlan-filtering=yes' in export
    assert "/interface vlan\nadd interface=br-lan name=vlan10 vlan-id=10" in export
    assert "/ip address\nadd address=10.81.96.1/24 interface=vlan10 network=10.81.96.0" in export
    assert 'note="multi word \\"quoted\\" note"' in export
    assert "s3cret-pass" not in export and "add group=full name=ops" in export
    assert "password=s3cret-pass" in sensitive
    assert "address=10.81.96.1/24 interface=vlan10" in addresses


def test_device_errors_are_in_routeros_words(lab, router, known_hosts):
    with connect(lab, router, known_hosts) as conn:
        assert "bad command name frobnicate (line 1 column 1)" in conn.send_command("frobnicate")
        assert "bad command name nosuch" in conn.send_command("/ip nosuch print")
        conn.send_command("/interface bridge add name=br1")
        assert "failure: item with such name already exists" in conn.send_command(
            "/interface bridge add name=br1"
        )
        conn.send_command("/ip address add address=192.0.2.1/24 interface=br1")
        assert "failure: already have such address" in conn.send_command(
            "/ip address add address=192.0.2.1/24 interface=br1"
        )
        assert "no such item" in conn.send_command(
            "/ip address set [ find address=198.51.100.1/24 ] comment=x"
        )
        assert "input does not match any value of interface" in conn.send_command(
            "/ip address add address=203.0.113.1/24 interface=ether99"
        )
        assert "expected end of command (line 1 column 29)" in conn.send_command(
            "/system identity set name=x stray"
        )
        with pytest.raises(ConfigInvalidException):
            conn.send_config_set(["/interface bridge add name=br1"], error_pattern=ERRORS)


def test_interfaces_identity_resource_and_wireguard_handshake(lab, router, known_hosts):
    with connect(lab, router, known_hosts) as conn:
        conn.send_config_set(
            [
                "/interface wireguard add name=wg-hub listen-port=13231",
                '/interface wireguard peers add interface=wg-hub public-key="abc=" '
                "endpoint-address=203.0.113.80 endpoint-port=51820 allowed-address=10.80.0.0/16",
                "/interface bridge add name=bridge1",
            ]
        )
        interfaces = conn.send_command("/interface print terse")
        peers = conn.send_command("/interface wireguard peers print terse")
        identity = conn.send_command("/system identity print")
        resource = conn.send_command("/system resource print")
    names = [line.split("name=")[1].split()[0] for line in interfaces.splitlines()]
    assert names[:9] == [f"ether{i}" for i in range(1, 9)] + ["sfp-sfpplus1"]
    assert {"wg-hub", "bridge1"} <= set(names)
    assert all(" R " in line for line in interfaces.splitlines())
    assert "last-handshake=" in peers
    assert "name: MikroTik" in identity
    assert "version: 7.16.2" in resource and "uptime:" in resource


def take_safe_mode(conn) -> str:
    conn.write_channel("\x18")
    return conn.read_until_pattern(pattern=r"<SAFE> $|\[u/r/d\]: $")


def export_of(lab, router, known_hosts) -> str:
    with connect(lab, router, known_hosts) as other:
        return other.send_command("/export")


def test_quit_keeps_safe_mode_changes(lab, router, known_hosts):
    with connect(lab, router, known_hosts) as conn:  # disconnect() sends quit
        assert "[Safe Mode taken]" in take_safe_mode(conn)
        conn.send_config_set(["/interface bridge add name=br-kept"], error_pattern=ERRORS)
    assert "add name=br-kept" in export_of(lab, router, known_hosts)
    with connect(lab, router, known_hosts) as conn:
        take_safe_mode(conn)
        conn.send_config_set(["/interface bridge add name=br-released"], error_pattern=ERRORS)
        conn.write_channel("\x18")
        assert "[Safe Mode released]" in conn.read_until_pattern(pattern=r"\] > $")
    assert "add name=br-released" in export_of(lab, router, known_hosts)


def test_ctrl_d_undoes_safe_mode_changes_and_ends_the_session(lab, router, known_hosts):
    conn = connect(lab, router, known_hosts)
    take_safe_mode(conn)
    conn.send_config_set(["/interface bridge add name=br-undone"], error_pattern=ERRORS)
    conn.write_channel("\x04")
    deadline = time.monotonic() + 5
    while conn.remote_conn.get_transport().is_active() and time.monotonic() < deadline:
        conn.remote_conn.recv_ready() and conn.remote_conn.recv(65536)
        if conn.remote_conn.closed:
            break
        time.sleep(0.05)
    assert conn.remote_conn.closed or conn.remote_conn.exit_status_ready()
    conn.remote_conn_pre.close()
    assert "br-undone" not in export_of(lab, router, known_hosts)


def test_lost_session_holds_safe_mode_until_the_scaled_tcp_timeout(lab, router, known_hosts):
    conn = connect(lab, router, known_hosts)
    take_safe_mode(conn)
    conn.send_config_set(["/interface bridge add name=br-orphan"], error_pattern=ERRORS)
    lost_at = time.monotonic()
    conn.remote_conn.get_transport().close()  # the link dies: no quit, no Ctrl-D
    timeout = SAFE_MODE_LOST_SESSION_SECONDS * TIME_SCALE
    time.sleep(0.3)
    with connect(lab, router, known_hosts) as other:
        # still held by the dead session, changes still there
        assert "add name=br-orphan" in other.send_command("/export")
        assert "Hijacking Safe Mode" in take_safe_mode(other)
        other.write_channel("d")
        other.read_until_pattern(pattern=r"\] > $")
    deadline = lost_at + timeout + 10
    export = export_of(lab, router, known_hosts)
    while "br-orphan" in export and time.monotonic() < deadline:
        time.sleep(0.2)
        export = export_of(lab, router, known_hosts)
    assert "br-orphan" not in export
    assert time.monotonic() - lost_at >= timeout * 0.9


@pytest.mark.parametrize(("key", "kept"), [("u", False), ("r", True)])
def test_hijack_prompt_unroll_or_release(lab, router, known_hosts, key, kept):
    first = connect(lab, router, known_hosts)
    take_safe_mode(first)
    first.send_config_set([f"/interface bridge add name=br-first-{key}"], error_pattern=ERRORS)
    with connect(lab, router, known_hosts) as second:
        prompt = take_safe_mode(second)
        assert re.search(r"Hijacking Safe Mode from .* \[u/r/d\]", prompt)
        second.write_channel(key)
        assert "[Safe Mode taken]" in second.read_until_pattern(pattern=r"<SAFE> $")
        notice = first.read_until_pattern(pattern=r"\] > $")
        assert "[Safe mode released by another user]" in notice
        assert (f"add name=br-first-{key}" in second.send_command("/export")) is kept
        second.write_channel("\x18")
        second.read_until_pattern(pattern=r"\] > $")
    first.disconnect()


def test_more_changes_than_the_history_leave_safe_mode_with_nothing_undone(
    lab, router, known_hosts
):
    conn = connect(lab, router, known_hosts)
    take_safe_mode(conn)
    lines = [f"/interface bridge add name=b{n}" for n in range(SAFE_MODE_HISTORY + 1)]
    conn.write_channel("\n".join(lines) + "\n")
    out = ""
    deadline = time.monotonic() + 30
    while "name=b100" not in out or not out.rstrip().endswith("] >"):
        out += conn.read_channel()
        assert time.monotonic() < deadline, out[-500:]
        time.sleep(0.05)
    conn.write_channel("\x04")  # Ctrl-D: would undo, but safe mode is gone already
    time.sleep(0.3)
    conn.remote_conn_pre.close()
    export = export_of(lab, router, known_hosts)
    assert "add name=b0" in export and "add name=b100" in export


def test_session_is_dropped_when_a_command_removes_its_address(lab, router, known_hosts):
    mgmt = lab.spec(router).mgmt_address
    setup = [
        "/interface bridge add name=br-mgmt",
        "/interface bridge port add bridge=br-mgmt interface=ether2",
        f"/ip address add address={mgmt}/24 comment=mgmt interface=br-mgmt",
    ]
    with connect(lab, router, known_hosts) as conn:  # arrives before the address: not cut
        conn.send_config_set(setup, error_pattern=ERRORS)
    conn = connect(lab, router, known_hosts)  # arrives on the management address now
    take_safe_mode(conn)
    conn.write_channel("/ip address remove [ find comment=mgmt ]\n")
    deadline = time.monotonic() + 5
    while conn.remote_conn.get_transport().is_active() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not conn.remote_conn.get_transport().is_active()
    conn.remote_conn_pre.close()
    # cut in safe mode: a lost session, undone after the (scaled) TCP timeout
    deadline = time.monotonic() + SAFE_MODE_LOST_SESSION_SECONDS * TIME_SCALE + 10
    export = export_of(lab, router, known_hosts)
    while "comment=mgmt" not in export and time.monotonic() < deadline:
        time.sleep(0.2)
        export = export_of(lab, router, known_hosts)
    assert f"add address={mgmt}/24 comment=mgmt interface=br-mgmt" in export


def test_input_firewall_drop_cuts_the_session_unless_established_is_accepted(
    lab, router, known_hosts
):
    mgmt = lab.spec(router).mgmt_address
    with connect(lab, router, known_hosts) as conn:
        conn.send_config_set(
            [
                "/interface bridge add name=br-fw",
                "/interface bridge port add bridge=br-fw interface=ether3",
                f"/ip address add address={mgmt}/24 interface=br-fw",
            ],
            error_pattern=ERRORS,
        )
    with connect(lab, router, known_hosts) as conn:
        conn.send_config_set(
            [
                "/ip firewall filter add action=accept chain=input connection-state=established",
                "/ip firewall filter add action=drop chain=input comment=last",
            ],
            error_pattern=ERRORS,
        )
        assert "comment=last" in conn.send_command("/export")  # still connected
    conn = connect(lab, router, known_hosts)
    conn.write_channel("/ip firewall filter remove 0\n")
    deadline = time.monotonic() + 5
    while conn.remote_conn.get_transport().is_active() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not conn.remote_conn.get_transport().is_active()
    conn.remote_conn_pre.close()


def test_scheduled_reset_restores_an_exported_backup_file(lab, router, known_hosts):
    with connect(lab, router, known_hosts) as conn:
        conn.send_config_set(["/interface bridge add name=br-before"])
        conn.send_command("/export file=pre-push")
        assert "pre-push.rsc" in conn.send_command("/file print")
        # The change, then the guard that undoes it unless cancelled (time scale 0.005: 20m = 6 s)
        conn.send_config_set(
            [
                "/interface bridge add name=br-after",
                '/system scheduler add name=undo interval=20m on-event="/system '
                'reset-configuration no-defaults=yes skip-backup=yes run-after-reset=pre-push.rsc"',
            ],
            error_pattern=ERRORS,
        )
        assert "name=undo" in conn.send_command("/system scheduler print terse")
    deadline = time.monotonic() + 30
    while lab.server.runtimes[router].up and time.monotonic() < deadline:
        time.sleep(0.1)
    lab.wait_up(router)
    with connect(lab, router, known_hosts) as conn:
        export = conn.send_command("/export")
        files = conn.send_command("/file print")
    assert "add name=br-before" in export
    assert "br-after" not in export and "/system scheduler" not in export
    assert "pre-push.rsc" in files


def test_import_runs_a_file_and_reboot_keeps_config(lab, router, known_hosts):
    with connect(lab, router, known_hosts) as conn:
        conn.send_config_set(['/interface bridge add name=br-imported comment="from file"'])
        conn.send_command("/export file=snap")
        conn.send_command("/interface bridge remove [ find name=br-imported ]")
        assert "br-imported" not in conn.send_command("/export")
        out = conn.send_command("/import file-name=snap.rsc")
        assert "Script file loaded and executed successfully" in out
        assert 'add comment="from file" name=br-imported' in conn.send_command("/export")
        conn.send_command("/file remove snap.rsc")
        assert "snap.rsc" not in conn.send_command("/file print")
    conn = connect(lab, router, known_hosts)
    try:
        answer = conn.send_command("/system reboot", expect_string=r"\[y/N\]:")
        assert "Reboot, yes? [y/N]:" in answer
        conn.write_channel("y")
    finally:
        conn.remote_conn_pre.close()  # the device drops the session
    deadline = time.monotonic() + 10
    while lab.server.runtimes[router].up and time.monotonic() < deadline:
        time.sleep(0.05)
    lab.wait_up(router)
    with connect(lab, router, known_hosts) as conn:
        assert 'add comment="from file" name=br-imported' in conn.send_command("/export")


def test_scheduler_guard_restores_the_backup_after_the_session_dies(lab, router, known_hosts):
    """The product's device-side commit-confirm: backup, scheduler, change; nobody cancels."""
    with connect(lab, router, known_hosts) as conn:
        conn.send_config_set(["/interface bridge add name=br-good"], error_pattern=ERRORS)
        saved = conn.send_command("/system backup save name=digikel-guard dont-encrypt=yes")
        assert "Configuration backup saved" in saved
        assert "digikel-guard.backup" in conn.send_command("/file print")
        conn.send_config_set(
            [
                '/system scheduler add name=digikel-guard interval=20m on-event="/system backup '
                'load name=digikel-guard.backup password=\\"\\""',
                "/interface bridge add name=br-bad",
            ],
            error_pattern=ERRORS,
        )
    deadline = time.monotonic() + 30  # 20m x 0.005 = 6 s, then a 0.5 s reboot
    while lab.server.runtimes[router].up and time.monotonic() < deadline:
        time.sleep(0.1)
    lab.wait_up(router)
    with connect(lab, router, known_hosts) as conn:
        export = conn.send_command("/export")
        assert "add name=br-good" in export and "br-bad" not in export
        assert "digikel-guard" not in export  # the scheduler was added after the backup
        conn.send_command("/file remove [ find name=digikel-guard.backup ]")
        assert "digikel-guard" not in conn.send_command("/file print")


def test_cancelled_guard_and_interactive_backup_load(lab, router, known_hosts):
    with connect(lab, router, known_hosts) as conn:
        conn.send_command("/system backup save name=digikel-guard dont-encrypt=yes")
        conn.send_config_set(
            [
                '/system scheduler add name=digikel-guard interval=20m on-event="/system reboot"',
                "/interface bridge add name=br-confirmed",
                "/system scheduler remove [ find name=digikel-guard ]",
            ],
            error_pattern=ERRORS,
        )
        answer = conn.send_command(
            '/system backup load name=digikel-guard.backup password=""', expect_string=r"\[y/N\]: "
        )
        assert "Restore and reboot? [y/N]: " in answer
        conn.write_channel("n")
        conn.read_until_pattern(pattern=r"\] > $")
    time.sleep(7)  # longer than the (scaled) interval: nothing fires
    assert lab.server.runtimes[router].up
    assert "add name=br-confirmed" in export_of(lab, router, known_hosts)


def test_defconf_factory_and_wrapped_export_over_ssh(lab, router, known_hosts):
    lab.reset([router], factory="defconf")
    try:
        with connect(lab, router, known_hosts) as conn:
            export = conn.send_command("/export")
            version = conn.send_command("/system package print")
        lines = export.splitlines()
        assert "add address=192.168.88.1/24 comment=defconf interface=bridge network=\\" in lines
        assert "    192.168.88.0" in lines
        assert all(len(line) <= 79 for line in lines)
        assert "defconf: drop all not coming from LAN" in export
        assert "routeros" in version and "7.16.2" in version
    finally:
        lab.reset([router], factory="blank")
    assert "defconf" not in export_of(lab, router, known_hosts)


def test_lab_state_is_private(lab, router):
    import stat

    state = lab.state_dir
    assert stat.S_IMODE(state.stat().st_mode) == 0o700
    assert stat.S_IMODE((state / "devices").stat().st_mode) == 0o700
    assert stat.S_IMODE((state / "devices" / f"{router}.json").stat().st_mode) == 0o600
