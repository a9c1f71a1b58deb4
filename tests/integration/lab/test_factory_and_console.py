"""Out of the box, over real SSH and a real pseudo-terminal: a defconf RouterOS device answers on
its factory address as `admin` with an empty password (its own /user table decides) while it
still holds 192.168.88.1; a Catalyst 1000 without an RSA key has no SSH and is reached on its
console, where `crypto key generate rsa` brings SSH up."""

from __future__ import annotations

import os
import time

import paramiko
import pytest
import serial
from netmiko import ConnectHandler

from digikel.lab.runner import RunningLab
from digikel.network.hostkeys import fetch_host_key


def _admin(lab: RunningLab, name: str, password: str = "") -> ConnectHandler:
    spec = lab.spec(name)
    return ConnectHandler(
        device_type="mikrotik_routeros",
        host=spec.factory_host,
        port=spec.factory_port,
        username="admin",
        password=password,
        fast_cli=False,
        conn_timeout=5,
        auth_timeout=5,
    )


def test_the_factory_address_answers_while_on_defconf_with_the_devices_own_users(
    lab: RunningLab, names: dict[str, str], lab_password: str
) -> None:
    router = names["router"]
    spec = lab.spec(router)
    assert spec.factory_host.startswith("127.65.")
    lab.reset([router], factory="defconf")
    conn = _admin(lab, router)
    assert "[admin@MikroTik] >" in conn.find_prompt()
    conn.send_command(
        f'/user add name=ops group=full password="{lab_password}"', expect_string=r"\] > "
    )
    conn.disconnect()
    with pytest.raises(Exception, match=r"(?i)authentication"):
        _admin(lab, router, password="wrong")
    # The inventory's account is not on the device: refused on the factory address.
    with pytest.raises(Exception, match=r"(?i)authentication"):
        ConnectHandler(
            device_type="mikrotik_routeros",
            host=spec.factory_host,
            port=spec.factory_port,
            username=spec.username,
            password="not-the-vault-password",
            fast_cli=False,
            conn_timeout=5,
        )
    conn = _admin(lab, router)
    conn.send_command("/user disable admin", expect_string=r"\] > ")
    conn.disconnect()
    with pytest.raises(Exception, match=r"(?i)authentication"):
        _admin(lab, router)
    # Without 192.168.88.1 nothing answers there any more.
    lab.reset([router], factory="defconf")
    conn = _admin(lab, router)
    out = conn.send_command("/ip address remove [ find comment=defconf ]", expect_string=r"\] > ")
    assert "no such item" not in out, out
    conn.disconnect()
    with pytest.raises((OSError, EOFError, paramiko.SSHException)):
        fetch_host_key(spec.factory_host, spec.factory_port, 3.0)
    lab.reset([router], factory="blank")
    with pytest.raises((OSError, EOFError, paramiko.SSHException)):
        fetch_host_key(spec.factory_host, spec.factory_port, 3.0)


def _read_until(port: serial.Serial, marker: str, seconds: float = 5.0) -> str:
    seen = ""
    deadline = time.monotonic() + seconds
    while marker not in seen and time.monotonic() < deadline:
        seen += port.read(port.in_waiting or 1).decode(errors="replace")
    assert marker in seen, seen
    return seen


def test_an_unboxed_c1000_has_only_its_console_until_it_has_a_key(
    lab: RunningLab, names: dict[str, str]
) -> None:
    switch = names["switch"]
    spec = lab.spec(switch)
    lab.reset([switch], factory="unboxed")
    with pytest.raises((OSError, EOFError, paramiko.SSHException)):
        fetch_host_key(spec.host, spec.port, 3.0)
    path = lab.console(switch)
    assert os.path.exists(path) and lab.console(switch) == path  # one console per device
    with serial.Serial(path, 9600, timeout=0.2) as port:
        port.write(b"\r")
        _read_until(port, "Switch>")
        for line, marker in [
            ("enable", "Switch#"),
            ("configure terminal", "Switch(config)#"),
            ("hostname lab-sw", "lab-sw(config)#"),
            ("ip domain-name example.org", "lab-sw(config)#"),
            ("crypto key generate rsa modulus 2048", "[OK]"),
            ("end", "lab-sw#"),
        ]:
            port.write(line.encode() + b"\r")
            _read_until(port, marker)
    assert fetch_host_key(spec.host, spec.port, 5.0) is not None
    lab.reset([switch])  # the module's other tests expect a staged switch
