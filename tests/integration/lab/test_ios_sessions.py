"""Real Netmiko sessions (device_type cisco_ios, strict host keys) against the lab's IOS switch,
which behaves as a Catalyst 1000 on 15.2(7)E (docs/lab.md, "Cisco IOS")."""

from __future__ import annotations

import re
import time

import pytest
from netmiko import ConnectHandler
from netmiko.exceptions import ConfigInvalidException

pytestmark = pytest.mark.lab

ERRORS = (
    r"(% ?Invalid input|% ?Incomplete command|% ?Ambiguous command|% ?Error|Command rejected"
    r"|VTP VLAN configuration not allowed|% IP addresses may not)"
)


def connect(lab, name, known_hosts):
    conn = ConnectHandler(**lab.netmiko_params(name, known_hosts))
    conn.enable()
    return conn


@pytest.fixture
def switch(lab, names):
    lab.reset([names["switch"]])
    return names["switch"]


def running(lab, name, known_hosts) -> str:
    with connect(lab, name, known_hosts) as conn:
        return str(conn.send_command("show running-config"))


def body(text: str) -> str:
    """The configuration without the header lines that change with time."""
    return text.split("\nversion ", 1)[1]


def wait_for(predicate, timeout=15.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


def test_config_set_is_seen_by_a_new_session_and_secrets_are_hashed(
    lab, switch, known_hosts, lab_password
):
    with connect(lab, switch, known_hosts) as conn:
        assert conn.find_prompt() == "Switch#"
        conn.send_config_set(
            [
                "vlan 20",
                " name counters",
                "interface GigabitEthernet1/0/3",
                " switchport mode access",
                " switchport access vlan 20",
                " description counter-1",
                f"username digikel privilege 15 secret {lab_password}",
                "line vty 0 15",
                " login local",
                " transport input ssh",
            ],
            error_pattern=ERRORS,
        )
    config = running(lab, switch, known_hosts)
    assert config.startswith("Building configuration...")
    size = int(re.search(r"Current configuration : (\d+) bytes", config).group(1))
    # Netmiko strips the trailing newline; the count is of the text after the header line
    assert size == len(config.split(" bytes\n", 1)[1]) + 1
    assert "! Last configuration change at " in config
    # VTP server (the factory default): the VLAN is not in the running config
    assert not re.search(r"^vlan 20$", config, re.M)
    # printed in IOS's order, not the order typed
    block = "interface GigabitEthernet1/0/3\n description counter-1\n switchport access vlan 20\n"
    assert block + " switchport mode access\n" in config
    assert re.search(r"^username digikel privilege 15 secret 9 \$9\$\S{14}\$\S{43}$", config, re.M)
    assert lab_password not in config
    assert "switch 1 provision c1000-" in config
    assert "line vty 0 4\n login local\n transport input ssh\n" in config
    with ConnectHandler(**lab.netmiko_params(switch, known_hosts)) as conn:
        # privilege 15 for our user: the session starts in privileged exec
        assert conn.find_prompt() == "Switch#"
        brief = conn.send_command("show vlan brief")
        status = conn.send_command("show interfaces status")
        vtp = conn.send_command("show vtp status")
    assert "20   counters" in brief and "Gi1/0/3" in brief.split("20   counters")[1]
    assert "Gi1/0/3      counter-1" in status
    assert re.search(r"VTP Operating Mode\s+: Server", vtp)


def test_vtp_transparent_and_client_modes(lab, switch, known_hosts):
    with connect(lab, switch, known_hosts) as conn:
        out = conn.send_config_set(["vtp mode transparent", "vlan 30", "name printers"])
        assert "Setting device to VTP Transparent mode for VLANS." in out
        assert "\nvlan 30\n name printers\n" in conn.send_command("show running-config")
        out = conn.send_config_set(["vtp mode client"])
        assert "Setting device to VTP Client mode for VLANS." in out
        with pytest.raises(ConfigInvalidException) as refused:
            conn.send_config_set(["vlan 40"], error_pattern=ERRORS)
        assert "VTP VLAN configuration not allowed" in str(refused.value)
        config = conn.send_command("show running-config")
        assert "vtp mode" not in config and "vlan 30" not in config
        assert "\n40 " not in conn.send_command("show vlan brief")


def test_snmp_users_only_in_show_snmp_user(lab, switch, known_hosts):
    with connect(lab, switch, known_hosts) as conn:
        conn.send_config_set(
            ["snmp-server user mon RO v3 auth sha AuthPass1 priv aes 128 PrivPass1"],
            error_pattern=ERRORS,
        )
        assert "snmp-server user" not in conn.send_command("show running-config")
        users = conn.send_command("show snmp user")
    assert "User name: mon" in users and "Group-name: RO" in users
    assert "Authentication Protocol: SHA" in users and "Privacy Protocol: AES128" in users


def test_no_lines_only_where_ios_prints_them(lab, switch, known_hosts):
    with connect(lab, switch, known_hosts) as conn:
        conn.send_config_set(
            [
                "interface Gi1/0/5",
                "description printer",
                "switchport mode access",
                "switchport access vlan 40",
                "shutdown",
                "interface Vlan40",
                "ip address 10.9.0.2 255.255.255.0",
            ],
            error_pattern=ERRORS,
        )
        conn.send_config_set(
            [
                "interface Gi1/0/5",
                "no description",
                "no switchport mode",
                "no shutdown",
                "interface Vlan40",
                "no ip address",
                "no ip http server",
            ],
            error_pattern=ERRORS,
        )
        config = conn.send_command("show running-config")
        assert "no switchport" not in config and "no shutdown" not in config
        assert "interface GigabitEthernet1/0/5\n switchport access vlan 40\n!" in config
        assert "interface Vlan40\n no ip address\n" in config
        assert "\nno ip http server\n" in config
        conn.send_config_set(["default interface GigabitEthernet1/0/5"])
        config = conn.send_command("show running-config interface GigabitEthernet1/0/5")
        assert "switchport access vlan" not in config
        out = conn.send_config_set(["interface Gi1/0/6", "ip address 10.0.0.1 255.0.0.0"])
        assert "% IP addresses may not be configured on L2 links." in out


def test_bad_commands_answer_like_ios(lab, switch, known_hosts):
    with connect(lab, switch, known_hosts) as conn:
        out = conn.send_config_set(["interface Gi1/0/1", "frobnicate now"], exit_config_mode=True)
        assert "% Invalid input detected at '^' marker." in out
        assert "% Incomplete command." in conn.send_config_set(["hostname"])
        assert "% Invalid input detected" in conn.send_command("show frobs")
        assert '% Ambiguous command:  "co"' in conn.send_command("co")
        out = conn.send_config_set(["vlan 5000"])
        assert "Command rejected: Bad VLAN list - character #5 (EOL) delimits a VLAN" in out
        with pytest.raises(ConfigInvalidException):
            conn.send_config_set(["vlan 30", "bogus"], error_pattern=ERRORS)


def test_write_memory_survives_reload_and_unsaved_changes_do_not(lab, switch, known_hosts):
    conn = connect(lab, switch, known_hosts)
    # (the hostname stays: a new one changes the prompt Netmiko waits for)
    conn.send_config_set(["snmp-server location saved-loc"])
    assert "[OK]" in conn.save_config()
    conn.send_config_set(["snmp-server location unsaved-loc"])
    assert "snmp-server location saved-loc" in conn.send_command("show startup-config")
    assert "! NVRAM config last updated at " in conn.send_command("show running-config")
    try:
        out = conn.send_command("reload", expect_string=r"\[yes/no\]:")
        assert "System configuration has been modified. Save? [yes/no]:" in out
        out = conn.send_command("no", expect_string=r"\[confirm\]")
        assert "Proceed with reload? [confirm]" in out
        conn.write_channel("\n")
    finally:
        conn.remote_conn_pre.close()  # the switch drops the session; skip netmiko's goodbye
    deadline = time.monotonic() + 10
    while lab.server.runtimes[switch].up and time.monotonic() < deadline:
        time.sleep(0.05)
    lab.wait_up(switch)
    config = running(lab, switch, known_hosts)
    assert "snmp-server location saved-loc" in config
    assert "unsaved-loc" not in config


def test_revert_timer_rolls_back_unless_confirmed(lab, switch, known_hosts):
    with connect(lab, switch, known_hosts) as conn:
        out = conn.send_command("configure terminal revert timer 1")
        assert out == "%Turn config archive on before using Rollback Confirmed Change"
        conn.send_config_set(["archive", "path flash:digikel", "maximum 5", "write-memory"])
        assert conn.send_command("show archive config rollback timer") == (
            "%No Rollback Confirmed Change pending"
        )
        out = conn.send_config_set(
            ["snmp-server location confirmed"],
            config_mode_command="configure terminal revert timer 2",
        )
        assert "Rollback Confirmed Change: Backing up current running config to flash:" in out
        timer = conn.send_command("show archive config rollback timer")
        assert "Timer type: absolute timer\nTimer value: 2 min\nUser: digikel" in timer
        assert conn.send_command("configure confirm") == ""
        assert conn.send_command("configure confirm") == "%No Rollback Confirmed Change pending"
        # time scale 0.03: one minute is 1.8 s
        conn.send_config_set(
            ["snmp-server location reverted"],
            config_mode_command="configure terminal revert timer 1",
        )
        assert "snmp-server location reverted" in conn.send_command("show running-config")
        archive = conn.send_command("show archive")
    assert "flash:digikel-" in archive and "Most Recent" in archive
    assert wait_for(lambda: "location reverted" not in running(lab, switch, known_hosts))
    assert "snmp-server location confirmed" in running(lab, switch, known_hosts)


def test_a_dropped_session_is_still_reverted(lab, switch, known_hosts):
    """The revert timer lives on the device: the session that armed it dies mid-change (the
    connection is cut after the first config line), the change is undone later anyway."""
    with connect(lab, switch, known_hosts) as conn:
        conn.send_config_set(["archive", "path flash:digikel"])
    lab.inject(switch, "drop", after=1)
    conn = connect(lab, switch, known_hosts)
    try:
        with pytest.raises(Exception):  # noqa: B017  (Netmiko raises OSError or EOFError)
            conn.send_config_set(
                ["snmp-server location half-done", "interface Gi1/0/2", "shutdown"],
                config_mode_command="configure terminal revert timer 5",
                read_timeout=3,
            )
    finally:
        conn.remote_conn_pre.close()
    # applied up to the cut; the revert (5 min at time scale 0.03: 9 s) undoes it later
    config = running(lab, switch, known_hosts)
    assert "location half-done" in config and "shutdown" not in config
    assert wait_for(lambda: "half-done" not in running(lab, switch, known_hosts), timeout=25)
    with connect(lab, switch, known_hosts) as conn:
        pending = conn.send_command("show archive config rollback timer")
    assert pending == "%No Rollback Confirmed Change pending"


def test_configure_terminal_lock_refuses_a_second_session(lab, switch, known_hosts):
    holder = connect(lab, switch, known_hosts)
    other = connect(lab, switch, known_hosts)
    try:
        out = holder.config_mode(config_command="configure terminal lock")
        assert (
            "Configuration mode locked exclusively. The lock will be cleared once you exit" in out
        )
        refused = other.send_command("configure terminal", expect_string=r"#")
        assert re.search(
            r"Configuration mode locked exclusively by user 'digikel' process '\d+' from "
            r"terminal '\d+'\. Please try later\.",
            refused,
        )
        assert other.find_prompt() == "Switch#"  # still in exec mode
        holder.exit_config_mode()
        assert other.send_config_set(["snmp-server location after-lock"], error_pattern=ERRORS)
        holder.config_mode(config_command="configure terminal lock")
    finally:
        holder.remote_conn_pre.close()  # a dropped holder releases its lock
        other.disconnect()
    time.sleep(0.3)
    with connect(lab, switch, known_hosts) as conn:
        conn.send_config_set(["snmp-server location unlocked"], error_pattern=ERRORS)
    assert "snmp-server location unlocked" in running(lab, switch, known_hosts)


def test_rollback_intended_to_factory_and_back_converges(lab, switch, known_hosts):
    """From an intended configuration back to the factory one and forward again: each time
    the running config ends exactly on the target text."""
    factory = body(running(lab, switch, known_hosts))
    intended_lines = [
        "file prompt quiet",
        "snmp-server location x",
        "no ip http server",
        "vtp mode transparent",
        "vlan 10",
        "name mgmt",
        "interface Gi1/0/1",
        "switchport access vlan 10",
        "switchport mode access",
        "spanning-tree portfast edge",
        "interface Gi1/0/2",
        "description unused",
        "shutdown",
        "interface Vlan10",
        "ip address 10.0.0.2 255.255.255.0",
    ]
    with connect(lab, switch, known_hosts) as conn:
        conn.send_config_set(intended_lines, error_pattern=ERRORS)
        intended = body(conn.send_command("show running-config"))
        conn.send_command("copy running-config flash:intended.cfg")
        # back to factory by commands, as a differ sends them
        conn.send_config_set(
            [
                "no snmp-server location",
                "ip http server",
                "no vlan 10",
                "no vtp mode",
                "interface Gi1/0/1",
                "no switchport access vlan",
                "no switchport mode",
                "no spanning-tree portfast edge",
                "interface Gi1/0/2",
                "no description",
                "no shutdown",
                "no interface Vlan10",
                "no file prompt quiet",
            ],
            error_pattern=ERRORS,
        )
        assert body(conn.send_command("show running-config")) == factory
        out = conn.send_command("configure replace flash:intended.cfg force")
        assert "Rollback Done" in out
        assert body(conn.send_command("show running-config")) == intended


def test_show_version_per_model_and_release(lab, switch, known_hosts):
    model = lab.spec(switch).model
    with connect(lab, switch, known_hosts) as conn:
        text = conn.send_command("show version")
    assert "C1000 Software (C1000-UNIVERSALK9-M), Version 15.2(7)E10, RELEASE" in text
    assert re.search(rf"^Model number\s+: {re.escape(model)}$", text, re.M)
    assert re.search(r"^System serial number\s+: [A-Z]{3}\d{4}[0-9A-Z]{4}$", text, re.M)
    lab.server.runtimes[switch].device.set_software("15.2(7)E4")
    try:
        with connect(lab, switch, known_hosts) as conn:
            text = conn.send_command("show version")
        assert "Version 15.2(7)E4," in text and "c1000-universalk9-mz.152-7.E4.bin" in text
    finally:
        lab.server.runtimes[switch].device.set_software("15.2(7)E10")


def test_configure_replace_restores_a_flash_copy(lab, switch, known_hosts):
    with connect(lab, switch, known_hosts) as conn:
        conn.send_config_set(["vtp mode transparent", "vlan 90", "name before"])
        out = conn.send_command("copy running-config flash:backup-1.cfg", expect_string=r"\?")
        assert "Destination filename [backup-1.cfg]?" in out
        assert "bytes copied" in conn.send_command("\n", expect_string=r"#")
        conn.send_config_set(["no vlan 90", "vlan 91", "name after"])
        assert "backup-1.cfg" in conn.send_command("dir flash:")
        out = conn.send_command("configure replace flash:backup-1.cfg force")
        assert "Rollback Done" in out
        config = conn.send_command("show running-config")
    assert "vlan 90\n name before" in config
    assert "vlan 91" not in config
