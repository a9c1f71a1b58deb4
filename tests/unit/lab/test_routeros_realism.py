"""The RouterOS simulator against the shapes of real 7.x devices: export header, property order,
defaults, derived `network=`, wrapping, defconf, backups, scheduler, versions, the management
path. Each rule's source is cited in docs/lab.md (RouterOS section); the fixtures here are ours."""

from __future__ import annotations

import dataclasses
import json
import os
import stat

import pytest

from digikel.lab.device import DeviceSpec, OfflineHost
from digikel.lab.routeros import RouterOsDevice
from digikel.lab.routeros_syntax import join_continuations
from digikel.lab.store import StateStore

SPEC = DeviceSpec(
    "x-rtr01",
    "routeros",
    "RB5009UG+S+IN",
    "127.64.1.1",
    2222,
    "digikel",
    "pw",
    "s",
    "router",
    mgmt_address="10.81.0.1",
)
SWITCH = dataclasses.replace(SPEC, name="x-sw01", model="CRS328-24P-4S+RM", role="switch")
AP = dataclasses.replace(SPEC, name="x-ap01", model="cAP ax", role="ap")


@pytest.fixture
def host():
    return OfflineHost()


@pytest.fixture
def device(host):
    return RouterOsDevice(SPEC, None, host)


def run(shell, *lines):
    return [shell.handle_line(line).text for line in lines]


def body(export: str) -> list[str]:
    return [line for line in export.splitlines() if not line.startswith("#")]


def test_export_writes_properties_in_device_order_defaults_left_out(device):
    shell = device.open_shell("digikel")
    run(
        shell,
        "/interface bridge add vlan-filtering=no name=br comment=lan protocol-mode=rstp",
        "/ip dhcp-client add use-peer-dns=no interface=ether1 add-default-route=yes comment=wan",
        "/ip address add interface=br address=10.81.0.1/24",
    )
    lines = body(device.export())
    assert "add comment=lan name=br" in lines  # alphabetical; vlan-filtering=no is the default
    assert "add comment=wan interface=ether1 use-peer-dns=no" in lines
    assert "add address=10.81.0.1/24 interface=br network=10.81.0.0" in lines
    verbose = body(device.export(verbose=True))
    assert "add comment=lan disabled=no name=br protocol-mode=rstp vlan-filtering=no" in " ".join(
        join_continuations("\n".join(verbose))
    ).replace("auto-mac=yes ", "").replace("arp=enabled ", "").replace(" mtu=auto", "")
    detail = run(shell, "/interface bridge print detail")[0]
    assert "vlan-filtering=no" in detail and "protocol-mode=rstp" in detail


def test_export_wraps_as_routeros_does(device):
    shell = device.open_shell("digikel")
    run(
        shell,
        '/ip firewall filter add action=accept chain=input comment="in: established, related" '
        "connection-state=established,related,untracked",
        "/ip firewall filter add action=drop chain=input connection-state=invalid "
        "log-prefix=dropped-invalid-input-and-more-words",
    )
    lines = body(device.export())
    assert max(len(line) for line in lines) <= 79
    first = lines.index("/ip firewall filter") + 1
    # the pair does not fit but `key=` does: the line ends `key=\` (as on 7.x)
    assert lines[first] == 'add action=accept chain=input comment="in: established, related" \\'
    assert lines[first + 1] == "    connection-state=established,related,untracked"
    assert lines[first + 2] == "add action=drop chain=input connection-state=invalid log-prefix=\\"
    assert lines[first + 3] == "    dropped-invalid-input-and-more-words"
    assert "\\" not in "".join(body(device.export(terse=True)))


def test_header_has_version_software_id_model_and_serial(host):
    old = RouterOsDevice(dataclasses.replace(SPEC, version="7.12.1"), None, host)
    header = old.export().splitlines()[:5]
    assert header[0].endswith(" by RouterOS 7.12.1")
    assert header[1].startswith("# software id = ") and header[2] == "#"
    assert header[3] == "# model = RB5009UG+S+IN"
    assert header[4].startswith("# serial number = ")
    shell = old.open_shell("digikel")
    assert "version: 7.12.1 (stable)" in run(shell, "/system resource print")[0]
    assert "routeros  7.12.1" in run(shell, "/system package print")[0]
    old.state["version"] = "7.8"  # per device in the lab state as well
    assert "7.8" in run(shell, "/system package print")[0]


def test_defconf_router_has_the_default_configuration(host):
    device = RouterOsDevice(SPEC, None, host, factory="defconf")
    text = "\n".join(join_continuations(device.export()))
    for line in (
        "add admin-mac=",
        "add bridge=bridge comment=defconf interface=ether2",
        "add bridge=bridge comment=defconf interface=sfp-sfpplus1",
        "add comment=defconf name=WAN",
        "add comment=defconf interface=ether1 list=WAN",
        "add address=192.168.88.1/24 comment=defconf interface=bridge network=192.168.88.0",
        "add comment=defconf interface=ether1",
        "add address-pool=default-dhcp interface=bridge name=defconf",
        "set allow-remote-requests=yes",
        'add action=drop chain=input comment="defconf: drop all not coming from LAN" '
        "in-interface-list=!LAN",
        'add action=masquerade chain=srcnat comment="defconf: masquerade" ipsec-policy=out,none '
        "out-interface-list=WAN",
        "set discover-interface-list=LAN",
        "set allowed-interface-list=LAN",
    ):
        assert line in text, line
    assert (
        "interface=ether1 list" in text
        and "bridge=bridge comment=defconf interface=ether1\n" not in text
    )
    assert device.state["factory_kind"] == "defconf"
    device.reset("blank")
    assert body(device.export()) == []


def test_defconf_switch_and_ap(host):
    switch = RouterOsDevice(SWITCH, None, host, factory="defconf")
    text = switch.export()
    assert "interface=ether1\n" in text and "/ip firewall" not in text and "dhcp-server" not in text
    ap = RouterOsDevice(AP, None, host, factory="defconf")
    text = ap.export()
    assert (
        "interface=wifi2" in text
        and "/ip dhcp-client\nadd comment=defconf interface=bridge" in text
    )


def test_backup_save_and_load_restores_everything_and_reboots(device, host):
    shell = device.open_shell("digikel")
    run(
        shell, "/user add name=ops group=full password=secret1", "/interface bridge add name=before"
    )
    assert run(shell, "/system backup save name=guard dont-encrypt=yes") == [
        "Configuration backup saved"
    ]
    assert "guard.backup" in run(shell, "/file print")[0]
    run(shell, "/interface bridge add name=after", "/user set [ find name=ops ] password=changed")
    assert shell.handle_line('/system backup load name=guard.backup password=""').text == (
        "Restore and reboot? [y/N]: "
    )
    assert shell.pending.answer("y").close
    assert host.reboots == ["x-rtr01"]
    export = device.export(show_sensitive=True)
    assert "name=before" in export and "name=after" not in export
    assert "password=secret1" in export
    assert "guard.backup" in run(device.open_shell("digikel"), "/file print")[0]
    run(shell, "/file remove [ find name=guard.backup ]")
    assert "guard.backup" not in run(shell, "/file print")[0]


def test_encrypted_backup_needs_its_password(device):
    shell = device.open_shell("digikel")
    run(shell, "/system backup save name=enc password=k3y")
    assert "failure" in run(shell, '/system backup load name=enc.backup password=""')[0]


def test_scheduler_guard_restores_the_backup_without_asking(device, host):
    host.time_scale = 0.01
    shell = device.open_shell("digikel")
    run(
        shell,
        "/system backup save name=digikel-guard dont-encrypt=yes",
        '/system scheduler add name=digikel-guard interval=5m on-event="/system backup load '
        'name=digikel-guard.backup password=\\"\\""',
        "/interface bridge add name=risky",
    )
    (key,) = [k for (_, k) in host.timers if k.startswith("scheduler:")]
    assert host.timers[("x-rtr01", key)][0] == pytest.approx(3.0)
    host.fire("x-rtr01", key)
    assert host.reboots == ["x-rtr01"]
    export = device.export()
    assert "risky" not in export and "digikel-guard" not in export


def test_scheduler_is_rearmed_after_a_reboot_in_phase(device, host):
    shell = device.open_shell("digikel")
    run(shell, '/system scheduler add name=a interval=1h on-event="/system note set note=x"')
    host.timers.clear()  # the server cancels every timer before a reboot
    device.on_boot()
    ((seconds, _),) = host.timers.values()
    assert 3590 < seconds <= 3600


def test_removing_the_management_address_cuts_sessions_that_came_over_it(device):
    setup = device.open_shell("digikel")
    assert not setup.on_path  # nothing configured yet: the factory way in
    run(
        setup,
        "/interface bridge add name=br vlan-filtering=yes",
        "/interface bridge port add bridge=br interface=ether2",
        "/interface vlan add interface=br name=mgmt vlan-id=10",
        "/interface bridge vlan add bridge=br tagged=br,ether2 vlan-ids=10",
        "/ip address add address=10.81.0.1/24 interface=mgmt comment=mgmt",
    )
    cut: list[str] = []
    session = device.open_shell("digikel")
    session.abort = lambda: cut.append("session")
    assert session.on_path
    run(session, "/interface bridge vlan set 0 tagged=ether2")  # bridge no longer tagged
    assert cut == ["session"] and not setup.closed


@pytest.mark.parametrize(
    "command",
    [
        "/ip address remove [ find comment=mgmt ]",
        "/interface disable br",
        "/interface bridge port remove 0",
        "/ip firewall filter add action=drop chain=input",
        "/ip firewall filter add action=drop chain=input protocol=tcp dst-port=22",
    ],
)
def test_what_cuts_the_management_path(device, command):
    run(
        device.open_shell("digikel"),
        "/interface bridge add name=br",
        "/interface bridge port add bridge=br interface=ether2",
        "/ip address add address=10.81.0.1/24 interface=br comment=mgmt",
    )
    session = device.open_shell("digikel")
    cut: list[bool] = []
    session.abort = lambda: cut.append(True)
    run(session, command)
    assert cut == [True]


def test_established_accepted_first_keeps_the_session(device):
    shell = device.open_shell("digikel")
    run(
        shell,
        "/interface bridge add name=br",
        "/interface bridge port add bridge=br interface=ether2",
        "/ip address add address=10.81.0.1/24 interface=br",
    )
    session = device.open_shell("digikel")
    cut: list[bool] = []
    session.abort = lambda: cut.append(True)
    run(
        session,
        "/ip firewall filter add action=accept chain=input connection-state=established,related",
        "/ip firewall filter add action=accept chain=input src-address-list=dc dst-port=22",
        "/ip firewall filter add action=drop chain=input",
    )
    assert cut == []


def test_state_directory_and_files_are_private(tmp_path):
    old = os.umask(0o022)
    try:
        store = StateStore(tmp_path / "lab")
        store.save("x-rtr01", {"platform": "routeros"})
        store.write_private(store.pid_file, "1\n")
    finally:
        os.umask(old)
    for path in (store.directory, store.devices_dir):
        assert stat.S_IMODE(path.stat().st_mode) == 0o700, path
    for path in (store.path("x-rtr01"), store.pid_file):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_pending_factory_from_a_stopped_lab_reset(tmp_path, host):
    store = StateStore(tmp_path)
    store.mark_factory("x-rtr01", "defconf")
    device = RouterOsDevice(SPEC, json.loads(store.path("x-rtr01").read_text()), host)
    assert "comment=defconf" in device.export()


def test_connected_routes_are_dynamic_printed_and_never_exported(device):
    shell = device.open_shell("digikel")
    run(
        shell,
        "/interface bridge add name=br",
        "/ip address add address=10.81.0.1/24 interface=br",
        "/ip route add dst-address=0.0.0.0/0 gateway=10.81.0.254",
    )
    printed = run(shell, "/ip route print terse")[0].splitlines()
    assert printed[0].startswith(" 0   ") and "gateway=10.81.0.254" in printed[0]
    assert printed[1].startswith(" 1 DAc dst-address=10.81.0.0/24 gateway=br")
    assert run(shell, "/ip route print count-only where dynamic=no") == ["1"]
    assert "10.81.0.0/24" not in device.export()


def test_quit_from_a_menu_keeps_safe_mode_changes(device):
    shell = device.open_shell("digikel")
    shell.handle_control("\x18")
    run(shell, "/interface bridge", "add name=in-menu")
    assert shell.prompt() == "[digikel@MikroTik] /interface/bridge<SAFE> "
    assert shell.handle_line("quit").close
    shell.close()
    assert "add name=in-menu" in device.export() and device.safe_holder is None


def test_removing_the_last_route_back_cuts_the_session_setting_it_does_not(device):
    run(
        device.open_shell("digikel"),
        "/interface bridge add name=br",
        "/interface bridge port add bridge=br interface=ether2",
        "/ip address add address=10.81.0.2/24 interface=br",
        "/ip address add address=10.81.0.1/24 interface=br comment=mgmt",
        "/ip route add dst-address=0.0.0.0/0 gateway=10.81.0.254 comment=default",
    )
    session = device.open_shell("digikel")
    cut: list[bool] = []
    session.abort = lambda: cut.append(True)
    run(session, "/ip route set [ find comment=default ] gateway=10.81.0.253")
    assert cut == []
    run(session, "/ip route add dst-address=10.80.0.0/16 gateway=10.81.0.254")
    run(session, "/ip route remove [ find comment=default ]")
    assert cut == [True]
