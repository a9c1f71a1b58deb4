"""Real Netmiko sessions (device_type cisco_ios, strict host keys) against the lab's IOS switch."""

from __future__ import annotations

import time

import pytest
from netmiko import ConnectHandler
from netmiko.exceptions import ConfigInvalidException

pytestmark = pytest.mark.lab

ERRORS = r"(% ?Invalid input|% ?Incomplete command|% ?Ambiguous command|% ?Error)"


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
                " description counter-1",
                " switchport mode access",
                " switchport access vlan 20",
                f"username digikel privilege 15 secret {lab_password}",
                "line vty 0 15",
                " login local",
                " transport input ssh",
            ],
            error_pattern=ERRORS,
        )
    config = running(lab, switch, known_hosts)
    assert config.startswith("Building configuration...")
    assert "Current configuration : " in config
    assert "! Last configuration change at " in config
    assert "vlan 20\n name counters\n" in config
    block = "interface GigabitEthernet1/0/3\n description counter-1\n switchport mode access\n"
    assert block + " switchport access vlan 20\n" in config
    assert "username digikel privilege 15 secret 9 $9$" in config
    assert lab_password not in config
    assert "line vty 0 4\n login local\n transport input ssh\n" in config
    with ConnectHandler(**lab.netmiko_params(switch, known_hosts)) as conn:
        # privilege 15 for our user: the session starts in privileged exec
        assert conn.find_prompt() == "Switch#"
        brief = conn.send_command("show vlan brief")
        status = conn.send_command("show interfaces status")
    assert "20   counters" in brief and "Gi1/0/3" in brief.split("20   counters")[1]
    assert "Gi1/0/3      counter-1" in status


def test_no_and_default_interface_remove_lines(lab, switch, known_hosts):
    with connect(lab, switch, known_hosts) as conn:
        conn.send_config_set(
            ["interface Gi1/0/5", "description printer", "switchport access vlan 40", "vlan 40"],
            error_pattern=ERRORS,
        )
        conn.send_config_set(["interface Gi1/0/5", "no description", "no vlan 40"])
        config = conn.send_command("show running-config")
        assert "\nvlan 40\n" not in config
        assert "interface GigabitEthernet1/0/5\n switchport access vlan 40\n" in config
        conn.send_config_set(["default interface GigabitEthernet1/0/5"])
        config = conn.send_command("show running-config interface GigabitEthernet1/0/5")
        assert "switchport access vlan" not in config


def test_bad_commands_answer_like_ios(lab, switch, known_hosts):
    with connect(lab, switch, known_hosts) as conn:
        out = conn.send_config_set(["interface Gi1/0/1", "frobnicate now"], exit_config_mode=True)
        assert "% Invalid input detected at '^' marker." in out
        assert "% Incomplete command." in conn.send_config_set(["hostname"])
        assert "% Invalid input detected" in conn.send_command("show frobs")
        with pytest.raises(ConfigInvalidException):
            conn.send_config_set(["vlan 30", "bogus"], error_pattern=ERRORS)


def test_write_memory_survives_reload_and_unsaved_changes_do_not(lab, switch, known_hosts):
    conn = connect(lab, switch, known_hosts)
    conn.send_config_set(["vlan 50", "name saved"])
    assert "[OK]" in conn.save_config()
    conn.send_config_set(["vlan 60", "name unsaved"])
    assert "vlan 50" in conn.send_command("show startup-config")
    assert "vlan 60" not in conn.send_command("show startup-config")
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
    assert "vlan 50\n name saved" in config
    assert "vlan 60" not in config


def test_revert_timer_rolls_back_unless_confirmed(lab, switch, known_hosts):
    with connect(lab, switch, known_hosts) as conn:
        out = conn.send_command("configure terminal revert timer 1")
        assert "% Rollback Confirmed Change: please configure archive path" in out
        conn.send_config_set(["archive", "path flash:digikel", "maximum 5", "write-memory"])
        out = conn.send_config_set(
            ["vlan 70", "name confirmed"], config_mode_command="configure terminal revert timer 2"
        )
        assert "Rollback Confirmed Change: Backing up current running config to flash:" in out
        assert conn.send_command("configure confirm") == ""
        assert "% No Rollback Confirmed Change pending" in conn.send_command("configure confirm")
        # time scale 0.03: one minute is 1.8 s
        conn.send_config_set(
            ["vlan 80", "name reverted"], config_mode_command="configure terminal revert timer 1"
        )
        assert "vlan 80" in conn.send_command("show running-config")
        archive = conn.send_command("show archive")
    assert "flash:digikel-" in archive and "Most Recent" in archive
    deadline = time.monotonic() + 15
    config = running(lab, switch, known_hosts)
    while "vlan 80" in config and time.monotonic() < deadline:
        time.sleep(0.3)
        config = running(lab, switch, known_hosts)
    assert "vlan 80" not in config
    assert "vlan 70\n name confirmed" in config


def test_configure_replace_restores_a_flash_copy(lab, switch, known_hosts):
    with connect(lab, switch, known_hosts) as conn:
        conn.send_config_set(["vlan 90", "name before"])
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
