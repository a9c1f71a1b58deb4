"""Real Netmiko sessions (device_type mikrotik_routeros, strict host keys) against the lab."""

from __future__ import annotations

import time

import pytest
from netmiko import ConnectHandler
from netmiko.exceptions import ConfigInvalidException

pytestmark = pytest.mark.lab

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
    assert '/interface bridge\nadd name=br-lan vlan-filtering=yes comment="LAN bridge"' in export
    assert "/interface vlan\nadd name=vlan10 vlan-id=10 interface=br-lan" in export
    assert "/ip address\nadd address=10.81.96.1/24 interface=vlan10" in export
    assert 'note="multi word \\"quoted\\" note"' in export
    assert "s3cret-pass" not in export and "add name=ops group=full" in export
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
                "endpoint-address=hub.example endpoint-port=51820 allowed-address=10.80.0.0/16",
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


def test_safe_mode_change_is_undone_when_the_session_drops(lab, router, known_hosts):
    conn = connect(lab, router, known_hosts)
    conn.write_channel("\x18")
    taken = conn.read_until_pattern(pattern=r"<SAFE> $")
    assert "[Safe Mode taken]" in taken
    conn.send_config_set(["/interface bridge add name=br-unsafe"], error_pattern=ERRORS)
    conn.remote_conn.get_transport().close()  # the link dies, as when a push cuts us off
    with connect(lab, router, known_hosts) as other:
        deadline = time.monotonic() + 10
        export = other.send_command("/export")
        while "br-unsafe" in export and time.monotonic() < deadline:
            time.sleep(0.1)  # the lab notices the lost session asynchronously
            export = other.send_command("/export")
    assert "br-unsafe" not in export


def test_leaving_safe_mode_keeps_the_change(lab, router, known_hosts):
    with connect(lab, router, known_hosts) as conn:
        conn.write_channel("\x18")
        conn.read_until_pattern(pattern=r"<SAFE> $")
        conn.send_config_set(["/interface bridge add name=br-kept"], error_pattern=ERRORS)
        conn.write_channel("\x18")
        released = conn.read_until_pattern(pattern=r"\] > $")
        assert "[Safe Mode released]" in released
    with connect(lab, router, known_hosts) as other:
        assert "add name=br-kept" in other.send_command("/export")


def test_scheduled_reset_restores_an_exported_backup_file(lab, router, known_hosts):
    with connect(lab, router, known_hosts) as conn:
        conn.send_config_set(["/interface bridge add name=br-before"])
        conn.send_command("/export file=pre-push")
        assert "pre-push.rsc" in conn.send_command("/file print")
        # The change, then the guard that undoes it unless cancelled (time scale 0.03: 3m ~ 5 s)
        conn.send_config_set(
            [
                "/interface bridge add name=br-after",
                '/system scheduler add name=undo interval=3m on-event="/system '
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
        assert 'add name=br-imported comment="from file"' in conn.send_command("/export")
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
        assert 'add name=br-imported comment="from file"' in conn.send_command("/export")
