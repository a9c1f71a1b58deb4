"""Each injected fault, seen through real Netmiko sessions."""

from __future__ import annotations

import socket
import time

import pytest
from netmiko import ConnectHandler
from netmiko.exceptions import (
    ConfigInvalidException,
    NetmikoAuthenticationException,
    NetmikoTimeoutException,
    ReadTimeout,
)

pytestmark = pytest.mark.lab

ERRORS = r"(bad command name|expected end of command|failure:|no such item)"


def connect(lab, name, known_hosts):
    return ConnectHandler(**lab.netmiko_params(name, known_hosts))


@pytest.fixture
def ap(lab, names):
    lab.reset([names["ap"]])
    lab.clear(names["ap"])
    yield names["ap"]
    lab.clear(names["ap"])


def test_wrong_credentials_are_refused_until_cleared(lab, ap, known_hosts):
    lab.inject(ap, "auth")
    with pytest.raises(NetmikoAuthenticationException):
        connect(lab, ap, known_hosts)
    lab.clear(ap, "auth")
    with connect(lab, ap, known_hosts) as conn:
        assert conn.find_prompt().startswith("[digikel@")


def test_changed_host_key_is_refused_by_strict_checking(lab, ap, known_hosts):
    lab.inject(ap, "hostkey")
    with pytest.raises(NetmikoTimeoutException, match=r"(?i)host key"):
        connect(lab, ap, known_hosts)
    lab.clear(ap)
    with connect(lab, ap, known_hosts) as conn:
        assert conn.find_prompt().startswith("[digikel@")


def test_connection_drops_after_n_config_commands_and_only_those_apply(lab, ap, known_hosts):
    lab.inject(ap, "drop", after=2)
    conn = connect(lab, ap, known_hosts)
    # the session dies under Netmiko: it waits for a prompt that never comes
    with pytest.raises((ReadTimeout, OSError, EOFError)):
        conn.send_config_set(
            [f"/interface bridge add name=br-drop{i}" for i in range(1, 5)], read_timeout=2
        )
    conn.remote_conn_pre.close()
    with connect(lab, ap, known_hosts) as other:  # one shot: the next session works
        export = other.send_command("/export")
    assert "br-drop1" in export and "br-drop2" in export
    assert "br-drop3" not in export and "br-drop4" not in export
    status = {d["name"]: d for d in lab.status()["devices"]}
    assert "drop" not in status[ap]["faults"]


def test_command_error_answers_with_a_device_error(lab, ap, known_hosts):
    lab.inject(ap, "error", match="vlan-id=60")
    with connect(lab, ap, known_hosts) as conn:
        conn.send_config_set(["/interface bridge add name=br-ok"], error_pattern=ERRORS)
        with pytest.raises(ConfigInvalidException, match="matched error: failure:"):
            conn.send_config_set(
                ["/interface vlan add name=vlan60 vlan-id=60 interface=br-ok"],
                error_pattern=ERRORS,
            )
        export = conn.send_command("/export")
    assert "br-ok" in export and "vlan60" not in export


def test_slow_device_still_answers(lab, ap, known_hosts):
    lab.inject(ap, "slow", ms=150)
    status = {d["name"]: d for d in lab.status()["devices"]}
    assert status[ap]["faults"] == {"slow": {"ms": 150.0}}
    with connect(lab, ap, known_hosts) as conn:
        assert "name: MikroTik" in conn.send_command("/system identity print")


def test_reboot_drops_sessions_is_unreachable_then_back_with_config(lab, ap, known_hosts):
    with connect(lab, ap, known_hosts) as conn:
        conn.send_config_set(["/interface bridge add name=br-persist"])
    lab.inject(ap, "reboot", seconds=1.5)
    assert not lab.server.runtimes[ap].up
    with pytest.raises(NetmikoTimeoutException):
        ConnectHandler(**lab.netmiko_params(ap, known_hosts), conn_timeout=2)
    lab.wait_up(ap)
    with connect(lab, ap, known_hosts) as conn:
        assert "add name=br-persist" in conn.send_command("/export")


def test_a_reboot_keeps_no_connection_even_one_accepted_as_the_device_went_down(lab, ap):
    """Connections knocking as the reboot starts: some are accepted by the event loop a turn
    before the listener closes, and reach the server one turn after the reboot dropped every
    session. A real device that goes down keeps none of them; the lab must not either (one that
    survived opened a shell on the state the reboot loads and answered while the device was
    down, which once let a restore report success before the reboot)."""
    spec = lab.spec(ap)
    knocking = []
    for _ in range(24):
        sock = socket.create_connection((spec.host, spec.port), timeout=2)
        knocking.append(sock)
    lab.inject(ap, "reboot", seconds=3)
    assert not lab.server.runtimes[ap].up
    deadline = time.monotonic() + 2
    still_open = []
    for sock in knocking:
        sock.settimeout(max(0.05, deadline - time.monotonic()))
        try:
            while sock.recv(4096):  # the banner, then nothing more from a device that is down
                pass
        except TimeoutError:
            still_open.append(sock)
        except OSError:
            pass  # reset: cut, as it should be
        sock.close()
    assert not lab.server.runtimes[ap].up, "the reboot ended before the check: make it longer"
    assert not still_open, f"{len(still_open)} connection(s) outlived the device going down"
    lab.wait_up(ap)


def test_ios_reboot_fault_returns_to_startup_config(lab, names, known_hosts):
    switch = names["switch"]
    lab.reset([switch])
    with ConnectHandler(**lab.netmiko_params(switch, known_hosts)) as conn:
        conn.enable()
        conn.send_config_set(["vlan 100", "name lost-on-reboot"])
    lab.inject(switch, "reboot", seconds=0.5)
    lab.wait_up(switch)
    with ConnectHandler(**lab.netmiko_params(switch, known_hosts)) as conn:
        conn.enable()
        assert "vlan 100" not in conn.send_command("show running-config")
