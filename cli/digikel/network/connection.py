"""The one place that opens a device connection; everything else receives the open session.

Host keys are checked strictly against the inventory's known-hosts file (see hostkeys.py); the
password comes from the vault; timeouts are per device. Netmiko's errors are turned into
DeviceError / HostKeyError with the device named, so results and the CLI can say what happened.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from digikel.errors import DigikelError, InputError
from digikel.network import hostkeys

# paramiko logs a failed connection's traceback from its transport thread; with no handler of
# ours Python's last-resort handler would print it to the operator. The error reaches them as a
# DeviceError instead; `--verbose` (a root handler) still shows paramiko's records.
logging.getLogger("paramiko").addHandler(logging.NullHandler())

if TYPE_CHECKING:
    from digikel.inventory.model import Device, Inventory

DEVICE_TYPES = {"routeros": "mikrotik_routeros", "ios": "cisco_ios"}


class DeviceError(DigikelError):
    """A device refused, failed or did not answer; the message names the device."""


def _pace_from_env() -> float:
    raw = os.environ.get("DIGIKEL_NETMIKO_DELAY_FACTOR", "0.2")
    try:
        value = float(raw)
    except ValueError:
        raise InputError(
            f"DIGIKEL_NETMIKO_DELAY_FACTOR: expected a number such as 0.2 or 1, got {raw!r}"
        ) from None
    if not 0.05 <= value <= 10:
        raise InputError(f"DIGIKEL_NETMIKO_DELAY_FACTOR: expected 0.05 to 10, got {value}")
    return value


@dataclass(frozen=True)
class Timeouts:
    """Seconds: to connect and log in, and for any one command to finish."""

    connect: float = 15.0
    command: float = 60.0
    # Netmiko's fixed sleeps (prompt discovery, buffer clearing) are multiplied by this. Every
    # read digikel makes waits for a pattern or the command's echo, so the sleeps only pace
    # prompt discovery, which retries with doubling waits when nothing has arrived yet: 0.2 cut
    # a router's push from 8.1 s to 6.3 s at 30 ms per round trip (bench/network.py). Netmiko's
    # own pace is 1.0; DIGIKEL_NETMIKO_DELAY_FACTOR sets it for unusually slow links.
    pace: float = field(default_factory=lambda: _pace_from_env())
    # How long the commit guard keeps trying its proof session after a change that redials the
    # WAN (PPPoE client, WireGuard tunnel): the PPPoE redial (discovery, LCP, authentication:
    # up to ~30 s on a busy access concentrator), then the tunnel's next handshake, which the
    # site starts within its persistent-keepalive (25 s) plus WireGuard's rekey timeout (5 s).
    # Both guards outlast it: safe mode ~9 minutes, the commit-confirm scheduler 5 minutes.
    redial: float = 60.0


@dataclass(frozen=True)
class Endpoint:
    """Everything needed to reach one device (the password is never printed)."""

    name: str
    site: str
    platform: str
    host: str
    port: int
    username: str
    password: str = field(repr=False)
    enable_secret: str = field(default="", repr=False)
    known_hosts: Path = Path("known_hosts")

    @property
    def device_type(self) -> str:
        return DEVICE_TYPES[self.platform]


def endpoint_for(inv: Inventory, device: Device, secrets: dict[str, Any]) -> Endpoint:
    hostvars = inv.hostvars(device.name)
    password = secrets.get("vault_digikel_device_password")
    if not password:
        raise DeviceError(f"{device.name}: vault_digikel_device_password is missing from the vault")
    return Endpoint(
        name=device.name,
        site=device.site,
        platform=device.platform,
        host=device.connect_host,
        port=device.connect_port,
        username=str(hostvars.get("digikel_network_user") or hostvars["ansible_user"]),
        password=str(password),
        enable_secret=str(secrets.get("vault_digikel_enable_secret") or password),
        known_hosts=inv.known_hosts_path,
    )


@contextmanager
def connect(ep: Endpoint, timeouts: Timeouts) -> Iterator[Any]:
    """An open Netmiko session to the device; closed on exit, whatever happens inside."""
    from netmiko import ConnectHandler

    hostkeys.expected_key(ep.known_hosts, ep.host, ep.port)  # a broken file: clear InputError
    try:
        conn = ConnectHandler(
            device_type=ep.device_type,
            host=ep.host,
            port=ep.port,
            username=ep.username,
            password=ep.password,
            secret=ep.enable_secret,
            ssh_strict=True,
            system_host_keys=False,
            alt_host_keys=True,
            alt_key_file=str(ep.known_hosts),
            allow_agent=False,
            use_keys=False,
            conn_timeout=timeouts.connect,
            auth_timeout=timeouts.connect,
            banner_timeout=timeouts.connect,
            read_timeout_override=timeouts.command,
            fast_cli=True,  # with it, Netmiko uses the smaller of a call's factor and ours
            global_delay_factor=timeouts.pace,
        )
    except Exception as exc:
        raise translate_connect_error(ep, exc, timeouts) from None
    _fail_fast_when_closed(conn, ep)
    try:
        if ep.platform == "ios" and not conn.check_enable_mode():
            conn.enable()
        yield conn
    finally:
        # The session may already be gone (dropped, rebooted).
        with contextlib.suppress(Exception):
            conn.disconnect()


def run_command(conn: Any, command: str, timeouts: Timeouts) -> str:
    """A show/print command, read up to the session's own prompt.

    Giving Netmiko the prompt spares it a prompt probe (an extra round trip and a sleep) per
    command. Not for commands that may rename the device (its prompt would change).
    """
    # The prompt at the very end of what was read (a config line naming the host is no prompt).
    prompt = re.escape(conn.base_prompt.strip()) + r"[^\r\n]*[>#][ \t]*$"
    return str(conn.send_command(command, expect_string=prompt, read_timeout=timeouts.command))


def _fail_fast_when_closed(conn: Any, ep: Endpoint) -> None:
    """Make reads raise once the session is gone.

    Netmiko's read loops poll an SSH channel that, once the device drops the session, just stays
    empty: without this every read would wait its full timeout before the failure is noticed.
    """
    read = conn.read_channel

    def read_channel() -> str:
        out: str = read()
        channel = conn.remote_conn
        if not out and channel is not None and channel.closed:
            raise DeviceError(f"{ep.name}: the device closed the session")
        return out

    conn.read_channel = read_channel


def translate_connect_error(
    ep: Endpoint, exc: BaseException, timeouts: Timeouts | None = None
) -> DigikelError:
    import paramiko
    from netmiko import NetmikoAuthenticationException

    timeouts = timeouts or Timeouts()
    cause = exc.__context__ or exc.__cause__
    if isinstance(cause, paramiko.BadHostKeyException):
        return hostkeys.HostKeyError(
            ep.name,
            ep.host,
            ep.port,
            hostkeys.fingerprint(cause.key),
            hostkeys.fingerprint(cause.expected_key),
            ep.known_hosts,
        )
    if isinstance(cause, paramiko.SSHException) and "not found in known_hosts" in str(cause):
        seen: str | None
        try:
            seen = hostkeys.fingerprint(hostkeys.fetch_host_key(ep.host, ep.port, 5.0))
        except Exception:
            seen = None
        return hostkeys.HostKeyError(ep.name, ep.host, ep.port, seen, None, ep.known_hosts)
    from netmiko.exceptions import ReadTimeout

    if isinstance(exc, ReadTimeout) or "Pattern not detected" in str(exc):
        return DeviceError(
            f"{ep.name}: timed out at {ep.host}:{ep.port}: logged in, but the prompt did not "
            f"come within the {timeouts.command:g} s allowed per command (a slow or lossy link: "
            "raise --timeout)"
        )
    last = (str(cause or exc).strip().lower().splitlines() or [""])[-1]
    if "timeout" in last or "timed out" in str(exc).lower():
        return DeviceError(
            f"{ep.name}: timed out at {ep.host}:{ep.port}: no answer within the "
            f"{timeouts.connect:g} s allowed to connect and log in (a slow or lossy link: raise "
            "--timeout; the password was not judged)"
        )
    if isinstance(exc, NetmikoAuthenticationException):
        return DeviceError(
            f"{ep.name}: authentication failed at {ep.host}:{ep.port} as {ep.username!r} "
            "(check vault_digikel_device_password and the device's local user)"
        )
    if "protocol banner" in str(cause or exc):
        return DeviceError(
            f"{ep.name}: cannot connect to {ep.host}:{ep.port}: the connection closed before SSH "
            "started (the device is rebooting, its WAN is redialling, or its SSH service is off)"
        )
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return DeviceError(f"{ep.name}: cannot connect to {ep.host}:{ep.port}: {first}")


def drop(conn: Any) -> None:
    """Cut the session without a clean logout: RouterOS undoes safe-mode changes on a drop."""
    try:
        transport = conn.remote_conn.get_transport() if conn.remote_conn else None
        if transport is not None:
            transport.close()
        conn.remote_conn.close()
    except Exception:
        pass
