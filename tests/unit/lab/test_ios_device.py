"""The IOS simulator's CLI as pure logic (no SSH): a Catalyst 1000 on 15.2(7)E as it really
behaves (docs/lab.md, "Cisco IOS", gives the source of each rule)."""

from __future__ import annotations

import re

import pytest

from digikel.lab import ios_running_config as cfg
from digikel.lab.device import DeviceSpec, OfflineHost
from digikel.lab.ios import CLIENT_VLAN, NO_ARCHIVE, NO_PENDING, IosDevice

SPEC = DeviceSpec("x-sw01", "ios", "C1000-8P-2G-L", "127.64.1.2", 2222, "digikel", "pw", "s")
INVALID = "% Invalid input detected at '^' marker."


@pytest.fixture
def host():
    return OfflineHost(time_scale=0.01)


@pytest.fixture
def device(host):
    return IosDevice(SPEC, None, host)


def privileged(device):
    shell = device.open_shell("digikel")
    shell.handle_line("enable")
    shell.pending.answer("pw")
    return shell


@pytest.fixture
def shell(device):
    return privileged(device)


def config(shell, *lines):
    out = [shell.handle_line("configure terminal").text]
    out += [shell.handle_line(line).text for line in lines]
    shell.handle_line("end")
    return out


def running(shell):
    return shell.handle_line("show running-config").text


def body(text):
    """The configuration without the header lines that change with time."""
    return text.split("\nversion ", 1)[1]


def block(text, header):
    return text.split(f"\n{header}\n", 1)[1].split("\n!", 1)[0]


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


# ----- 1. VTP: server mode by default, VLANs in vlan.dat -----


def test_vtp_server_keeps_vlans_out_of_the_running_config(shell):
    status = shell.handle_line("show vtp status").text
    assert re.search(r"^VTP Operating Mode\s+: Server$", status, re.M)
    assert re.search(r"^Configuration Revision\s+: 0$", status, re.M)
    assert re.search(r"^Number of existing VLANs\s+: 5$", status, re.M)
    out = config(shell, "vlan 20", "name printers", "vlan 30")
    assert out[1:] == ["", "", ""]
    text = running(shell)
    # server mode: no `vlan` block and no `vtp` line in the running config...
    assert not re.search(r"^vlan \d+$", text, re.M) and "\nvtp " not in text
    # ...but the VLANs exist, in show vlan (vlan.dat), and the revision counted the changes
    brief = shell.handle_line("show vlan brief").text
    assert re.search(r"^20   printers\s+active", brief, re.M)
    assert re.search(r"^30   VLAN0030\s+active", brief, re.M)
    status = shell.handle_line("show vtp status").text
    assert re.search(r"^Configuration Revision\s+: [1-9]", status, re.M)
    assert re.search(r"^Number of existing VLANs\s+: 7$", status, re.M)


def test_vtp_transparent_puts_vlans_into_the_running_config(shell):
    config(shell, "vlan 20", "name printers")
    out = config(shell, "vtp mode transparent", "vtp mode transparent", "vlan 40", "name mgmt")
    assert out[1] == "Setting device to VTP Transparent mode for VLANS."
    assert out[2] == "Device mode already VTP Transparent for VLANS."
    text = running(shell)
    assert "\nvtp mode transparent\n" in text
    assert "\nvlan 20\n name printers\n!\nvlan 40\n name mgmt\n" in text
    # IOS order: vtp before spanning-tree, VLAN blocks after `vlan internal allocation`
    assert text.index("vtp mode") < text.index("spanning-tree mode") < text.index("vlan 20")
    assert text.index("vlan internal allocation") < text.index("vlan 20")
    assert (
        "VTP Operating Mode                : Transparent"
        in shell.handle_line("show vtp status").text
    )
    out = config(shell, "no vtp mode")
    assert out[1] == "Setting device to VTP Server mode for VLANS."
    text = running(shell)
    assert "vtp mode" not in text and "\nvlan 20" not in text
    assert "20   printers" in shell.handle_line("show vlan brief").text


def test_two_vlans_cannot_share_a_name(shell):
    out = config(shell, "vlan 10", "name admins", "vlan 12", "name admins", "name ops")
    assert out[4] == "VLAN #12 and #10 have an identical name: admins"
    brief = shell.handle_line("show vlan brief").text
    assert re.search(r"^12   ops ", brief, re.M) and re.search(r"^10   admins ", brief, re.M)
    assert "vlan.dat" in shell.handle_line("dir flash:").text


def test_vtp_client_refuses_vlan_changes(shell):
    config(shell, "vlan 20")
    out = config(shell, "vtp mode client", "vlan 30", "no vlan 20", "vlan 20", "name x")
    assert out[1] == "Setting device to VTP Client mode for VLANS."
    assert out[2] == CLIENT_VLAN and out[3] == CLIENT_VLAN and out[4] == CLIENT_VLAN
    brief = shell.handle_line("show vlan brief").text
    assert "\n20   VLAN0020" in brief and "\n30 " not in brief
    assert "vtp mode" not in running(shell)  # client mode is in vlan.dat, not the config


def test_vlan_database_survives_a_reload_unless_saved_transparent(device, shell):
    config(shell, "vlan 20")  # server mode: written to vlan.dat at once, no `write` needed
    device.reload()
    assert "\n20   VLAN0020" in shell.handle_line("show vlan brief").text
    config(shell, "vtp mode transparent", "vlan 30")
    shell.handle_line("write memory")
    config(shell, "vlan 40")  # not saved: startup (transparent) wins over vlan.dat
    device.reload()
    brief = shell.handle_line("show vlan brief").text
    assert "\n30 " in brief and "\n40 " not in brief and "\n20 " in brief


# ----- 2. platform lines, secrets, SNMPv3 users -----


def test_factory_running_config_has_the_c1000_platform_lines(shell):
    text = running(shell)
    assert "\nversion 15.2\nno service pad\n" in text
    assert "\nswitch 1 provision c1000-8p-2g-l\nsystem mtu routing 1500\n" in text
    assert text.index("no aaa new-model") < text.index("switch 1 provision")
    assert "\ninterface Vlan1\n no ip address\n" in text
    # the provision line cannot be removed or changed to another model
    out = config(shell, "no switch 1 provision", "switch 1 provision c1000-24p-4g-l")
    assert out[1] == "" and INVALID in out[2]
    assert "switch 1 provision c1000-8p-2g-l" in running(shell)
    assert config(shell, "version 15.2")[1] == ""


def test_secrets_are_hashed_with_a_random_salt(shell):
    config(
        shell,
        "username digikel privilege 15 secret Sup3r-secret",
        "enable secret Other-secret",
        "line vty 0 4",
        "password line-pass",
    )
    text = running(shell)
    assert "Sup3r-secret" not in text and "Other-secret" not in text
    first = re.search(r"^username digikel privilege 15 secret 9 (\$9\$\S{14}\$\S{43})$", text, re.M)
    assert first and re.search(r"^enable secret 9 \$9\$", text, re.M)
    # without `service password-encryption` IOS keeps a line password in clear
    assert "\nline vty 0 4\n login\n password line-pass\n" in text
    config(shell, "service password-encryption")
    text = running(shell)
    assert "line-pass" not in text and re.search(r"^ password 7 [0-9A-F]+$", text, re.M)
    # the same password again: a new salt, a new line (so a re-push is never a no-op)
    config(shell, "username digikel privilege 15 secret Sup3r-secret")
    text = running(shell)
    assert text.count("username digikel") == 1 and first.group(1) not in text
    assert cfg.hide_secrets("enable secret 9 $9$abc$def") == "enable secret 9 $9$abc$def"


def test_snmp_users_are_only_in_show_snmp_user(shell):
    config(shell, "snmp-server user mon RO v3 auth sha AuthPass1 priv aes 128 PrivPass1")
    text = running(shell)
    assert "AuthPass1" not in text and "snmp-server user" not in text
    users = shell.handle_line("show snmp user").text
    assert users.startswith("User name: mon\nEngine ID: 800000090300")
    assert "\nAuthentication Protocol: SHA\nPrivacy Protocol: AES128\nGroup-name: RO\n" in users
    assert config(shell, "snmp-server user mon")[1] == "% Incomplete command."
    config(shell, "no snmp-server user mon RO v3")
    assert shell.handle_line("show snmp user").text == ""


# ----- 5. `no` lines only where IOS prints them; input normalised as IOS does -----


def test_no_lines_only_where_ios_prints_them(shell):
    config(
        shell,
        "interface Gi1/0/2",
        "switchport mode access",
        "switchport access vlan 20",
        "shutdown",
        "no shutdown",
        "no switchport mode",
        "no switchport access vlan",
        "interface Gi1/0/3",
        "switchport mode access",
        "no switchport mode access",
        "switchport mode dynamic auto",
        "switchport access vlan 1",
        "interface Vlan10",
        "ip address 10.0.0.2 255.255.255.0",
        "no ip address",
        "no ip http server",
        "no ip domain lookup",
        "ip domain name example.org",
        "no spanning-tree mode",
        "no service password-encryption",
    )
    text = running(shell)
    assert "no switchport" not in text and "no shutdown" not in text
    assert "\ninterface GigabitEthernet1/0/2\n!" in text
    assert "\ninterface GigabitEthernet1/0/3\n!" in text
    assert "\ninterface Vlan10\n no ip address\n" in text
    assert "\nno ip http server\n" in text and "\nno ip domain-lookup\n" in text
    assert "\nip domain-name example.org\n" in text and "ip domain name" not in text
    assert "\nspanning-tree mode pvst\n" in text
    assert "\nno service password-encryption\n" in text
    config(shell, "ip domain lookup", "no hostname")
    text = running(shell)
    assert "domain-lookup" not in text and "\nhostname Switch\n" in text


def test_l2_ports_refuse_ip_addresses_and_routing(shell):
    out = config(shell, "interface Gi1/0/4", "ip address 10.0.0.1 255.255.255.0", "no switchport")
    assert out[2] == "% IP addresses may not be configured on L2 links."
    assert INVALID in out[3]
    assert "\ninterface GigabitEthernet1/0/4\n!" in running(shell)


def test_interface_settings_print_in_ios_order(shell):
    config(
        shell,
        "interface Gi1/0/2",
        "spanning-tree portfast edge",
        "switchport mode access",
        "sw acc vl 20",
        "desc counter-2",
        "description counter-2b",
        "interface Gi1/0/9",
        "switchport mode trunk",
        "switchport trunk allowed vlan 10,11,12,20",
        "switchport trunk allowed vlan add 30",
        "switchport trunk allowed vlan remove 11",
        "interface Gi1/0/10",
        "switchport trunk allowed vlan 5",
        "switchport trunk allowed vlan all",
    )
    text = running(shell)
    assert block(text, "interface GigabitEthernet1/0/2") == (
        " description counter-2b\n switchport access vlan 20\n switchport mode access\n"
        " spanning-tree portfast edge"
    )
    assert block(text, "interface GigabitEthernet1/0/9") == (
        " switchport trunk allowed vlan 10,12,20,30\n switchport mode trunk"
    )
    assert "\ninterface GigabitEthernet1/0/10\n!" in text
    # the VLAN an access port names is created, as IOS does
    assert "% Access VLAN does not exist. Creating vlan 20" not in text
    assert "\n20   VLAN0020" in shell.handle_line("show vlan brief").text


def test_portfast_warns_and_is_an_edge_port(shell):
    out = config(shell, "interface Gi1/0/6", "spanning-tree portfast")
    assert out[2].startswith("%Warning: portfast should only be enabled on ports connected")
    assert out[2].endswith(
        "%Portfast has been configured on GigabitEthernet1/0/6 but will only\n"
        " have effect when the interface is in a non-trunking mode."
    )
    out = config(shell, "interface range Gi1/0/7 - 8", "spanning-tree portfast edge")
    assert "%Portfast will be configured in 2 interfaces due to the range command" in out[2]
    config(shell, "spanning-tree portfast bpduguard default")
    text = running(shell)
    assert "\ninterface GigabitEthernet1/0/6\n spanning-tree portfast edge\n" in text
    assert "\nspanning-tree portfast edge bpduguard default\n" in text
    config(shell, "interface Gi1/0/6", "no spanning-tree portfast")
    assert "\ninterface GigabitEthernet1/0/6\n!" in running(shell)


def test_an_access_vlan_that_does_not_exist_is_created(shell):
    out = config(shell, "interface Gi1/0/5", "switchport access vlan 55")
    assert out[2] == "% Access VLAN does not exist. Creating vlan 55"
    assert "\n55   VLAN0055" in shell.handle_line("show vlan brief").text


def test_rollback_commands_from_intended_reach_the_factory_text(device, shell):
    """What a differ sends to go back from an intended config to the factory one converges:
    afterwards the running config is the factory text, line for line."""
    factory = body(running(shell))
    config(
        shell,
        "hostname x-sw01",
        "no ip http server",
        "vtp mode transparent",
        "vlan 10",
        "name mgmt",
        "interface Gi1/0/1",
        "description counter-1",
        "switchport access vlan 10",
        "switchport mode access",
        "spanning-tree portfast edge",
        "interface Gi1/0/8",
        "description unused",
        "shutdown",
        "interface Vlan10",
        "description mgmt",
        "ip address 10.0.0.2 255.255.255.0",
        "interface Vlan1",
        "shutdown",
        "ip default-gateway 10.0.0.1",
    )
    assert body(running(shell)) != factory
    config(
        shell,
        "no hostname",
        "ip http server",
        "no vlan 10",
        "no vtp mode",
        "interface Gi1/0/1",
        "no description",
        "no switchport access vlan",
        "no switchport mode",
        "no spanning-tree portfast edge",
        "interface Gi1/0/8",
        "no description",
        "no shutdown",
        "no interface Vlan10",
        "interface Vlan1",
        "no shutdown",
        "no ip default-gateway",
    )
    assert body(running(shell)) == factory


def test_configure_replace_from_intended_to_factory_and_back(shell):
    config(shell, "file prompt quiet")
    shell.handle_line("copy running-config flash:factory.cfg")
    config(
        shell,
        "no file prompt quiet",
        "vtp mode transparent",
        "vlan 10",
        "name mgmt",
        "interface Gi1/0/1",
        "switchport access vlan 10",
        "switchport mode access",
    )
    intended = body(running(shell))
    shell.handle_line("copy running-config flash:intended.cfg")
    shell.pending.answer("")
    out = shell.handle_line("configure replace flash:factory.cfg force").text
    assert "Rollback Done" in out
    text = running(shell)
    assert "vtp mode" not in text and "switchport" not in text
    # the VLAN block left the text, so IOS deleted the VLAN too
    assert "\n10 " not in shell.handle_line("show vlan brief").text
    shell.handle_line("configure replace flash:intended.cfg force")
    assert body(running(shell)) == intended


# ----- 3. errors in IOS's words -----


def test_errors_answer_like_ios(shell):
    out = config(
        shell, "frobnicate", "hostname", "interface Gi1/0/99", "interface Gi1/0/1", "shut x"
    )
    assert out[1] == " " * len("Switch(config)#") + "^\n" + INVALID
    assert out[2] == "% Incomplete command."
    assert INVALID in out[3]
    caret, message = out[5].split("\n")
    assert message == INVALID and caret == " " * len("Switch(config-if)#shut ") + "^"
    assert INVALID in shell.handle_line("show frobs").text
    assert shell.handle_line("co").text == '% Ambiguous command:  "co"'


def test_ambiguous_words_in_configuration_mode(shell):
    out = config(shell, "s", "interface Gi1/0/1", "de x", "sw mode access")
    assert out[1] == '% Ambiguous command:  "s"'
    assert out[3] == '% Ambiguous command:  "de x"'
    assert out[4] == ""  # `sw` is `switchport` in the interface (tried before global commands)
    assert "\ninterface GigabitEthernet1/0/1\n switchport mode access\n" in running(shell)


def test_a_session_editing_a_block_keeps_editing_after_a_revert(device, shell, host):
    config(shell, "archive", "path flash:a")
    shell.handle_line("configure terminal revert timer 1")
    shell.handle_line("interface Gi1/0/3")
    shell.handle_line("description before-revert")
    host.fire("x-sw01", "revert")
    assert shell.prompt() == "Switch(config-if)#"
    shell.handle_line("description after-revert")
    shell.handle_line("end")
    text = running(shell)
    assert "before-revert" not in text
    assert "\ninterface GigabitEthernet1/0/3\n description after-revert\n" in text


def test_bad_vlan_lists_are_command_rejected(shell):
    out = config(
        shell,
        "vlan 5000",
        "vlan 10-x",
        "vlan 20-10",
        "interface Gi1/0/9",
        "switchport trunk allowed vlan 10,a",
        "no vlan 1",
        "no vlan 1002",
    )
    assert out[1] == (
        "Command rejected: Bad VLAN list - character #5 (EOL) delimits a VLAN number which is "
        "out of the range 1..4094."
    )
    assert (
        out[2] == "Command rejected: Bad VLAN list - character #4 is a non-numeric character ('x')."
    )
    assert out[3].startswith("Command rejected: Bad VLAN list - end of range not larger")
    assert out[5].startswith("Command rejected: Bad VLAN list - character #4 is a non-numeric")
    assert out[6] == "%Default VLAN 1 may not be deleted."
    assert out[7] == "%Default VLAN 1002 may not be deleted."


# ----- 4. the header -----


def test_header_counts_the_bytes_of_the_configuration(shell):
    text = running(shell)
    assert text.startswith("Building configuration...\n\nCurrent configuration : ")
    size = int(re.search(r"Current configuration : (\d+) bytes\n", text).group(1))
    assert size == len(text.split(" bytes\n", 1)[1])
    assert "! Last configuration change" not in text  # never changed since boot
    config(shell, "vlan 20")
    shell.handle_line("write memory")
    text = running(shell)
    assert re.search(
        r"^! Last configuration change at \d\d:\d\d:\d\d UTC \w{3} \w{3} \d\d \d{4} "
        r"by digikel$",
        text,
        re.M,
    )
    assert re.search(r"^! NVRAM config last updated at .* by digikel$", text, re.M)
    size = int(re.search(r"Current configuration : (\d+) bytes\n", text).group(1))
    assert size == len(text.split(" bytes\n", 1)[1])
    interface = shell.handle_line("show running-config interface Gi1/0/1").text
    size = int(re.search(r"Current configuration : (\d+) bytes\n", interface).group(1))
    assert size == len("interface GigabitEthernet1/0/1\nend\n")


# ----- 6. revert timer, confirm, lock -----


def test_revert_timer_needs_archive_reverts_and_confirm_cancels(device, shell, host):
    assert shell.handle_line("configure terminal revert timer 5").text == NO_ARCHIVE
    assert shell.prompt() == "Switch#"
    assert shell.handle_line("show archive config rollback timer").text == NO_PENDING
    config(shell, "archive", "path flash:$h-cfg", "maximum 3", "vtp mode transparent")
    out = shell.handle_line("configure terminal revert timer 5").text
    assert (
        "Rollback Confirmed Change: Backing up current running config to flash:Switch-cfg-0" in out
    )
    ((seconds, _),) = host.timers.values()
    assert seconds == pytest.approx(5 * 60 * 0.01)
    shell.handle_line("vlan 70")
    shell.handle_line("end")
    timer = shell.handle_line("show archive config rollback timer").text
    assert re.fullmatch(
        r"Time configured\(or reconfigured\): \d\d:\d\d:\d\d UTC .*\nTimer type: absolute timer\n"
        r"Timer value: 5 min\nUser: digikel",
        timer,
    )
    host.fire("x-sw01", "revert")
    assert "vlan 70" not in running(shell)
    assert "\n70 " not in shell.handle_line("show vlan brief").text
    shell.handle_line("configure terminal revert timer 5")
    shell.handle_line("vlan 80")
    shell.handle_line("end")
    assert shell.handle_line("configure confirm").text == ""
    assert host.timers == {}
    assert "vlan 80" in running(shell)
    assert shell.handle_line("configure confirm").text == NO_PENDING
    assert "flash:Switch-cfg-1 <- Most Recent" in shell.handle_line("show archive").text


def test_revert_in_server_mode_leaves_vlans_alone(device, shell, host):
    """VLANs of a VTP server are in no configuration text, so a rollback cannot undo them."""
    config(shell, "archive", "path flash:a")
    shell.handle_line("configure terminal revert timer 1")
    shell.handle_line("vlan 90")
    shell.handle_line("hostname changed")
    shell.handle_line("end")
    assert shell.handle_line("configure revert now").text == "Rollback Done"
    assert "hostname Switch" in running(shell)
    assert "\n90   VLAN0090" in shell.handle_line("show vlan brief").text


def test_revert_timer_rearm_keeps_the_first_snapshot(device, shell, host):
    config(shell, "archive", "path flash:a")
    shell.handle_line("configure terminal revert timer 1")
    shell.handle_line("hostname one")
    shell.handle_line("end")
    assert shell.handle_line("configure revert timer 10").text == ""
    assert "Timer value: 10 min" in shell.handle_line("show archive config rollback timer").text
    ((seconds, _),) = host.timers.values()
    assert seconds == pytest.approx(10 * 60 * 0.01)
    shell.handle_line("configure terminal revert timer idle 3")
    shell.handle_line("hostname two")
    shell.handle_line("end")
    assert "Timer type: idle timer" in shell.handle_line("show archive config rollback timer").text
    host.fire("x-sw01", "revert")
    assert "hostname Switch" in running(shell)


def test_configure_terminal_lock_refuses_a_second_writer(device, shell):
    other = privileged(device)
    out = shell.handle_line("configure terminal lock").text
    assert out.startswith(
        "Configuration mode locked exclusively. The lock will be cleared once you exit out of "
        "configuration mode using end/exit\nEnter configuration commands"
    )
    refused = other.handle_line("configure terminal").text
    assert re.fullmatch(
        r"Configuration mode locked exclusively by user 'digikel' process '\d+' from terminal "
        r"'\d+'\. Please try later\.",
        refused,
    )
    assert other.prompt() == "Switch#"
    assert other.handle_line("configure terminal revert timer 5").text == refused
    assert other.handle_line("configure replace flash:x force").text == refused
    shell.handle_line("end")
    assert other.handle_line("configure terminal").text.startswith("Enter configuration")
    # while someone configures, the lock is not granted (lab choice)
    assert "Please try later." in shell.handle_line("configure terminal lock").text
    other.handle_line("end")
    shell.handle_line("configure terminal lock")
    shell.close()  # a dropped session releases its lock
    assert other.handle_line("configure terminal").text.startswith("Enter configuration")


# ----- 7. show version per model and release -----


def test_show_version_per_model_and_release(device, shell):
    text = shell.handle_line("show version").text
    assert text.startswith(
        "Cisco IOS Software, C1000 Software (C1000-UNIVERSALK9-M), Version 15.2(7)E10, RELEASE"
    )
    assert 'System image file is "flash:c1000-universalk9-mz.152-7.E10.bin"' in text
    assert re.search(r"^Model number\s+: C1000-8P-2G-L$", text, re.M)
    serial = re.search(r"^System serial number\s+: ([A-Z]{3}\d{4}[0-9A-Z]{4})$", text, re.M)
    assert serial and f"Processor board ID {serial.group(1)}" in text
    assert "\n10 Gigabit Ethernet interfaces\n" in text
    device.set_software("15.2(7)E4")
    device.reset()
    text = shell.handle_line("show version").text
    assert "Version 15.2(7)E4," in text and "c1000-universalk9-mz.152-7.E4.bin" in text
    with pytest.raises(ValueError):
        device.set_software("7.16.2")


# ----- 8. factory states -----


def test_defconf_of_a_c1000_is_the_blank_config(host):
    blank = IosDevice(SPEC, None, host)
    defconf = IosDevice(SPEC, None, host, factory="defconf")
    assert blank.config_text(blank.view()) == defconf.config_text(defconf.view())
    defconf.reset("blank")
    with pytest.raises(ValueError):
        IosDevice(SPEC, None, host, factory="nope")


def test_old_state_files_move_vlans_to_vlan_dat(host):
    old = IosDevice(SPEC, None, host).state
    del old["vtp"], old["vlans"]
    old["running"].append({"line": "vlan 20", "children": ["name printers"]})
    device = IosDevice(SPEC, old, host)
    assert device.vlan_db == [{"line": "vlan 20", "children": ["name printers"]}]
    assert "vlan 20" not in device.config_text(device.view())


# ----- the rest of the CLI -----


def test_write_memory_and_reload_back_to_startup(device, shell, host):
    config(shell, "hostname saved")
    assert shell.handle_line("write memory").text == "Building configuration...\n[OK]"
    config(shell, "hostname unsaved")
    assert shell.handle_line("reload").text.endswith("Save? [yes/no]: ")
    assert shell.pending.answer("maybe").text.startswith("% Please answer")
    assert shell.pending.answer("no").text == "Proceed with reload? [confirm]"
    assert shell.pending.answer("\r").close
    assert host.reboots == ["x-sw01"]
    device.reload()  # what the server does while the switch is down
    assert "hostname saved" in running(shell)


def test_copy_to_flash_and_configure_replace(shell):
    config(shell, "hostname before")
    assert shell.handle_line("copy running-config flash:base.cfg").text == (
        "Destination filename [base.cfg]? "
    )
    assert "bytes copied" in shell.pending.answer("").text
    config(shell, "hostname after", "file prompt quiet")
    assert "bytes copied" in shell.handle_line("copy run flash:quiet.cfg").text
    assert "Rollback Done" in shell.handle_line("configure replace flash:base.cfg force").text
    assert "hostname before" in running(shell)
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
        "interface GigabitEthernet1/0/3\n description counter-1\n switchport access vlan 20"
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


def test_a_changed_global_setting_keeps_its_place():
    lines = ["spanning-tree mode pvst", "spanning-tree extend system-id"]
    table = cfg.global_table()
    assert cfg.apply_setting(lines, "spanning-tree mode rapid-pvst", table) == [
        "spanning-tree mode rapid-pvst",
        "spanning-tree extend system-id",
    ]
    assert cfg.apply_setting(["service pad"], "no service pad", table) == ["no service pad"]
    timestamps = ["service timestamps debug datetime msec"]
    assert cfg.apply_setting(timestamps, "service timestamps log datetime msec", table) == [
        "service timestamps debug datetime msec",
        "service timestamps log datetime msec",
    ]


GOLDEN = "tests/unit/network/golden/sungai-keledang/sungai-keledang-sw01.cfg"


def test_the_intended_switch_config_is_shown_back_as_pushed(tmp_path):
    """Every line of the product's rendered C1000 config (its golden file) is taken and shown
    back in its block; pushing it a second time leaves the text unchanged. Secrets are left
    out: IOS shows them hashed (new salt) or not at all (SNMPv3 users)."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[3]
    rendered = (root / GOLDEN).read_text()
    spec = DeviceSpec("sungai-keledang-sw01", "ios", "C1000-24P-4G-L", "h", 1, "u", "pw", "s")
    device = IosDevice(spec, None, OfflineHost())
    shell = privileged(device)
    answers = config(shell, *[line for line in rendered.splitlines() if line.strip() != "!"])
    notes = [a for a in answers[1:] if a]
    # IOS's own remarks, not errors: the VTP mode change and the PortFast warning per port
    assert notes[0] == "Setting device to VTP Transparent mode for VLANS."
    assert notes[1:] and all(n.startswith("%Warning: portfast should only") for n in notes[1:])
    text = running(shell)

    def pairs(config_text):
        found = set()
        for entry in cfg.parse(config_text):
            found.add((entry["line"], ""))
            found.update((entry["line"], child) for child in entry["children"])
        return found

    secret = re.compile(r"^(username \S+ .*secret|snmp-server user )")
    wanted = {p for p in pairs(rendered) if not secret.match(p[0])}
    missing = wanted - pairs(text)
    assert not missing, sorted(missing)
    shell.prompt()  # the hostname changed: the prompt follows
    assert shell.prompt() == "sungai-keledang-sw01#"
    again = [
        line for line in rendered.splitlines() if line.strip() != "!" and not secret.match(line)
    ]
    config(shell, *again)
    assert body(running(shell)) == body(text)
    # a standard ACL has IOS's own prompt
    shell.handle_line("configure terminal")
    shell.handle_line("ip access-list standard MGMT-FROM-DC")
    assert shell.prompt() == "sungai-keledang-sw01(config-std-nacl)#"


# ----- out of the box: no RSA key, no SSH (docs/lab.md, "Console and RSA key") -----
def test_an_unboxed_switch_has_no_rsa_key_until_one_is_generated(host):
    device = IosDevice(SPEC, None, host, factory="unboxed")
    assert not device.rsa_key
    shell = device.open_shell("", console=True)
    assert shell.prompt() == "Switch>"
    assert shell.handle_line("enable").text == ""  # a console without an enable secret
    assert shell.prompt() == "Switch#"
    assert "SSH Disabled - version 1.99" in shell.handle_line("show ip ssh").text
    out = config(shell, "crypto key generate rsa modulus 2048")
    assert out[1] == "% Please define a hostname other than Switch.\n"
    out = config(shell, "hostname x-sw01", "crypto key generate rsa modulus 2048")
    assert out[2] == "% Please define a domain-name first.\n"
    assert not device.rsa_key
    out = config(shell, "ip domain-name example.org", "crypto key generate rsa modulus 2048")
    assert "The name for the keys will be: x-sw01.example.org" in out[2]
    assert "% Generating 2048 bit RSA keys, keys will be non-exportable..." in out[2]
    assert device.rsa_key
    assert "crypto" not in running(shell)  # the key pair is not configuration
    config(shell, "ip ssh version 2")
    assert "SSH Enabled - version 2.0" in shell.handle_line("show ip ssh").text
    out = config(shell, "crypto key generate rsa modulus 2048")
    assert "You already have RSA keys defined named x-sw01.example.org" in out[1]


def test_rsa_key_without_modulus_asks_the_size(host):
    device = IosDevice(SPEC, None, host, factory="unboxed")
    shell = privileged(device)
    config(shell, "hostname x-sw01", "ip domain-name example.org")
    shell.handle_line("configure terminal")
    assert shell.handle_line("crypto key generate rsa").text.endswith(
        "How many bits in the modulus [512]: "
    )
    assert "2048 bit RSA keys" in shell.pending.answer("2048").text
    assert device.rsa_key


def test_blank_and_defconf_switches_have_a_key_and_reset_keeps_the_choice(host):
    assert IosDevice(SPEC, None, host).rsa_key
    device = IosDevice(SPEC, None, host, factory="defconf")
    assert device.rsa_key
    device.reset("unboxed")
    assert not device.rsa_key


def test_a_vty_session_still_needs_the_enable_secret(device):
    shell = device.open_shell("digikel")
    assert shell.handle_line("enable").text == "Password: "
