"""SSH host keys of network devices, kept in the inventory's known-hosts file.

Netmiko is run with ssh_strict=True, system_host_keys=False, alt_host_keys=True and
alt_key_file=<inventory known_hosts>: paramiko then loads only that file and uses RejectPolicy,
so an unknown host raises SSHException("... not found in known_hosts") and a changed key raises
BadHostKeyException (paramiko/client.py, SSHClient.connect); a missing file means every host is
unknown. Netmiko wraps both in NetmikoTimeoutException with the paramiko error as __context__;
connection.py unwraps them into the errors below. `digikel network trust` is the only writer.
"""

from __future__ import annotations

import base64
import hashlib
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from digikel.errors import DigikelError, InputError


def host_label(host: str, port: int) -> str:
    """The known_hosts name of a host: plain on port 22, [host]:port otherwise (as OpenSSH)."""
    return host if port == 22 else f"[{host}]:{port}"


def fingerprint(key: Any) -> str:
    """OpenSSH-style SHA256 fingerprint of a paramiko key."""
    digest = hashlib.sha256(key.asbytes()).digest()
    return f"{key.get_name()} SHA256:" + base64.b64encode(digest).decode().rstrip("=")


class HostKeyError(DigikelError):
    """A device's host key is unknown or not the one recorded: the connection is refused."""

    def __init__(
        self, device: str, host: str, port: int, seen: str | None, expected: str | None, path: Path
    ) -> None:
        self.device, self.host, self.port = device, host, port
        self.seen, self.expected, self.path = seen, expected, path
        what = "CHANGED" if expected else "UNKNOWN"
        lines = [
            f"{device}: host key {what} at {host}:{port}; connection refused",
            f"  seen:     {seen or 'unavailable'}",
            f"  expected: {expected or f'none recorded in {path}'}",
            "  if this is the right device, accept its key with: "
            f"digikel network trust --host {device}",
        ]
        super().__init__("\n".join(lines))


@dataclass(frozen=True)
class KnownKey:
    label: str
    key_type: str
    key_b64: str

    def line(self) -> str:
        return f"{self.label} {self.key_type} {self.key_b64}"


def expected_key(path: Path, host: str, port: int) -> Any | None:
    """The recorded paramiko key of host:port, or None."""
    import paramiko

    if not path.is_file():
        return None
    try:
        keys = paramiko.HostKeys(str(path))
    except Exception as exc:
        raise InputError(
            f"{path}: cannot read the known-hosts file ({exc}); expected OpenSSH known_hosts lines"
        ) from None
    entry = keys.lookup(host_label(host, port))
    if not entry:
        return None
    return next(iter(entry.values()))


def fetch_host_key(host: str, port: int, timeout: float = 10.0) -> Any:
    """Ask the device for its host key (a key exchange only; no login)."""
    import paramiko

    sock = socket.create_connection((host, port), timeout=timeout)
    transport = paramiko.Transport(sock)
    try:
        transport.start_client(timeout=timeout)
        return transport.get_remote_server_key()
    finally:
        transport.close()


def record_host_key(path: Path, host: str, port: int, key: Any) -> KnownKey:
    """Record (or replace) the key of host:port in the known-hosts file, keeping other lines."""
    label = host_label(host, port)
    entry = KnownKey(label, key.get_name(), key.get_base64())
    kept: list[str] = []
    if path.is_file():
        for line in path.read_text().splitlines():
            fields = line.split()
            if fields and not line.startswith("#") and label in fields[0].split(","):
                continue
            kept.append(line)
    kept.append(entry.line())
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text("\n".join(kept) + "\n")
    tmp.replace(path)
    return entry
