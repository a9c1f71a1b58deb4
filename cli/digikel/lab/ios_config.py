"""Cisco IOS configuration as IOS keeps it: global lines and blocks, applied line by line.

Pure logic shared by the live CLI, `configure replace` and unit tests. A configuration is a list of
entries `{"line": str, "children": [str]}`; rendering orders them the way IOS does (global
settings, vlans, interfaces, lines) so `show running-config` reads like a switch's.
"""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any

Entry = dict[str, Any]

# Where a global line sits in `show running-config` (longest matching prefix wins).
_RANK: tuple[tuple[str, int], ...] = (
    ("version", 0),
    ("service", 1),
    ("no service", 1),
    ("hostname", 2),
    ("boot-start-marker", 3),
    ("boot", 3),
    ("boot-end-marker", 3),
    ("logging buffered", 5),
    ("logging console", 5),
    ("enable", 6),
    ("username", 7),
    ("aaa", 8),
    ("no aaa", 8),
    ("clock", 9),
    ("system", 10),
    ("switch", 10),
    ("ip routing", 11),
    ("no ip routing", 11),
    ("ip domain", 12),
    ("no ip domain", 12),
    ("ip name-server", 12),
    ("ip dhcp", 13),
    ("ip device", 13),
    ("vtp", 14),
    ("login", 15),
    ("crypto", 16),
    ("file", 17),
    ("archive", 18),
    ("errdisable", 19),
    ("spanning-tree", 20),
    ("vlan internal", 21),
    ("lldp", 22),
    ("cdp", 22),
    ("no cdp", 22),
    ("vlan", 25),
    ("class-map", 26),
    ("policy-map", 27),
    ("interface", 30),
    ("ip forward-protocol", 40),
    ("ip http", 41),
    ("no ip http", 41),
    ("ip default-gateway", 42),
    ("ip route", 43),
    ("ip ssh", 44),
    ("ip access-list", 45),
    ("access-list", 46),
    ("logging", 47),
    ("snmp-server", 48),
    ("ntp", 49),
    ("banner", 50),
    ("alias", 51),
    ("line", 60),
)

# Commands whose value replaces the previous one: how many words identify the setting.
_GLOBAL_KEYS: dict[str, int] = {
    "hostname": 1,
    "ip domain name": 3,
    "ip domain-name": 2,
    "ip domain lookup": 3,
    "ip domain-lookup": 2,
    "ip default-gateway": 2,
    "enable secret": 1,
    "enable password": 1,
    "username": 2,
    "spanning-tree mode": 2,
    "vtp mode": 2,
    "vtp domain": 2,
    "snmp-server community": 3,
    "snmp-server location": 2,
    "snmp-server contact": 2,
    "snmp-server group": 3,
    "clock timezone": 2,
    "clock summer-time": 2,
    "logging buffered": 2,
    "logging trap": 2,
    "logging source-interface": 2,
    "ip ssh version": 3,
    "ip ssh time-out": 3,
    "ip ssh authentication-retries": 3,
    "ip http server": 3,
    "ip http secure-server": 3,
    "ip routing": 2,
    "aaa new-model": 2,
    "service": 2,
    "service timestamps": 3,
    "ntp source": 2,
    "cdp run": 2,
    "lldp run": 2,
    "file prompt": 2,
    "system mtu": 2,
}
_CHILD_KEYS: dict[str, dict[str, int]] = {
    "interface": {
        "description": 1,
        "switchport mode": 2,
        "switchport access vlan": 3,
        "switchport trunk native vlan": 4,
        "switchport trunk allowed vlan": 4,
        "switchport voice vlan": 3,
        "switchport nonegotiate": 2,
        "spanning-tree portfast": 2,
        "spanning-tree bpduguard": 2,
        "shutdown": 1,
        "ip address": 2,
        "speed": 1,
        "duplex": 1,
        "power inline": 2,
        "channel-group": 1,
        "mtu": 1,
        "load-interval": 1,
    },
    "vlan": {"name": 1, "state": 1, "shutdown": 1},
    "line": {
        "transport input": 2,
        "transport output": 2,
        "login": 1,
        "exec-timeout": 1,
        "password": 1,
        "access-class": 3,
        "length": 1,
        "width": 1,
        "privilege level": 2,
        "session-timeout": 1,
        "logging synchronous": 2,
    },
    "archive": {"path": 1, "maximum": 1, "write-memory": 1, "time-period": 1},
    "ip dhcp pool": {"network": 1, "default-router": 1, "dns-server": 1, "lease": 1},
}
# Settings whose negative form IOS shows in the running configuration.
_SHOWN_NEGATIVE = (
    "service",
    "ip http server",
    "ip http secure-server",
    "ip domain lookup",
    "ip domain-lookup",
    "aaa new-model",
    "ip routing",
    "cdp run",
    "ip address",
    "switchport",
)

GLOBAL_WORDS = frozenset(
    [
        "hostname",
        "interface",
        "vlan",
        "line",
        "archive",
        "username",
        "enable",
        "service",
        "no",
        "default",
        "ip",
        "ipv6",
        "spanning-tree",
        "vtp",
        "ntp",
        "snmp-server",
        "logging",
        "banner",
        "aaa",
        "clock",
        "errdisable",
        "lldp",
        "cdp",
        "crypto",
        "access-list",
        "boot",
        "system",
        "udld",
        "port-channel",
        "mac",
        "power",
        "monitor",
        "file",
        "license",
        "alias",
        "version",
        "class-map",
        "policy-map",
        "mls",
        "login",
        "track",
        "sdm",
        "key",
        "radius",
        "tacacs-server",
        "boot-start-marker",
        "boot-end-marker",
        "switch",
    ]
)
CHILD_WORDS: dict[str, frozenset[str]] = {
    "interface": frozenset(
        [
            "description",
            "switchport",
            "spanning-tree",
            "shutdown",
            "no",
            "ip",
            "speed",
            "duplex",
            "power",
            "storm-control",
            "channel-group",
            "mtu",
            "load-interval",
            "cdp",
            "lldp",
            "udld",
            "authentication",
            "dot1x",
            "mab",
            "service-policy",
            "logging",
            "snmp",
            "bandwidth",
            "default",
            "ipv6",
            "keepalive",
            "media-type",
            "negotiation",
            "errdisable",
            "carrier-delay",
            "arp",
            "auto",
        ]
    ),
    "vlan": frozenset(["name", "state", "shutdown", "no", "remote-span"]),
    "line": frozenset(
        [
            "login",
            "transport",
            "exec-timeout",
            "password",
            "access-class",
            "logging",
            "length",
            "width",
            "privilege",
            "session-timeout",
            "stopbits",
            "no",
            "history",
            "exec",
            "autocommand",
            "escape-character",
        ]
    ),
    "archive": frozenset(
        ["path", "maximum", "write-memory", "time-period", "log", "hidekeys", "no"]
    ),
    "ip access-list": frozenset(["permit", "deny", "remark", "no"]),
    "ip dhcp pool": frozenset(
        ["network", "default-router", "dns-server", "lease", "domain-name", "option", "no"]
    ),
    "other": frozenset(),
}
# Words shared by a block and global configuration: which second words keep them in the block.
CHILD_SECOND_WORDS: dict[str, dict[str, frozenset[str]]] = {
    "interface": {
        "ip": frozenset(
            [
                "address",
                "helper-address",
                "access-group",
                "dhcp",
                "arp",
                "verify",
                "ospf",
                "igmp",
                "pim",
                "mtu",
                "redirects",
                "unreachables",
                "proxy-arp",
                "directed-broadcast",
                "route-cache",
                "flow",
                "nat",
                "policy",
                "vrf",
                "device",
            ]
        ),
        "spanning-tree": frozenset(
            [
                "portfast",
                "bpduguard",
                "bpdufilter",
                "guard",
                "link-type",
                "cost",
                "port-priority",
                "vlan",
            ]
        ),
        "logging": frozenset(["event"]),
        "snmp": frozenset(["trap"]),
        "cdp": frozenset(["enable"]),
        "lldp": frozenset(["transmit", "receive"]),
        "power": frozenset(["inline"]),
    },
    "line": {
        "logging": frozenset(["synchronous"]),
        "login": frozenset(["local", "authentication"]),
    },
}

NEEDS_ARGUMENT = frozenset(
    [
        "hostname",
        "interface",
        "vlan",
        "username",
        "line",
        "ip",
        "snmp-server",
        "ntp",
        "enable",
        "spanning-tree",
        "vtp",
        "clock",
        "banner",
        "description",
        "switchport",
        "name",
        "path",
        "maximum",
        "transport",
        "exec-timeout",
        "access-class",
        "channel-group",
        "speed",
        "duplex",
        "archive-path",
    ]
)

_INTERFACE_TYPES = (
    ("port-channel", "Port-channel"),
    ("fastethernet", "FastEthernet"),
    ("gigabitethernet", "GigabitEthernet"),
    ("tengigabitethernet", "TenGigabitEthernet"),
    ("vlan", "Vlan"),
    ("loopback", "Loopback"),
)
_INTERFACE_ORDER = {"Port-channel": 0, "FastEthernet": 1, "GigabitEthernet": 2}
_INTERFACE_ORDER.update({"TenGigabitEthernet": 3, "Loopback": 4, "Vlan": 9})
SHORT_NAMES = {
    "GigabitEthernet": "Gi",
    "FastEthernet": "Fa",
    "TenGigabitEthernet": "Te",
    "Port-channel": "Po",
    "Vlan": "Vl",
    "Loopback": "Lo",
}


def normalize_interface(text: str) -> str | None:
    """`gi1/0/1`, `Gi 1/0/1`, `GigabitEthernet1/0/1` -> `GigabitEthernet1/0/1`; None if unknown."""
    match = re.fullmatch(r"\s*([A-Za-z-]+)\s*([\d/.]+)\s*", text)
    if not match:
        return None
    word, number = match.group(1).lower(), match.group(2)
    candidates = [full for key, full in _INTERFACE_TYPES if key.startswith(word)]
    if word in ("gi", "g"):
        candidates = ["GigabitEthernet"]
    if len(candidates) != 1:
        return None
    return candidates[0] + number


def interface_sort_key(name: str) -> tuple[int, tuple[int, ...]]:
    match = re.match(r"([A-Za-z-]+)([\d/.]+)", name)
    if not match:
        return (99, ())
    numbers = tuple(int(n) for n in re.findall(r"\d+", match.group(2)))
    return (_INTERFACE_ORDER.get(match.group(1), 5), numbers)


def short_interface(name: str) -> str:
    for full, short in SHORT_NAMES.items():
        if name.startswith(full):
            return short + name[len(full) :]
    return name


def context_kind(line: str) -> str:
    """Which kind of block a context line opens ('interface', 'vlan', 'line', ...)."""
    if line.startswith(("vlan internal ", "vlan access-map ", "vlan filter ", "vlan group ")):
        return "other"
    for kind in ("interface", "vlan", "line", "archive", "ip access-list", "ip dhcp pool"):
        if line == kind or line.startswith(kind + " "):
            return kind
    return "other"


def _rank(line: str) -> int:
    best, rank = -1, 35
    for prefix, value in _RANK:
        if (line == prefix or line.startswith(prefix + " ")) and len(prefix) > best:
            best, rank = len(prefix), value
    return rank


def _setting_key(line: str, table: dict[str, int]) -> tuple[str, bool]:
    """The part of a line that names the setting (the rest is its value), and whether the
    line is a known setting at all (else only an identical line is the same setting)."""
    body = line[3:] if line.startswith("no ") else line
    words = body.split()
    best, best_len = "", -1
    for prefix, count in table.items():
        pwords = prefix.split()
        if words[: len(pwords)] == pwords and len(prefix) > best_len:
            best, best_len = " ".join(words[:count]), len(prefix)
    return (best, True) if best_len >= 0 else (body, False)


def _shown_negative(body: str) -> bool:
    return any(body == p or body.startswith(p + " ") for p in _SHOWN_NEGATIVE)


def apply_setting(lines: list[str], line: str, table: dict[str, int]) -> list[str]:
    """Lines after applying one configuration line (positive or `no ...`) to a list of lines."""
    key, keyed = _setting_key(line, table)
    negative = line.startswith("no ")
    body = line[3:] if negative else line
    kept: list[str] = []
    position = None  # a changed setting keeps its place, as IOS prints it
    for existing in lines:
        if keyed:
            same = _setting_key(existing, table)[0] == key
        else:
            same = existing in (body, "no " + body)
        if same and position is None:
            position = len(kept)
        if not same:
            kept.append(existing)
    if negative and not _shown_negative(body):
        return kept
    new = ("no " + (key if keyed else body)) if negative else body
    kept.insert(len(kept) if position is None else position, new)
    return kept


def apply_trunk_change(children: list[str], line: str) -> list[str]:
    """`switchport trunk allowed vlan add|remove X` edits the allowed list as IOS does."""
    match = re.match(r"switchport trunk allowed vlan (add|remove|except) (\S+)$", line)
    if not match:
        return apply_setting(children, line, _CHILD_KEYS["interface"])
    current = next((c for c in children if c.startswith("switchport trunk allowed vlan ")), None)
    allowed = expand_vlans(current.split()[-1]) if current else set(range(1, 4095))
    change = expand_vlans(match.group(2))
    verb = match.group(1)
    allowed = allowed | change if verb == "add" else allowed - change
    if verb == "except":
        allowed = set(range(1, 4095)) - change
    rest = [c for c in children if not c.startswith("switchport trunk allowed vlan ")]
    return [*rest, "switchport trunk allowed vlan " + compress_vlans(allowed)]


def expand_vlans(text: str) -> set[int]:
    if text in ("all", ""):
        return set(range(1, 4095))
    if text == "none":
        return set()
    found: set[int] = set()
    for part in text.split(","):
        if "-" in part:
            low, high = part.split("-", 1)
            found.update(range(int(low), int(high) + 1))
        elif part.isdigit():
            found.add(int(part))
    return found


def compress_vlans(values: set[int]) -> str:
    if not values:
        return "none"
    ordered = sorted(values)
    ranges: list[str] = []
    start = prev = ordered[0]
    for value in [*ordered[1:], None]:
        if value is not None and value == prev + 1:
            prev = value
            continue
        ranges.append(str(start) if start == prev else f"{start}-{prev}")
        if value is not None:
            start = prev = value
    return ",".join(ranges)


def child_table(kind: str) -> dict[str, int]:
    return _CHILD_KEYS.get(kind, {})


def global_table() -> dict[str, int]:
    return _GLOBAL_KEYS


def find_entry(config: list[Entry], line: str) -> Entry | None:
    return next((e for e in config if e["line"] == line), None)


def add_entry(config: list[Entry], line: str, children: list[str] | None = None) -> Entry:
    entry = find_entry(config, line)
    if entry is None:
        entry = {"line": line, "children": list(children or [])}
        config.append(entry)
    return entry


def apply_global(config: list[Entry], line: str) -> None:
    """Apply a global line (not one that opens a block)."""
    flat = [e["line"] for e in config if not e["children"] and not _is_block_line(e["line"])]
    updated = apply_setting(flat, line, _GLOBAL_KEYS)
    removed = set(flat) - set(updated)
    added = [new for new in updated if new not in flat]
    result: list[Entry] = []
    for entry in config:
        if entry["line"] in removed and not entry["children"]:
            result.extend({"line": new, "children": []} for new in added)
            added = []
            continue
        result.append(entry)
    result.extend({"line": new, "children": []} for new in added)
    config[:] = result


def _is_block_line(line: str) -> bool:
    return context_kind(line) != "other"


def render(config: list[Entry]) -> list[str]:
    """The running configuration's lines in IOS order, with `!` between sections."""

    def order(item: tuple[int, Entry]) -> tuple[Any, ...]:
        index, entry = item
        line = entry["line"]
        rank = _rank(line)
        if rank == 30:
            return (rank, interface_sort_key(line.split(" ", 1)[1]), index)
        if rank == 25 and re.fullmatch(r"vlan \d+", line):
            return (rank, (0, (int(line.split()[1]),)), index)
        return (rank, (0, ()), index)

    lines: list[str] = []
    previous_rank = None
    for _, entry in sorted(enumerate(config), key=order):
        rank = _rank(entry["line"])
        block = _is_block_line(entry["line"]) or entry["children"]
        if previous_rank is not None and (rank != previous_rank or (block and rank != 60)):
            lines.append("!")
        lines.append(entry["line"])
        lines.extend(" " + c for c in entry["children"])
        previous_rank = rank
    return lines


def parse(text: str) -> list[Entry]:
    """A saved configuration (startup-config, a flash file) back into entries."""
    config: list[Entry] = []
    current: Entry | None = None
    for raw in text.splitlines():
        line = raw.rstrip()
        if not line.strip() or line.startswith("!") or line.strip() == "end":
            continue
        if line.startswith(("Building configuration", "Current configuration", "Using ")):
            continue
        if line.startswith(" ") and current is not None:
            current["children"].append(line.strip())
            continue
        current = {"line": line.strip(), "children": []}
        config.append(current)
    return config


# ----- secrets, as IOS shows them -----
_CISCO64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_STD64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_TYPE7_KEY = "dsfd;kfoA,.iyewrkldJKDHSUBsgvca69834ncxv9873254k;fg87"


def type9(secret: str, salt_seed: str) -> str:
    """An IOS type 9 (scrypt) hash. The salt is derived, not random, so a re-push is a no-op."""
    digest = hashlib.sha256(f"{salt_seed}:{secret}".encode()).digest()
    salt = "".join(_CISCO64[b % 64] for b in digest[:14])
    raw = hashlib.scrypt(secret.encode(), salt=salt.encode(), n=16384, r=1, p=1, dklen=32)
    encoded = base64.b64encode(raw).decode().rstrip("=")
    return f"$9${salt}${encoded.translate(str.maketrans(_STD64, _CISCO64))}"


def type7(secret: str) -> str:
    """IOS type 7 obfuscation (what `service password-encryption` shows)."""
    seed = 2
    out = f"{seed:02d}"
    for index, char in enumerate(secret):
        out += f"{ord(char) ^ ord(_TYPE7_KEY[(seed + index) % len(_TYPE7_KEY)]):02X}"
    return out


def hide_secrets(line: str, owner: str) -> str:
    """Replace clear-text secrets in a config line with the hashed form IOS would store."""
    match = re.match(
        r"^(enable secret|username \S+(?: privilege \d+)? secret) (?:0 )?(\S.*)$", line
    )
    if match and not re.match(r"^[5789] \$", match.group(2)):
        return f"{match.group(1)} 9 {type9(match.group(2), owner + match.group(1))}"
    match = re.match(
        r"^(username \S+(?: privilege \d+)? password|enable password) (?:0 )?(\S.*)$", line
    )
    if match and not re.match(r"^7 [0-9A-F]+$", match.group(2)):
        return f"{match.group(1)} 7 {type7(match.group(2))}"
    match = re.match(r"^password (?:0 )?(\S.*)$", line)
    if match and not re.match(r"^7 [0-9A-F]+$", match.group(1)):
        return f"password 7 {type7(match.group(1))}"
    return line
