"""The IOS simulator's CLI as pure logic (no SSH)."""

from __future__ import annotations

import pytest

from digikel.lab import ios_config as cfg
from digikel.lab.device import DeviceSpec, OfflineHost
from digikel.lab.ios import IosDevice

SPEC = DeviceSpec("x-sw01", "ios", "C1000-8P-2G-L", "127.64.1.2", 2222, "digikel", "pw", "s")


@pytest.fixture
def host():
    return OfflineHost(time_scale=0.01)


@pytest.fixture
def device(host):
    return IosDevice(SPEC, None, host)


@pytest.fixture
def shell(device):
    shell = device.open_shell("digikel")
    shell.handle_line("enable")
    shell.pending.answer("pw")
    return shell


def config(shell, *lines):
    out = [shell.handle_line("configure terminal").text]
    out += [shell.handle_line(line).text for line in lines]
    shell.handle_line("end")
    return out


def running(shell):
    return shell.handle_line("show running-config").text


def test_modes_and_prompts(device):
    shell = device.open_shell("digikel")
    assert shell.prompt() == "Switch>"
    assert "% Invalid input" in shell.handle_line("configure terminal").text
    assert shell.handle_line("enable").text == "Password: "
    assert shell.pending.secret
    assert shell.pending.answer("wrong").text.startswith("% Bad secrets")
    shell.handle_line("enable")
    shell.pending.answer("pw")
    assert shell.prompt() == "Switch#"
    shell.handle_line("conf t")
    assert shell.prompt() == "Switch(config)#"
    for line, prompt in (
        ("int gi1/0/1", "Switch(config-if)#"),
        ("vlan 10", "Switch(config-vlan)#"),
        ("line vty 0 15", "Switch(config-line)#"),
        ("archive", "Switch(config-archive)#"),
        ("interface range Gi1/0/1 - 3", "Switch(config-if-range)#"),
        ("exit", "Switch(config)#"),
    ):
        shell.handle_line(line)
        assert shell.prompt() == prompt
    assert shell.handle_control("\x1a") is not None and shell.prompt() == "Switch#"


def test_hardware_ports_from_the_model():
    big = IosDevice(
        DeviceSpec("b", "ios", "C1000-24P-4G-L", "127.64.1.2", 2222, "u", "p", "s"),
        None,
        OfflineHost(),
    )
    assert big.ports()[0] == "GigabitEthernet1/0/1" and big.ports()[-1] == "GigabitEthernet1/0/28"


def test_config_lines_replace_and_no_removes(shell):
    config(
        shell,
        "hostname x-sw01",
        "vlan 20,30",
        " name printers",
        "interface GigabitEthernet1/0/2",
        " description pc",
        " description counter-2",
        " switchport mode access",
        " switchport access vlan 20",
        " shutdown",
        " no shutdown",
        "interface Gi1/0/9",
        " switchport mode trunk",
        " switchport trunk allowed vlan 10,20",
        " switchport trunk allowed vlan add 30-32",
        " switchport trunk allowed vlan remove 31",
        "ip default-gateway 10.81.0.1",
        "ip default-gateway 10.81.0.254",
        "no service pad",
        "service password-encryption",
    )
    text = running(shell)
    assert "hostname x-sw01" in text and "hostname Switch" not in text
    assert "vlan 20\n name printers\n!\nvlan 30\n name printers\n" in text
    block = text.split("interface GigabitEthernet1/0/2\n")[1].split("!")[0]
    assert block == " description counter-2\n switchport mode access\n switchport access vlan 20\n"
    assert " switchport trunk allowed vlan 10,20,30,32\n" in text
    assert "ip default-gateway 10.81.0.254" in text and "10.81.0.1\n" not in text
    assert "no service pad" in text and "\nservice password-encryption" in text
    assert "no service password-encryption" not in text
    config(
        shell,
        "no vlan 30",
        "interface Gi1/0/2",
        "no switchport access vlan",
        "no ip default-gateway",
    )
    text = running(shell)
    assert "vlan 30" not in text and "switchport access vlan 20" not in text
    assert "ip default-gateway" not in text
    assert shell.prompt() == "x-sw01#"


def test_errors_answer_like_ios(shell):
    out = config(shell, "frobnicate", "hostname", "interface Gi1/0/99", "vlan 5000")
    assert out[1] == " " * len("Switch(config)#") + "^\n% Invalid input detected at '^' marker."
    assert out[2] == "% Incomplete command."
    assert "% Invalid input" in out[3] and "% Invalid input" in out[4]
    assert "% Invalid input" in shell.handle_line("show frobs").text
    assert "% Ambiguous command" in shell.handle_line("co").text


def test_secrets_are_stored_hashed_and_stably(shell):
    config(
        shell,
        "username digikel privilege 15 secret Sup3r-secret",
        "enable secret Other-secret",
        "line vty 0 4",
        "password line-pass",
    )
    text = running(shell)
    assert "Sup3r-secret" not in text and "Other-secret" not in text and "line-pass" not in text
    assert "username digikel privilege 15 secret 9 $9$" in text
    assert "enable secret 9 $9$" in text and " password 7 " in text
    config(shell, "username digikel privilege 15 secret Sup3r-secret")
    assert running(shell).count("username digikel") == 1
    assert cfg.hide_secrets("enable secret 9 $9$abc$def", "x") == "enable secret 9 $9$abc$def"


def test_snmp_users_stay_out_of_the_running_config(shell):
    config(shell, "snmp-server user mon ro-group v3 auth sha AuthPass1 priv aes 128 PrivPass1")
    assert "AuthPass1" not in running(shell) and "snmp-server user" not in running(shell)
    users = shell.handle_line("show snmp user").text
    assert "User name: mon" in users and "Group-name: ro-group" in users


def test_write_memory_and_reload_back_to_startup(device, shell, host):
    config(shell, "vlan 50")
    assert shell.handle_line("write memory").text == "Building configuration...\n[OK]"
    config(shell, "vlan 60")
    assert shell.handle_line("reload").text.endswith("Save? [yes/no]: ")
    assert shell.pending.answer("maybe").text.startswith("% Please answer")
    assert shell.pending.answer("no").text == "Proceed with reload? [confirm]"
    assert shell.pending.answer("\r").close
    assert host.reboots == ["x-sw01"]
    device.reload()  # what the server does while the switch is down
    text = running(device.open_shell("digikel") if False else shell)
    assert "vlan 50" in text and "vlan 60" not in text


def test_revert_timer_needs_archive_reverts_and_confirm_cancels(device, shell, host):
    assert (
        "please configure archive path"
        in shell.handle_line("configure terminal revert timer 5").text
    )
    config(shell, "archive", "path flash:$h-cfg", "maximum 3")
    out = shell.handle_line("configure terminal revert timer 5").text
    assert "Backing up current running config to flash:Switch-cfg-0" in out
    ((seconds, _),) = host.timers.values()
    assert seconds == pytest.approx(5 * 60 * 0.01)
    shell.handle_line("vlan 70")
    shell.handle_line("end")
    host.fire("x-sw01", "revert")
    assert "vlan 70" not in running(shell)
    shell.handle_line("configure terminal revert timer 5")
    shell.handle_line("vlan 80")
    shell.handle_line("end")
    assert shell.handle_line("configure confirm").text == ""
    assert host.timers == {}
    assert "vlan 80" in running(shell)
    assert "No Rollback Confirmed Change pending" in shell.handle_line("configure confirm").text
    archive = shell.handle_line("show archive").text
    assert "flash:Switch-cfg-1 <- Most Recent" in archive


def test_copy_to_flash_and_configure_replace(shell):
    config(shell, "vlan 90")
    assert shell.handle_line("copy running-config flash:base.cfg").text == (
        "Destination filename [base.cfg]? "
    )
    assert "bytes copied" in shell.pending.answer("").text
    config(shell, "no vlan 90", "vlan 91", "file prompt quiet")
    assert "bytes copied" in shell.handle_line("copy run flash:quiet.cfg").text
    assert "Rollback Done" in shell.handle_line("configure replace flash:base.cfg force").text
    text = running(shell)
    assert "vlan 90" in text and "vlan 91" not in text
    assert "File not found" in shell.handle_line("configure replace flash:nope.cfg force").text


def test_views_follow_the_configuration(shell):
    config(
        shell,
        "vlan 20",
        "name counters",
        "interface Gi1/0/3",
        "switchport access vlan 20",
        "description counter-1",
        "interface Gi1/0/9",
        "switchport mode trunk",
        "shutdown",
    )
    brief = shell.handle_line("show vlan brief").text
    assert "20   counters                         active    Gi1/0/3" in brief
    status = shell.handle_line("show interfaces status").text
    assert "Gi1/0/3      counter-1" in status and "Gi1/0/9" in status and "disabled" in status
    assert shell.handle_line("show running-config | include ^hostname").text == "hostname Switch"
    section = shell.handle_line("show running-config | section GigabitEthernet1/0/3$").text
    assert section == (
        "interface GigabitEthernet1/0/3\n switchport access vlan 20\n description counter-1"
    )
    assert "GigabitEthernet1/0/9   unassigned" in shell.handle_line("show ip int brief").text


def test_default_interface_and_range(shell):
    config(shell, "interface range Gi1/0/1 - 2, Gi1/0/4", "switchport access vlan 30")
    assert running(shell).count("switchport access vlan 30") == 3
    out = config(shell, "default interface Gi1/0/1")
    assert out[1] == "Interface GigabitEthernet1/0/1 set to default configuration"
    assert running(shell).count("switchport access vlan 30") == 2


def test_render_orders_like_ios():
    entries = cfg.parse(
        "interface Vlan10\n ip address 10.0.0.2 255.255.255.0\ninterface GigabitEthernet1/0/10\n"
        "interface GigabitEthernet1/0/2\nvlan 30\nvlan 4\nhostname a\nline vty 0 4\n login\n"
    )
    lines = [line for line in cfg.render(entries) if line != "!"]
    assert lines == [
        "hostname a",
        "vlan 4",
        "vlan 30",
        "interface GigabitEthernet1/0/2",
        "interface GigabitEthernet1/0/10",
        "interface Vlan10",
        " ip address 10.0.0.2 255.255.255.0",
        "line vty 0 4",
        " login",
    ]


def test_a_changed_setting_keeps_its_place():
    lines = ["spanning-tree mode pvst", "spanning-tree extend system-id"]
    table = cfg.global_table()
    assert cfg.apply_setting(lines, "spanning-tree mode rapid-pvst", table) == [
        "spanning-tree mode rapid-pvst",
        "spanning-tree extend system-id",
    ]
    assert cfg.apply_setting(lines, "no spanning-tree mode", table) == [
        "spanning-tree extend system-id"
    ]
    assert cfg.apply_setting(["service pad"], "no service pad", table) == ["no service pad"]
    timestamps = ["service timestamps debug datetime msec"]
    assert cfg.apply_setting(timestamps, "service timestamps log datetime msec", table) == [
        "service timestamps debug datetime msec",
        "service timestamps log datetime msec",
    ]
