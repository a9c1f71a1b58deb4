"""MAC addresses of the endpoints and printers, taken at installation (inventory/<env>/macs.yml).

The file is the environment's (a lab's simulated PCs and a city's real ones are different
machines), written by `digikel site device SITE HOST --mac ...` and readable by hand:

    macs:
      loa-bakung-pc01: "02:00:0A:54:21:0B"

A MAC is stored upper-case with colons. Multicast (including broadcast) and all-zero addresses are
refused, and so is a MAC another device already has: each becomes a DHCP reservation on the
site's router (templates/routeros/router.rsc.j2), and two reservations with one MAC would give one
machine two addresses and the other none.
"""

from __future__ import annotations

import fcntl
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from digikel.errors import DigikelError, InputError, Problem
from digikel.inventory.yamlfile import LineDict, line_of, load_yaml

# The roles that get their address from a reservation (network gear has static addresses).
MAC_ROLES = ("counter", "display", "printer")
HEADER = (
    "# MAC addresses of counter PCs, displays and printers, taken at installation: one DHCP\n"
    "# reservation each on the site's router. Written by `digikel site device SITE HOST --mac`;\n"
    "# see docs/inventory.md.\n"
)
_ENTRY = re.compile(r"^  (?P<host>[A-Za-z0-9._-]+)\s*:")


def normalise_mac(value: object) -> str:
    """AA:BB:CC:DD:EE:FF from any common notation; ValueError says what was expected."""
    from netutils.mac import is_valid_mac, mac_to_format, mac_to_int

    if not isinstance(value, str):
        raise ValueError(
            f'expected a MAC address as a quoted string like "AA:BB:CC:DD:EE:FF", got {value!r}'
        )
    text = value.strip()
    if not text or not is_valid_mac(text):
        raise ValueError(
            f"{value!r} is not a MAC address: expected six hex pairs like AA:BB:CC:DD:EE:FF "
            "(also accepted: aa-bb-cc-dd-ee-ff, aabb.ccdd.eeff, aabbccddeeff)"
        )
    number = mac_to_int(text)
    mac = str(mac_to_format(text, "MAC_COLON_TWO")).upper()
    if number == 0:
        raise ValueError(f"{mac} is the all-zero address, not a device's MAC")
    if number == 0xFFFFFFFFFFFF:
        raise ValueError(f"{mac} is the broadcast address, not a device's MAC")
    if (number >> 40) & 1:
        raise ValueError(
            f"{mac} is a multicast address (first octet odd), not a device's MAC: "
            "read the address again from the device's label or `ip link`"
        )
    return mac


@dataclass(frozen=True)
class MacRecord:
    host: str
    mac: str
    line: int | None


def macs_path(env_file: Path, relative: str) -> Path:
    return (env_file.parent / relative).resolve()


def read_macs(
    path: Path, shown_as: str, roles: dict[str, str]
) -> tuple[dict[str, MacRecord], list[Problem]]:
    """host -> record from the file, and every problem in it (a missing file records nothing).

    `roles` maps each host of the inventory to its role, so unknown hosts and network gear are
    reported where they are written.
    """
    if not path.exists():
        return {}, []
    data, problems = load_yaml(path, shown_as)
    if data is None:
        return {}, [p for p in problems if p.message != "the file is empty"]
    if not isinstance(data, dict) or set(data) != {"macs"}:
        problems.append(
            Problem(shown_as, "", "expected one key 'macs': a mapping of host name -> MAC")
        )
        return {}, problems
    entries: Any = data["macs"]
    if entries is None:
        return {}, problems
    if not isinstance(entries, dict):
        problems.append(
            Problem(
                shown_as,
                "macs",
                "expected a mapping of host name -> MAC",
                line_of(data, ("macs",)),
            )
        )
        return {}, problems
    records: dict[str, MacRecord] = {}
    owner: dict[str, str] = {}
    for host, raw in entries.items():
        line = entries.lines.get(host) if isinstance(entries, LineDict) else None
        place = f"macs -> {host}"
        role = roles.get(str(host))
        if role is None:
            problems.append(Problem(shown_as, place, "unknown host: not in the inventory", line))
            continue
        if role not in MAC_ROLES:
            problems.append(
                Problem(
                    shown_as,
                    place,
                    f"a {role} has a static address, not a reservation; "
                    f"MACs are recorded for {', '.join(MAC_ROLES)} devices only",
                    line,
                )
            )
            continue
        try:
            mac = normalise_mac(raw)
        except ValueError as exc:
            problems.append(Problem(shown_as, place, str(exc), line))
            continue
        if mac in owner:
            first = records[owner[mac]]
            problems.append(
                Problem(
                    shown_as,
                    place,
                    f"MAC {mac} is already recorded for {first.host} (line {first.line})",
                    line,
                )
            )
            continue
        owner[mac] = str(host)
        records[str(host)] = MacRecord(str(host), mac, line)
    return records, problems


def check_new_mac(
    path: Path, shown_as: str, host: str, mac: str, records: dict[str, MacRecord]
) -> None:
    """InputError naming the place when another device already has `mac`."""
    for other in records.values():
        if other.mac == mac and other.host != host:
            where = f"{shown_as}:{other.line}" if other.line else shown_as
            raise InputError(
                f"--mac {mac}: already recorded for {other.host} ({where}: macs -> "
                f"{other.host}); each device needs its own MAC. Correct that entry first if it "
                "is the wrong one."
            )


def _updated_text(text: str, host: str, mac: str) -> str:
    """The file with `host: "MAC"` set in its `macs:` block; everything else kept as written."""
    entry = f'  {host}: "{mac}"\n'
    if not text.strip():
        return f"{HEADER}macs:\n{entry}"
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    start = next(
        (i for i, line in enumerate(lines) if re.match(r"^macs\s*:\s*(\{\s*\})?\s*(#.*)?$", line)),
        None,
    )
    if start is None:
        raise InputError(f"cannot find the top-level 'macs:' key to add {host} to")
    if "{" in lines[start]:
        lines[start] = "macs:\n"
    end = start + 1
    insert_at: int | None = None
    while end < len(lines) and (lines[end].startswith((" ", "\t")) or not lines[end].strip()):
        match = _ENTRY.match(lines[end])
        if match and match["host"] == host:
            lines[end] = entry
            return "".join(lines)
        if match and insert_at is None and match["host"] > host:
            insert_at = end
        end += 1
    if insert_at is None:
        insert_at = end
        while insert_at > start + 1 and not lines[insert_at - 1].strip():
            insert_at -= 1  # after the last entry, before trailing blank lines
    lines.insert(insert_at, entry)
    return "".join(lines)


def write_mac(path: Path, host: str, mac: str) -> None:
    """Record `mac` for `host`, atomically (a temporary file renamed over the old one)."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    new_text = _updated_text(text, host, mac)
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(new_text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp_name, mode)
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


@contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """One writer at a time per environment folder (two engineers recording at once)."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def record_mac(path: Path, shown_as: str, host: str, mac: str, roles: dict[str, str]) -> str | None:
    """Check `mac` against the file as it is now and record it for `host`; the previous MAC.

    Read, check and write happen under one lock, so a MAC recorded a moment ago by someone else
    is seen; a problem already in the file is the operator's to fix first (InputError).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with _locked(path.parent):
        records, problems = read_macs(path, shown_as, roles)
        if problems:
            raise InputError(
                f"{shown_as} has problems; fix them first (digikel inventory validate):\n"
                + "\n".join(f"  - {p}" for p in problems)
            )
        check_new_mac(path, shown_as, host, mac, records)
        previous = records[host].mac if host in records else None
        if previous != mac:
            try:
                write_mac(path, host, mac)
            except OSError as exc:
                raise DigikelError(f"{shown_as}: cannot be written: {exc}") from None
        return previous
