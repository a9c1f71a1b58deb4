"""The RouterOS simulator's CLI as pure logic (no SSH)."""

from __future__ import annotations

import json
import re

import pytest

from digikel.lab.device import DeviceSpec, OfflineHost
from digikel.lab.routeros import (
    SAFE_MODE_HISTORY,
    SAFE_MODE_LOST_SESSION_SECONDS,
    RouterOsDevice,
)

SPEC = DeviceSpec("x-rtr01", "routeros", "RB5009UG+S+IN", "127.64.1.1", 2222, "digikel", "pw", "s")
AP = DeviceSpec("x-ap01", "routeros", "cAP ax", "127.64.1.11", 2222, "digikel", "pw", "s", "ap")


@pytest.fixture
def host():
    return OfflineHost()


@pytest.fixture
def device(host):
    return RouterOsDevice(SPEC, None, host)


def run(device, *lines):
    shell = device.open_shell("digikel+ct511w4098h")
    return [shell.handle_line(line).text for line in lines]


def body(export: str) -> str:
    return "\n".join(line for line in export.splitlines() if not line.startswith("#"))


def test_prompt_strips_login_options_and_follows_identity_and_menu(device):
    shell = device.open_shell("digikel+ct511w4098h")
    assert shell.prompt() == "[digikel@MikroTik] > "
    shell.handle_line("/system identity set name=x-rtr01")
    shell.handle_line("/ip address")
    assert shell.prompt() == "[digikel@x-rtr01] /ip/address> "
    shell.handle_line("/")
    assert shell.prompt() == "[digikel@x-rtr01] > "


def test_export_sections_order_and_factory_item_changes(device):
    run(
        device,
        "/ip address add address=10.81.0.1/24 interface=br-lan",
        "/interface bridge add name=br-lan",
        "/ip address add address=10.81.0.1/24 interface=br-lan",
        "/interface ethernet set [ find default-name=ether1 ] comment=WAN",
        "/ip service set telnet disabled=yes",
        "/system identity set name=x-rtr01",
    )
    export = device.export()
    lines = export.splitlines()
    assert lines[0].startswith("# ") and lines[0].endswith("by RouterOS 7.16.2")
    assert "# model = RB5009UG+S+IN" in lines
    assert body(export) == "\n".join(
        [
            "/interface bridge",
            "add name=br-lan",
            "/interface ethernet",
            "set [ find default-name=ether1 ] comment=WAN",
            "/ip address",
            "add address=10.81.0.1/24 interface=br-lan network=10.81.0.0",
            "/ip service",
            "set telnet disabled=yes",
            "/system identity",
            "set name=x-rtr01",
        ]
    )
    assert body(device.export("/ip")) == "\n".join(
        [
            "/ip address",
            "add address=10.81.0.1/24 interface=br-lan network=10.81.0.0",
            "/ip service",
            "set telnet disabled=yes",
        ]
    )


def test_errors_use_routeros_words_and_change_nothing(device):
    out = run(
        device,
        "frob",
        "/ip frob print",
        "/interface bridge add name=b1",
        "/interface bridge add name=b1",
        "/interface bridge set [ find name=nope ] comment=x",
        "/interface bridge remove nope",
        "/interface bridge add name=b2 stray",
        "/interface ethernet remove ether1",
        "/ip address add address=1.1.1.1/24 interface=missing",
    )
    assert out == [
        "bad command name frob (line 1 column 1)",
        "bad command name frob (line 1 column 5)",
        "",
        "failure: item with such name already exists",
        "no such item",
        "no such item",
        "expected end of command (line 1 column 31)",
        "failure: can not remove builtin item",
        "input does not match any value of interface",
    ]
    assert body(device.export()) == "/interface bridge\nadd name=b1"


def test_find_set_remove_enable_disable_and_numbers(device):
    run(
        device,
        "/ip firewall filter add chain=input action=accept comment=mgmt",
        "/ip firewall filter add chain=input action=drop comment=last",
        "/ip firewall filter add chain=input action=accept comment=first place-before=0",
        "/ip firewall filter set [ find where comment=mgmt and chain=input ] src-address=10.80.0.0/16",
        '/ip firewall filter disable [ find comment~"la" ]',
        "/ip firewall filter remove 0",
    )
    assert run(device, "/ip firewall filter print terse")[0].splitlines() == [
        " 0   chain=input action=accept comment=mgmt src-address=10.80.0.0/16",
        " 1 X chain=input action=drop comment=last disabled=yes",
    ]
    assert run(device, "/ip firewall filter print count-only where action=drop") == ["1"]


def test_singleton_settings_print_and_unset(device):
    run(device, "/ip dns set servers=10.80.1.53 allow-remote-requests=yes", "/snmp set enabled=yes")
    assert "servers: 10.80.1.53" in run(device, "/ip dns print")[0]
    assert body(device.export("/snmp")) == "/snmp\nset enabled=yes"
    run(device, "/snmp set enabled=no")
    assert body(device.export("/snmp")) == ""


def test_sensitive_values_only_with_show_sensitive(device):
    run(
        device,
        "/user add name=ops group=full password=hunter2",
        '/interface wireguard add name=wg-hub private-key="mL2sy0Z1ixHUoaWXAsS3sWZ0yyRUx+1cY4SHHLvUQEw="',
    )
    plain, sensitive = device.export(), device.export(show_sensitive=True)
    assert "hunter2" not in plain and "private-key" not in plain
    assert "password=hunter2" in sensitive and "private-key=" in sensitive
    printed = run(device, "/interface wireguard print terse")[0]
    assert "private-key" not in printed
    assert "public-key=" in printed and "public-key= " not in printed


def test_renaming_an_interface_follows_its_references(device):
    run(
        device,
        "/ip dhcp-client add interface=ether1",
        "/interface ethernet set [ find default-name=ether1 ] name=ether1-wan",
    )
    assert "add interface=ether1-wan" in device.export()


def test_interface_print_lists_ports_first_then_virtual_interfaces():
    ap = RouterOsDevice(AP, None, OfflineHost())
    run(
        ap,
        "/interface bridge add name=bridge1",
        "/interface vlan add name=v10 vlan-id=10 interface=bridge1",
    )
    names = [
        line.split("name=")[1].split()[0]
        for line in run(ap, "/interface print terse")[0].splitlines()
    ]
    assert names == ["ether1", "ether2", "wifi1", "wifi2", "bridge1", "v10"]


def test_safe_mode_quit_keeps_ctrl_d_undoes(device):
    # MikroTik manual, Console / Safe Mode: "[Ctrl]+[D] also undoes all safe mode changes,
    # while /quit does not".
    quitter = device.open_shell("digikel")
    assert quitter.handle_control("\x18").text == "[Safe Mode taken]"
    assert quitter.prompt() == "[digikel@MikroTik] <SAFE> "
    quitter.handle_line("/interface bridge add name=kept")
    assert quitter.handle_line("quit").close
    quitter.close()
    assert device.safe_holder is None and "add name=kept" in device.export()
    leaver = device.open_shell("digikel")
    leaver.handle_control("\x18")
    leaver.handle_line("/interface bridge add name=undone")
    assert leaver.handle_control("\x04").close
    leaver.close()
    assert "undone" not in device.export() and "add name=kept" in device.export()
    releaser = device.open_shell("digikel")
    releaser.handle_control("\x18")
    releaser.handle_line("/interface bridge add name=released")
    assert releaser.handle_control("\x18").text == "[Safe Mode released]"
    releaser.handle_control("\x04")
    releaser.close()
    assert "add name=released" in device.export()


def test_lost_session_keeps_safe_mode_until_the_tcp_timeout(device, host):
    host.time_scale = 0.01
    lost = device.open_shell("digikel")
    lost.handle_control("\x18")
    lost.handle_line("/interface bridge add name=half-done")
    lost.close()  # TCP gone, neither quit nor Ctrl-D
    assert device.safe_holder is lost and "half-done" in device.export()
    seconds, _ = host.timers[("x-rtr01", "safe-mode-lost-session")]
    assert seconds == pytest.approx(SAFE_MODE_LOST_SESSION_SECONDS * 0.01)
    assert SAFE_MODE_LOST_SESSION_SECONDS == 540
    host.fire("x-rtr01", "safe-mode-lost-session")
    assert device.safe_holder is None and "half-done" not in device.export()


@pytest.mark.parametrize(
    ("key", "kept", "taken"), [("u", False, True), ("r", True, True), ("d", True, False)]
)
def test_hijack_prompt_unroll_release_or_leave(device, host, key, kept, taken):
    first = device.open_shell("digikel")
    messages: list[str] = []
    first.notify = messages.append
    first.handle_control("\x18")
    first.handle_line("/interface bridge add name=first")
    second = device.open_shell("digikel")
    reply = second.handle_control("\x18")
    assert re.search(r"Hijacking Safe Mode from .* \[u/r/d\]", reply.text)
    assert reply.text == "Hijacking Safe Mode from someone - unroll/release/don't take it [u/r/d]: "
    assert second.pending is not None and second.pending.mode == "char"
    answer = second.pending.answer(key)
    assert ("add name=first" in device.export()) is kept
    assert (device.safe_holder is second) is taken
    if taken:
        assert answer.text == "[Safe Mode taken]"
        assert messages == ["[Safe mode released by another user]"]
        assert first.prompt() == "[digikel@MikroTik] > "
    else:
        assert device.safe_holder is first and messages == []


def test_hijack_of_a_lost_session_cancels_its_timeout(device, host):
    lost = device.open_shell("digikel")
    lost.handle_control("\x18")
    lost.handle_line("/interface bridge add name=orphan")
    lost.close()
    taker = device.open_shell("digikel")
    assert "Hijacking" in taker.handle_control("\x18").text
    taker.pending.answer("u")
    assert "orphan" not in device.export()
    assert ("x-rtr01", "safe-mode-lost-session") not in host.timers
    assert taker.prompt().endswith("<SAFE> ")


def test_history_overflow_leaves_safe_mode_and_undoes_nothing(device):
    shell = device.open_shell("digikel")
    shell.handle_control("\x18")
    for number in range(SAFE_MODE_HISTORY):
        shell.handle_line(f"/interface bridge add name=b{number}")
    assert device.safe_holder is shell
    shell.handle_line("/interface bridge add name=one-too-many")
    assert device.safe_holder is None and shell.prompt() == "[digikel@MikroTik] > "
    shell.handle_control("\x04")
    shell.close()
    export = device.export()
    assert "add name=b0" in export and "add name=one-too-many" in export


def test_safe_snapshot_left_in_state_is_undone_at_boot(device, host):
    shell = device.open_shell("digikel")
    shell.handle_control("\x18")
    shell.handle_line("/interface bridge add name=half-done")
    saved = json.loads(json.dumps(device.state))  # as the state file holds it
    again = RouterOsDevice(SPEC, saved, host)
    again.on_boot()  # lab start, or after a reboot / power loss
    assert "half-done" not in again.export()


def test_scheduler_runs_on_event_every_interval(device, host):
    host.time_scale = 0.5
    run(
        device,
        '/system scheduler add name=mark interval=10s on-event="/interface bridge add name=from-scheduler"',
    )
    ((seconds, _),) = host.timers.values()
    assert seconds == 5.0
    host.fire("x-rtr01", next(iter(host.timers))[1])
    assert "add name=from-scheduler" in device.export()
    assert len(host.timers) == 1  # re-armed
    run(device, "/system scheduler remove mark")
    assert host.timers == {}


def test_export_file_import_and_reset_configuration(device, host):
    run(device, '/interface bridge add name=keep comment="a b"', "/export file=base")
    assert "base.rsc" in run(device, "/file print")[0]
    run(device, "/interface bridge add name=later")
    run(
        device,
        '/system scheduler add name=undo interval=1m on-event="/system reset-configuration no-defaults=yes skip-backup=yes run-after-reset=base.rsc"',
    )
    host.fire("x-rtr01", next(iter(host.timers))[1])
    assert host.reboots == ["x-rtr01"]
    export = body(device.export())
    assert export == '/interface bridge\nadd comment="a b" name=keep'
    out = run(device, "/interface bridge remove keep", "/import file-name=base.rsc")
    assert "Script file loaded and executed successfully" in out[1]
    assert run(device, "/import file-name=base.rsc")[0] == (
        "failure: item with such name already exists (line 7 column 1)"
    )


def test_interactive_reboot_asks_first(device, host):
    shell = device.open_shell("digikel")
    assert shell.handle_line("/system reboot").text == "Reboot, yes? [y/N]: "
    assert shell.pending is not None and shell.pending.mode == "char"
    assert shell.pending.answer("n").close is False
    assert host.reboots == []
    shell.handle_line("/system reboot")
    assert shell.pending.answer("y").close is True
    assert host.reboots == ["x-rtr01"]


def test_wireguard_peer_with_an_ip_endpoint_shows_a_handshake(device):
    run(
        device,
        "/interface wireguard add name=wg1",
        '/interface wireguard peers add interface=wg1 public-key="k=" endpoint-address=203.0.113.80',
        '/interface wireguard peers add interface=wg1 public-key="j="',
    )
    lines = run(device, "/interface wireguard peers print terse")[0].splitlines()
    assert "last-handshake=" in lines[0] and "last-handshake=" not in lines[1]


def test_wireguard_peer_whose_endpoint_needs_a_resolver_or_the_tunnel_stays_down(device):
    """Issue 12: a hub named by a hostname can only be resolved through the DC's DNS behind the
    tunnel itself; an endpoint routed into the tunnel cannot be reached either."""
    run(
        device,
        "/interface wireguard add name=wg1",
        '/interface wireguard peers add interface=wg1 public-key="k=" '
        "endpoint-address=hub.digikel.samarindakota.go.id allowed-address=10.80.0.0/16",
        '/interface wireguard peers add interface=wg1 public-key="j=" endpoint-address=10.80.1.1 '
        "allowed-address=10.80.0.0/16",
        "/ip route add dst-address=10.80.0.0/16 gateway=wg1",
    )
    peers = run(device, "/interface wireguard peers print terse")[0]
    assert "last-handshake=" not in peers
    lost = run(device, "/ping 10.80.1.10 count=1")[0]
    assert "packet-loss=100%" in lost  # nothing is routed through a tunnel that is down
    run(
        device,
        '/interface wireguard peers set [ find public-key="k=" ] endpoint-address=203.0.113.80',
    )
    lines = run(device, "/interface wireguard peers print terse")[0].splitlines()
    assert "last-handshake=" in lines[0] and "last-handshake=" not in lines[1]


def test_ping_answers_for_own_subnets_and_tunnel_routes(device):
    run(
        device,
        "/interface bridge add name=br",
        "/ip address add address=10.81.0.1/24 interface=br",
        "/interface wireguard add name=wg",
        '/interface wireguard peers add interface=wg public-key="k=" endpoint-address=203.0.113.80 '
        "allowed-address=10.80.0.0/16",
    )
    ok = run(device, "/ping 10.80.1.10 count=2")[0]
    assert ok.splitlines()[-1].startswith("    sent=2 received=2 packet-loss=0%")
    lost = run(device, "/ping 192.0.2.9 count=1")[0]
    assert "timeout" in lost and "packet-loss=100%" in lost


def test_scheduler_arms_again_after_a_reset(device, host):
    run(device, '/system scheduler add name=a interval=1m on-event="/system note set note=x"')
    device.reset()
    host.timers.clear()  # the server cancels every timer of a device it resets
    device.on_boot()
    run(device, '/system scheduler add name=a interval=1m on-event="/system note set note=x"')
    assert len(host.timers) == 1


def test_verify_reports_a_tunnel_whose_endpoint_cannot_be_resolved(device):
    """`network verify` reads the lab's peers: a name endpoint fails the tunnel check and says
    why; the hub's IP passes."""
    from digikel.network import verify
    from digikel.network.connection import Timeouts

    class Conn:  # what run_command needs of a Netmiko session, answered by the lab device
        base_prompt = "[digikel@MikroTik]"

        def send_command(self, command, **_):
            return run(device, command)[0]

    run(
        device,
        "/interface wireguard add name=wg-hub",
        '/interface wireguard peers add interface=wg-hub name=hub public-key="k=" '
        "endpoint-address=hub.digikel.samarindakota.go.id endpoint-port=51820",
    )
    check = verify._wireguard(Conn(), Timeouts())
    assert not check.ok
    assert "'hub.digikel.samarindakota.go.id' is a name" in check.detail
    assert "through the DC's DNS" in check.detail
    run(device, "/interface wireguard peers set [ find name=hub ] endpoint-address=203.0.113.80")
    check = verify._wireguard(Conn(), Timeouts())
    assert check.ok and "last handshake with the hub" in check.detail
