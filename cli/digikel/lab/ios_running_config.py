"""A simulated switch's running configuration, as IOS keeps it: global lines and blocks, applied
line by line. (The product's network/ios_config.py is another thing: the remediation from a real
device's running configuration to the intended one.)

Pure logic shared by the live CLI, `configure replace` and unit tests. A configuration is a list of
entries `{"line": str, "children": [str]}`; rendering orders them the way IOS does (global
settings, vlans, interfaces, lines) so `show running-config` reads like a switch's.
"""

from __future__ import annotations

import base64
import hashlib
import os
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
    ("switch", 10),
    ("system", 10),
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
# Global settings whose negative form IOS shows in the running configuration (a factory C1000
# on 15.2(7)E prints `no service pad`, `no service password-encryption`, `no aaa new-model`;
# `no ip http server` and `no ip domain-lookup` are printed once configured). Every other
# `no <setting>` removes the line and prints nothing.
_SHOWN_NEGATIVE = (
    "service",
    "ip http server",
    "ip http secure-server",
    "ip domain-lookup",
    "aaa new-model",
    "cdp run",
)
# Interface settings that are on by default, so IOS prints their negative form.
_SHOWN_NEGATIVE_INTERFACE = (
    "cdp enable",
    "lldp transmit",
    "lldp receive",
    "snmp trap link-status",
    "logging event link-status",
    "keepalive",
    "mdix auto",
)
# Settings IOS always prints with a value: `no X` brings back the default, which is shown.
_SHOWN_DEFAULTS = {
    "hostname": "hostname Switch",
    "spanning-tree mode": "spanning-tree mode pvst",
    "system mtu routing": "system mtu routing 1500",
    "vlan internal allocation policy": "vlan internal allocation policy ascending",
}
# Lines that only restate a default: IOS accepts them and prints nothing.
_HIDDEN_GLOBAL = frozenset(["ip domain-lookup"])
_HIDDEN_INTERFACE = frozenset(
    [
        "no shutdown",
        "switchport mode dynamic auto",
        "switchport access vlan 1",
        "switchport trunk native vlan 1",
        "switchport trunk allowed vlan 1-4094",
        "switchport trunk allowed vlan all",
    ]
)
# Where an interface setting sits in its block, as IOS prints it (not the order it was typed).
_INTERFACE_CHILD_ORDER: tuple[tuple[str, int], ...] = (
    ("description", 0),
    ("switchport access vlan", 10),
    ("switchport trunk encapsulation", 11),
    ("switchport trunk native vlan", 12),
    ("switchport trunk allowed vlan", 13),
    ("switchport mode", 14),
    ("switchport nonegotiate", 15),
    ("switchport voice vlan", 16),
    ("switchport port-security", 17),
    ("ip address", 20),
    ("no ip address", 20),
    ("ip helper-address", 21),
    ("ip access-group", 22),
    ("shutdown", 30),
    ("speed", 31),
    ("duplex", 32),
    ("power inline", 33),
    ("storm-control", 34),
    ("channel-group", 35),
    ("spanning-tree", 40),
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


def _shown_negative(body: str, shown: tuple[str, ...] = _SHOWN_NEGATIVE) -> bool:
    return any(body == p or body.startswith(p + " ") for p in shown)


def normalize_global(line: str) -> str:
    """The form 15.2(7)E prints: `ip domain name X` -> `ip domain-name X` and `ip domain lookup`
    -> `ip domain-lookup` (a real C1000 on 15.2(7)E10 prints `ip domain-name`)."""
    negative = line.startswith("no ")
    body = line[3:] if negative else line
    for spaced, hyphen in (
        ("ip domain name", "ip domain-name"),
        ("ip domain lookup", "ip domain-lookup"),
        ("ip domain list", "ip domain-list"),
        ("spanning-tree portfast default", "spanning-tree portfast edge default"),
        ("spanning-tree portfast bpduguard", "spanning-tree portfast edge bpduguard"),
        ("spanning-tree portfast bpdufilter", "spanning-tree portfast edge bpdufilter"),
    ):
        if body == spaced or body.startswith(spaced + " "):
            body = hyphen + body[len(spaced) :]
    return ("no " + body) if negative else body


def normalize_portfast(line: str) -> str:
    """`spanning-tree portfast [trunk]` on a port -> `spanning-tree portfast edge [trunk]`: since
    15.2(2)E IOS calls PortFast an edge port (the C1000 transcript prints the global form as
    `spanning-tree portfast edge bpduguard default`). Lab choice for the port form, matching
    the product's alias table."""
    for short, full in (
        ("spanning-tree portfast trunk", "spanning-tree portfast edge trunk"),
        ("spanning-tree portfast", "spanning-tree portfast edge"),
    ):
        if line == short:
            return full
    return line


def apply_setting(
    lines: list[str],
    line: str,
    table: dict[str, int],
    shown: tuple[str, ...] = _SHOWN_NEGATIVE,
    hidden: frozenset[str] = frozenset(),
) -> list[str]:
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
    if negative and key in _SHOWN_DEFAULTS and table is _GLOBAL_KEYS:
        new = _SHOWN_DEFAULTS[key]
    elif negative and not _shown_negative(body, shown):
        return kept
    else:
        new = ("no " + (key if keyed else body)) if negative else body
    if new in hidden:
        return kept
    kept.insert(len(kept) if position is None else position, new)
    return kept


def apply_child(block: str, children: list[str], line: str) -> list[str]:
    """A line typed inside a block, applied the way IOS keeps it."""
    kind = context_kind(block)
    if kind == "interface":
        if line.startswith("switchport trunk allowed vlan "):
            children = apply_trunk_change(children, line)
        else:
            children = apply_setting(
                children,
                line,
                _CHILD_KEYS["interface"],
                _SHOWN_NEGATIVE_INTERFACE,
                _HIDDEN_INTERFACE,
            )
        return normalize_children(block, children)
    return apply_setting(children, line, _CHILD_KEYS.get(kind, {}), ())


def _child_rank(child: str) -> int:
    best, rank = -1, 50
    for prefix, value in _INTERFACE_CHILD_ORDER:
        if (child == prefix or child.startswith(prefix + " ")) and len(prefix) > best:
            best, rank = len(prefix), value
    return rank


def normalize_children(block: str, children: list[str]) -> list[str]:
    """An interface block as IOS prints it: its settings in IOS's order, defaults left out,
    `no ip address` on an SVI (or loopback) without an address and on no other port."""
    if context_kind(block) != "interface":
        return list(children)
    kept = [c for c in children if c not in _HIDDEN_INTERFACE and c != "no ip address"]
    kept = [
        c
        for c in kept
        if not (c.startswith("no ") and not _shown_negative(c[3:], _SHOWN_NEGATIVE_INTERFACE))
    ]
    logical = block.startswith(("interface Vlan", "interface Loopback"))
    if logical and not any(c.startswith("ip address ") for c in kept):
        kept.append("no ip address")
    return [c for _, c in sorted(enumerate(kept), key=lambda item: (_child_rank(item[1]), item[0]))]


def apply_trunk_change(children: list[str], line: str) -> list[str]:
    """`switchport trunk allowed vlan [add|remove|except] X` edits the allowed list as IOS does
    and prints it compressed (`10,11,12` -> `10-12`); all VLANs allowed is the default and
    is not shown."""
    match = re.match(r"switchport trunk allowed vlan (?:(add|remove|except) )?(\S+)$", line)
    if not match:
        return children
    current = next((c for c in children if c.startswith("switchport trunk allowed vlan ")), None)
    allowed = expand_vlans(current.split()[-1]) if current else set(range(1, 4095))
    change = expand_vlans(match.group(2))
    verb = match.group(1)
    if verb == "add":
        allowed = allowed | change
    elif verb == "remove":
        allowed = allowed - change
    elif verb == "except":
        allowed = set(range(1, 4095)) - change
    else:
        allowed = change
    rest = [c for c in children if not c.startswith("switchport trunk allowed vlan ")]
    if allowed == set(range(1, 4095)):
        return rest
    return [*rest, "switchport trunk allowed vlan " + compress_vlans(allowed)]


def bad_vlan_list(text: str) -> str | None:
    """IOS's `Command rejected: Bad VLAN list ...` for a VLAN list it cannot take, else None."""
    if text in ("all", "none"):
        return None
    for position, char in enumerate(text, 1):
        if not (char.isdigit() or char in ",-"):
            return (
                f"Command rejected: Bad VLAN list - character #{position} is a non-numeric "
                f"character ('{char}')."
            )
    for part in text.split(","):
        bounds = part.split("-")
        if not all(b.isdigit() for b in bounds) or len(bounds) > 2:
            return f"Command rejected: Bad VLAN list - character #{len(text) + 1} (EOL) is invalid."
        if any(not 1 <= int(b) <= 4094 for b in bounds):
            return (
                f"Command rejected: Bad VLAN list - character #{len(text) + 1} (EOL) delimits a "
                "VLAN number which is out of the range 1..4094."
            )
        if len(bounds) == 2 and int(bounds[0]) >= int(bounds[1]):
            return (
                "Command rejected: Bad VLAN list - end of range not larger than the start of range!"
            )
    return None


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
    line = normalize_global(line)
    flat = [e["line"] for e in config if not e["children"] and not _is_block_line(e["line"])]
    updated = apply_setting(flat, line, _GLOBAL_KEYS, _SHOWN_NEGATIVE, _HIDDEN_GLOBAL)
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
        # `version` and the `service` lines share a section, as a C1000 prints them
        joined = previous_rank == 0 and rank == 1
        if (
            previous_rank is not None
            and not joined
            and (rank != previous_rank or (block and rank != 60))
        ):
            lines.append("!")
        lines.append(entry["line"])
        lines.extend(" " + c for c in normalize_children(entry["line"], entry["children"]))
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


def type9(secret: str, salt_seed: str | None = None) -> str:
    """An IOS type 9 (scrypt) hash with a random 14-character salt, as IOS makes it: the same
    password typed twice gives two different lines (pass `salt_seed` for a fixed salt in tests)."""
    raw_salt = (
        hashlib.sha256(f"{salt_seed}:{secret}".encode()).digest()
        if salt_seed is not None
        else os.urandom(14)
    )
    salt = "".join(_CISCO64[b % 64] for b in raw_salt[:14])
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


def hide_secrets(line: str, owner: str = "", encrypt: bool = False) -> str:
    """A secret line as IOS stores it: `secret` always as type 9 (`secret 9 $9$...`, what a
    C1000 on 15.2(7)E10 prints); `password` as type 7 only under `service password-encryption`,
    else in clear (`username X password 0 Y`, `password Y`), as IOS does."""
    match = re.match(
        r"^(enable secret|username \S+(?: privilege \d+)? secret) (?:0 )?(\S.*)$", line
    )
    if match and not re.match(r"^[5789] \$", match.group(2)):
        return f"{match.group(1)} 9 {type9(match.group(2))}"
    match = re.match(r"^(username \S+(?: privilege \d+)? password) (?:0 )?(\S.*)$", line)
    if match and not re.match(r"^7 [0-9A-F]+$", match.group(2)):
        secret = match.group(2)
        return f"{match.group(1)} 7 {type7(secret)}" if encrypt else f"{match.group(1)} 0 {secret}"
    match = re.match(r"^(enable password|password) (?:0 )?(\S.*)$", line)
    if match and not re.match(r"^7 [0-9A-F]+$", match.group(2)):
        secret = match.group(2)
        return f"{match.group(1)} 7 {type7(secret)}" if encrypt else f"{match.group(1)} {secret}"
    return line
