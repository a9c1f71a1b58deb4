"""Noise stripping of fetched configurations and the IOS remediation wrapper."""

from __future__ import annotations

from digikel.network.ios_config import remediation, settle_create_only
from digikel.network.noise import REDACTED, strip_noise

ROS_A = """# 2026-11-29 08:00:00 by RouterOS 7.16.2
# software id = ABCD-EF01
#
# model = RB5009UG+S+IN
# serial number = 0123456789AB
/system identity
set name=rtr01
"""
ROS_B = ROS_A.replace("08:00:00", "09:13:44")

IOS_A = """Building configuration...

Current configuration : 1234 bytes
!
! Last configuration change at 08:00:01 WITA Sun Nov 29 2026 by digikel
! NVRAM config last updated at 08:00:05 WITA Sun Nov 29 2026 by digikel
!
version 15.2
hostname sw01
username digikel privilege 15 password 7 0822455D0A16
!
end
"""


def test_routeros_timestamp_and_serial_lines_go_so_unchanged_devices_give_no_diff():
    a, b = strip_noise("routeros", ROS_A), strip_noise("routeros", ROS_B)
    assert a == b
    assert "by RouterOS" not in a and "serial number" not in a
    assert "# model = RB5009UG+S+IN" in a and a.endswith("set name=rtr01\n")


def test_ios_volatile_lines_go_and_type7_passwords_are_redacted():
    out = strip_noise("ios", IOS_A.replace("\n", "\r\n"))
    assert "Building configuration" not in out and "Current configuration" not in out
    assert "Last configuration change" not in out and "NVRAM config" not in out
    assert "\r" not in out
    assert f"password 7 {REDACTED}" in out and "0822455D0A16" not in out
    assert strip_noise("ios", IOS_A.replace("08:00:01", "10:11:12")) == out


def test_vault_values_are_scrubbed_longest_first():
    text = "/ppp secret\nadd name=x password=hunter2hunter2\n"
    out = strip_noise("routeros", text, ["hunter2", "hunter2hunter2"])
    assert "hunter2" not in out and f"password={REDACTED}" in out


RUN = """version 15.2
hostname sw01
username digikel privilege 15 secret 9 $9$abc$def
vlan 10
 name mgmt
interface GigabitEthernet1/0/1
 description old
 switchport access vlan 20
 switchport mode access
interface Vlan10
 ip address 10.81.0.2 255.255.255.0
end
"""
WANT = """hostname sw01
username digikel privilege 15 secret s3cret
vlan 10
 name mgmt
vlan 20
 name counters
interface GigabitEthernet1/0/1
 description pc01
 switchport access vlan 20
 switchport mode access
interface Vlan10
 ip address 10.81.0.3 255.255.255.0
"""


def test_ios_remediation_changes_only_what_differs_without_pointless_negations():
    cmds = remediation(RUN, WANT)
    assert cmds == [
        "vlan 20",
        " name counters",
        "interface GigabitEthernet1/0/1",
        " description pc01",
        "interface Vlan10",
        " ip address 10.81.0.3 255.255.255.0",
    ]


def test_ios_user_secret_is_create_only_unless_rotating():
    assert "username digikel privilege 15 secret 9 $9$abc$def" in settle_create_only(RUN, WANT)
    assert not [c for c in remediation(RUN, WANT) if c.startswith("username")]
    rotated = remediation(RUN, WANT, rotate_secrets=True)
    assert "username digikel privilege 15 secret s3cret" in rotated
    # A device without the user gets it.
    fresh = RUN.replace("username digikel privilege 15 secret 9 $9$abc$def\n", "")
    assert "username digikel privilege 15 secret s3cret" in remediation(fresh, WANT)


def test_ios_second_remediation_after_applying_is_empty():
    applied = WANT.replace("secret s3cret", "secret 9 $9$abc$def")
    assert remediation(applied, WANT) == []


def test_backup_snmp_user_lines_take_their_keys_from_the_vault():
    from digikel.network.ios_config import fill_snmp_users

    backup = "hostname sw01\nsnmp-server user ro RO v3\nsnmp-server user other G v3\n"
    intended = "snmp-server user ro RO v3 auth sha A priv aes 128 P\n"
    assert fill_snmp_users(backup, intended) == (
        "hostname sw01\nsnmp-server user ro RO v3 auth sha A priv aes 128 P\n"
        "snmp-server user other G v3\n"
    )


def test_snmp_users_from_show_snmp_user():
    from digikel.network.platforms import snmp_user_lines

    out = (
        "\nUser name: digikel-ro\nEngine ID: 800000090300000000000000\n"
        "storage-type: nonvolatile        active\nGroup-name: DIGIKEL-RO\n"
    )
    assert snmp_user_lines(out) == ["snmp-server user digikel-ro DIGIKEL-RO v3"]
    assert snmp_user_lines("") == []


def test_restoring_a_backup_keeps_the_archive_the_revert_timer_needs():
    from digikel.network.ios_config import keep_archive

    current = "hostname a\narchive\n path flash:x\n maximum 14\nline vty 0 4\n login local\n"
    assert keep_archive("hostname a\n", current) == (
        "hostname a\narchive\n path flash:x\n maximum 14\n"
    )
    assert keep_archive("archive\n path flash:y\n", current) == "archive\n path flash:y\n"
    assert (
        remediation(current, keep_archive("hostname a\nline vty 0 4\n login local\n", current))
        == []
    )
