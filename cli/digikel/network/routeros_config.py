"""RouterOS scripts as data, and the plan that turns a device's configuration into ours.

Why our own differ: hier_config (v3) has no RouterOS driver and netutils parses RouterOS for
compliance checks but computes no remediation. RouterOS configuration is flat: a menu path
(`/ip address`) holds items, each written as `add k=v ...` (a list item) or `set [target] k=v`
(a singleton or a built-in item).

The plan compares only what digikel manages, in the device's own terms (docs/network.md):
- an intended item is found on the device by digikel's identity (`name=`, else `comment=`), else
  by the menu's natural key (the property the device itself keeps unique: a bridge port's
  `interface`, an address-list entry's `list`+`address`...), so a defconf or hand-made item that
  holds the same place is taken over in place instead of colliding with an `add`;
- only the properties the intended item sets are compared, plus those whose default we know
  (routeros_defaults.py): a property missing from the export equals its default, derived ones
  (`network=`) are ignored;
- a changed item is changed in place with `set` (an unwanted property with a known default is
  set back to it; in firewall rules, where any matcher changes the rule, it is `unset`);
- items digikel does not manage are left alone and reported (`unmanaged`); they are removed only
  with prune=True (an explicit `--prune`, a rollback, bootstrap);
- the plan keeps the management path: everything is added and set before anything is removed,
  the firewall before the WAN opens (the WAN address, DHCP client, PPPoE client, default route
  last among the additions), removals last, addresses before the interfaces they sit on;
- secrets (hidden by `/export`) are sent when an item is created, otherwise only on rotation;
- `/user` is not part of `/export`: accounts are proven by the login and never removed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from digikel.network.routeros_defaults import default, read_only, same_value

SENSITIVE = frozenset(
    {
        "password",
        "private-key",
        "passphrase",
        "authentication-password",
        "encryption-password",
        "pre-shared-key",
        "preshared-key",
        "secret",
        "wpa2-pre-shared-key",
        "wpa-pre-shared-key",
    }
)
ORDERED_MENUS = frozenset(
    {
        "/ip firewall filter",
        "/ip firewall nat",
        "/ip firewall mangle",
        "/ip firewall raw",
        "/ipv6 firewall filter",
        "/queue simple",
    }
)
NOT_EXPORTED = frozenset({"/user"})
# Accounts are never removed by a push: removing the wrong one is a lockout.
NEVER_REMOVED = frozenset({"/user", "/user group", "/user ssh-keys"})
# What the device itself keeps unique in a menu: an intended item without a match by identity
# takes over the device item that holds the same natural key (defconf's bridge port on ether2
# becomes ours with `set`, where an `add` would fail "device already added as bridge port").
NATURAL_KEYS: dict[str, tuple[str, ...]] = {
    "/interface bridge port": ("interface",),
    "/interface bridge vlan": ("bridge", "vlan-ids"),
    "/interface list member": ("interface", "list"),
    "/interface vlan": ("interface", "vlan-id"),
    "/ip address": ("address",),
    "/ip dhcp-client": ("interface",),
    "/ip dhcp-server": ("interface",),
    "/ip dhcp-server network": ("address",),
    "/ip dhcp-server lease": ("mac-address",),
    "/ip firewall address-list": ("list", "address"),
    "/ip route": ("dst-address", "gateway"),
}
# Firewall rules the guard must keep: the plan puts them before anything that opens the WAN.
FIREWALL_MENUS = ("/ip firewall address-list", "/ip firewall filter", "/ip firewall nat")
VERBS = ("add", "set", "remove", "unset", "enable", "disable")
_PLAIN = re.compile(r"^[A-Za-z0-9._:/@+,*-]+$")


class ParseError(ValueError):
    """A line of a RouterOS script this parser cannot read."""


@dataclass
class Item:
    """One configuration line: `add` of a list item or `set` of a singleton/built-in item."""

    menu: str
    verb: str  # add | set
    target: str  # set: "", "ether1" or "[ find default-name=ether1 ]"; add: ""
    args: dict[str, str] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str, str]:
        """digikel's identity of the item: its name, else its comment, else the whole line."""
        if self.verb == "set":
            return ("set", self.target, "")
        for prop in ("name", "comment"):
            if prop in self.args:
                return ("add", prop, self.args[prop])
        return ("add", "line", format_args(self.args))

    @property
    def find(self) -> str:
        """How to address the item on the device."""
        kind, prop, value = self.key
        if kind == "set":
            if not self.target or self.target.startswith("["):
                return self.target
            return quote(self.target)
        if prop == "line":
            where = " ".join(
                f"{k}={quote(v)}" for k, v in self.args.items() if not read_only(self.menu, k)
            )
            return f"[ find {where} ]"
        return f"[ find {prop}={quote(value)} ]"

    def line(self, *, with_secrets: bool = True) -> str:
        args = {
            k: v
            for k, v in self.args.items()
            if (with_secrets or k not in SENSITIVE) and not read_only(self.menu, k)
        }
        head = self.verb if not self.target else f"{self.verb} {self.find}"
        return f"{head} {format_args(args)}".rstrip()

    def natural(self) -> tuple[str, ...] | None:
        props = NATURAL_KEYS.get(self.menu)
        if self.verb != "add" or not props or any(p not in self.args for p in props):
            return None
        return tuple(self.args[p] for p in props)


@dataclass
class Config:
    """A parsed RouterOS configuration: menus in order, each with its items in order."""

    menus: dict[str, list[Item]] = field(default_factory=dict)

    def add(self, item: Item) -> None:
        items = self.menus.setdefault(item.menu, [])
        if item.verb == "set":
            for other in items:
                if other.verb == "set" and other.target == item.target:
                    other.args.update(item.args)  # several `set` lines of one target merge
                    return
        items.append(item)

    def items(self) -> Iterable[Item]:
        for items in self.menus.values():
            yield from items

    def get(self, menu: str, key: tuple[str, str, str]) -> Item | None:
        return next((i for i in self.menus.get(menu, []) if i.key == key), None)

    def text(self, *, with_secrets: bool = True) -> str:
        out: list[str] = []
        for menu, items in self.menus.items():
            if not items:
                continue
            out.append(menu)
            out.extend(i.line(with_secrets=with_secrets) for i in items)
        return "\n".join(out) + ("\n" if out else "")


def quote(value: str, bare: re.Pattern[str] = _PLAIN) -> str:
    """A value as a command line carries it: bare when `bare` matches it, else quoted with
    RouterOS's escapes (what `tokenize` reads back to the same value)."""
    if value and bare.match(value):
        return value
    escaped = (
        value.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("$", "\\$")
        .replace("?", "\\?")
        .replace("\r", "\\r")
        .replace("\n", "\\n")
        .replace("\t", "\\t")
    )
    return f'"{escaped}"'


def format_args(args: dict[str, str]) -> str:
    return " ".join(f"{k}={quote(v)}" for k, v in args.items())


def join_continuations(text: str) -> list[str]:
    """Logical lines: RouterOS export wraps long lines with ` \\` and indents the rest by 4."""
    lines: list[str] = []
    pending = ""
    raw_lines = text.replace("\r", "").split("\n")
    if raw_lines[-1] == "":
        raw_lines.pop()  # the newline that ends the last line starts none
    for raw in raw_lines:
        if pending:
            raw = raw.lstrip()
        if _continues(raw):
            pending += raw[:-1]
            continue
        lines.append(pending + raw)
        pending = ""
    if pending:
        lines.append(pending)
    return lines


def _continues(line: str) -> bool:
    # A trailing backslash continues the line unless it is itself escaped (an odd run).
    run = len(line) - len(line.rstrip("\\"))
    return run % 2 == 1


# What a backslash means inside quotes; `\\XX` (two hex digits) is a byte, and a run of them
# is text in UTF-8 (how RouterOS exports anything outside ASCII), else one character a byte.
ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "r": "\r", "t": "\t", "$": "$", "?": "?", "_": " "}
_HEX_BYTE = re.compile(r"[0-9A-Fa-f]{2}")


def _decoded(raw: bytearray) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")  # not UTF-8: each byte its own character


def read_quoted(line: str, pos: int) -> tuple[str, int]:
    """The unescaped text of a quoted string whose opening quote is just before `pos`, and the
    index after its closing quote. Raises ParseError for a quote that does not close."""
    out: list[str] = []
    pending = bytearray()  # a run of \XX bytes, decoded together
    while pos < len(line):
        char = line[pos]
        if char == "\\" and pos + 1 < len(line) and _HEX_BYTE.match(line, pos + 1):
            pending.append(int(line[pos + 1 : pos + 3], 16))
            pos += 3
            continue
        if pending:
            out.append(_decoded(pending))
            pending.clear()
        if char == "\\" and pos + 1 < len(line):
            nxt = line[pos + 1]
            out.append(ESCAPES.get(nxt, nxt))
            pos += 2
            continue
        if char == '"':
            return "".join(out), pos + 1
        out.append(char)
        pos += 1
    raise ParseError(f"unterminated quote in: {line}")


def tokenize(line: str) -> list[str]:
    """Split a command line into words; quoted values are unescaped, `[ ... ]` kept whole.

    Quotes and escapes inside `[ ... ]` are honoured, so `[ find comment="a]b" ]` is one word.
    """
    tokens: list[str] = []
    pos, size = 0, len(line)
    while pos < size:
        if line[pos].isspace():
            pos += 1
            continue
        if line[pos] == "[":
            end = _closing_bracket(line, pos)
            inner = " ".join(_split_outside_quotes(line[pos + 1 : end]))
            tokens.append(f"[ {inner} ]")
            pos = end + 1
            continue
        word: list[str] = []
        while pos < size and not line[pos].isspace():
            char = line[pos]
            if char == '"':
                text, pos = read_quoted(line, pos + 1)
                word.append(text)
                continue
            word.append(char)
            pos += 1
        tokens.append("".join(word))
    return tokens


def _closing_bracket(line: str, start: int) -> int:
    depth, pos, quoted = 0, start, False
    while pos < len(line):
        char = line[pos]
        if quoted:
            if char == "\\":
                pos += 1
            elif char == '"':
                quoted = False
        elif char == '"':
            quoted = True
        elif char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
            if depth == 0:
                return pos
        pos += 1
    raise ParseError(f"unclosed '[' in: {line}")


def _split_outside_quotes(text: str) -> list[str]:
    """Words of a `[ ... ]` expression; whitespace inside quotes is kept."""
    words: list[str] = []
    current: list[str] = []
    quoted = escaped = False
    for char in text:
        if escaped:
            current.append(char)
            escaped = False
        elif char == "\\" and quoted:
            current.append(char)
            escaped = True
        elif char == '"':
            current.append(char)
            quoted = not quoted
        elif char.isspace() and not quoted:
            if current:
                words.append("".join(current))
                current = []
        else:
            current.append(char)
    if current:
        words.append("".join(current))
    return words


def parse(text: str) -> Config:
    """Parse an export (or one of our templates) into a Config. Comments and blanks are skipped."""
    config = Config()
    menu = "/"
    for line in join_continuations(text):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        tokens = tokenize(stripped)
        if tokens[0].startswith("/"):
            path = [tokens[0]]
            rest = tokens[1:]
            while rest and rest[0] not in VERBS:
                path.append(rest[0])
                rest = rest[1:]
            menu = _normalise_menu(" ".join(path))
            config.menus.setdefault(menu, [])
            tokens = rest
            if not tokens:
                continue
        verb, rest = tokens[0], tokens[1:]
        if verb not in ("add", "set"):
            raise ParseError(f"{menu}: cannot read command {verb!r} in: {stripped}")
        target = ""
        if verb == "set" and rest and (rest[0].startswith("[") or "=" not in rest[0]):
            target, rest = _normalise_target(rest[0]), rest[1:]
        config.add(Item(menu, verb, target, _arguments(menu, rest, stripped)))
    return config


def _arguments(menu: str, words: list[str], line: str) -> dict[str, str]:
    """key=value words; RouterOS 7 writes `channel.band=x .width=y` for `channel.width=y`."""
    args: dict[str, str] = {}
    group = ""
    for tok in words:
        key, sep, value = tok.partition("=")
        if not sep:
            raise ParseError(f"{menu}: expected key=value, got {tok!r} in: {line}")
        if key.startswith(".") and group:
            key = group + key
        elif "." in key:
            group = key.split(".", 1)[0]
        args[key] = value
    return args


def _normalise_target(target: str) -> str:
    # `set [ find name=telnet ]` and `set telnet` address the same item.
    match = re.fullmatch(r"\[ find (?:where )?name=(\S+) \]", target)
    if match:
        return tokenize(match.group(1))[0]
    return target


def _normalise_menu(path: str) -> str:
    # "/ip/address" (v7 style) and "/ip address" are the same menu.
    words = [w for w in re.split(r"[ /]+", path) if w]
    return "/" + " ".join(words)


# --- matching ------------------------------------------------------------------------------


@dataclass
class Match:
    """How the intended items of one menu meet the device's items."""

    pairs: list[tuple[Item, Item]] = field(default_factory=list)  # (intended, on the device)
    missing: list[Item] = field(default_factory=list)  # intended, not on the device
    duplicates: list[Item] = field(default_factory=list)  # ours by identity, but twice
    unmanaged: list[Item] = field(default_factory=list)  # on the device, not ours


def match_menu(menu: str, want: list[Item], have: list[Item]) -> Match:
    result = Match()
    free = list(have)
    by_identity: dict[tuple[str, str, str], list[Item]] = {}
    for item in have:
        by_identity.setdefault(item.key, []).append(item)
    later: list[Item] = []
    for item in want:
        found = [h for h in by_identity.get(item.key, []) if h in free]
        if item.verb == "add" and "name" in item.args and not found:
            # Named items may still carry our comment (renamed by hand): the name wins, but the
            # comment is our identity too.
            found = [
                h
                for h in free
                if "comment" in item.args and h.args.get("comment") == item.args["comment"]
            ]
        if len(found) > 1:
            result.duplicates.extend(found)
            for h in found:
                free.remove(h)
            result.missing.append(item)
            continue
        if found:
            free.remove(found[0])
            result.pairs.append((item, found[0]))
        else:
            later.append(item)
    for item in later:
        natural = item.natural()
        found = [h for h in free if natural is not None and _same_natural(h, natural)]
        if found:
            free.remove(found[0])
            result.pairs.append((item, found[0]))
        else:
            result.missing.append(item)
    result.unmanaged = [h for h in free if h.verb == "add"]
    return result


def address(item: Item, have: list[Item]) -> str:
    """A `find` that selects exactly this device item: its identity if no other item shares it
    (defconf gives eight bridge ports the comment `defconf`), else its natural key, else every
    property it has."""
    if item.verb == "set" or sum(1 for h in have if h.key == item.key) == 1:
        return item.find
    natural = item.natural()
    if natural is not None and sum(1 for h in have if h.natural() == natural) == 1:
        where = " ".join(
            f"{k}={quote(v)}" for k, v in zip(NATURAL_KEYS[item.menu], natural, strict=True)
        )
        return f"[ find {where} ]"
    where = " ".join(f"{k}={quote(v)}" for k, v in item.args.items() if not read_only(item.menu, k))
    return f"[ find {where} ]"


def _same_natural(item: Item, natural: tuple[str, ...]) -> bool:
    props = NATURAL_KEYS[item.menu]
    return all(
        p in item.args and same_value(p, item.args[p], v)
        for p, v in zip(props, natural, strict=True)
    )


# --- differences of one item --------------------------------------------------------------------


def changes(menu: str, want: Item, have: Item, rotate: bool) -> tuple[dict[str, str], list[str]]:
    """(properties to set, properties to unset) to turn `have` into `want`.

    An `add` item is ours as a whole: a property it does not set goes back to its default. A
    `set` item (a setting, a built-in item) is ours only as far as we set it.
    """
    list_item = want.verb == "add" or bool(want.target)
    to_set: dict[str, str] = {}
    for prop, value in want.args.items():
        if read_only(menu, prop):
            continue
        if prop in SENSITIVE:
            if rotate:
                to_set[prop] = value
            continue
        current = have.args.get(prop, default(menu, prop, list_item=list_item))
        if current is None or not same_value(prop, current, value):
            to_set[prop] = value
    to_unset: list[str] = []
    if want.verb == "set":
        return to_set, to_unset  # a setting or built-in item: only what we set is ours
    for prop, value in have.args.items():
        if prop in want.args or read_only(menu, prop) or prop in SENSITIVE:
            continue
        known = default(menu, prop, list_item=list_item)
        if known is not None:
            if not same_value(prop, value, known):
                to_set[prop] = known
        elif menu in ORDERED_MENUS:
            to_unset.append(prop)  # any matcher changes what a rule does
    return to_set, to_unset


# --- the plan -----------------------------------------------------------------------------------


@dataclass
class Plan:
    """Commands in the order they keep the management path, and what is left alone."""

    commands: list[str] = field(default_factory=list)
    unmanaged: list[str] = field(default_factory=list)


def plan(
    running: Config, intended: Config, *, rotate_secrets: bool = False, prune: bool = False
) -> Plan:
    """Absolute commands that turn `running` into `intended`; empty when nothing must change."""
    opening: list[str] = []  # what opens the WAN: after the firewall is in place
    safe: list[str] = []
    removals: list[list[str]] = []
    result = Plan()
    for menu in _menu_order(intended, running):
        want = intended.menus.get(menu, [])
        have = running.menus.get(menu, [])
        if menu in NOT_EXPORTED and not have:
            safe.extend(_rotate_only(menu, want, rotate_secrets))
            continue
        found = match_menu(menu, want, have)
        gone = list(found.duplicates)
        if menu not in NEVER_REMOVED:
            if prune:
                gone.extend(found.unmanaged)
            else:
                result.unmanaged.extend(
                    f"{menu} {i.line(with_secrets=False)}" for i in found.unmanaged
                )
        if menu in ORDERED_MENUS and _out_of_order(want, found, have):
            # Rewrite our rules: drops first, so each step is at most as strict as before.
            safe.extend(f"{menu} remove {address(h, have)}" for _, h in reversed(found.pairs))
            safe.extend(f"{menu} {w.line()}" for w in want if w.verb == "add")
            found.missing = [w for w in found.missing if w.verb != "add"]
            found.pairs = [(w, h) for w, h in found.pairs if w.verb == "set"]
        for item in found.missing:
            if item.verb == "set":
                # Not in the export: every property is at its default.
                found.pairs.append((item, Item(menu, "set", item.target, {})))
                continue
            (opening if _opens_wan(item) else safe).append(f"{menu} {item.line()}")
        for w, h in found.pairs:
            to_set, to_unset = changes(menu, w, h, rotate_secrets)
            where = address(h, have) if w.verb == "add" else w.find
            lines = []
            if to_set:
                lines.append(" ".join(p for p in (f"{menu} set", where, format_args(to_set)) if p))
            lines.extend(f"{menu} unset {where} value-name={p}" for p in to_unset)
            (opening if _opens_wan(w) else safe).extend(lines)
        if gone:
            # One `remove [ find comment=x ]` takes every item it selects: send it once.
            lines = [f"{menu} remove {address(i, have)}" for i in reversed(gone)]
            removals.append(list(dict.fromkeys(lines)))
    # Removals last, last menu first: an address goes before the interface it sits on.
    flat_removals = [c for block in reversed(removals) for c in block]
    result.commands = safe + opening + flat_removals
    return result


def diff(
    running: Config, intended: Config, *, rotate_secrets: bool = False, prune: bool = False
) -> list[str]:
    return plan(running, intended, rotate_secrets=rotate_secrets, prune=prune).commands


def _menu_order(intended: Config, running: Config) -> list[str]:
    """The template's menu order with the firewall moved before the addresses and routes."""
    menus = list(intended.menus)
    menus += [m for m in running.menus if m not in intended.menus]
    first_ip = next((i for i, m in enumerate(menus) if m.startswith("/ip ")), len(menus))
    firewall = [m for m in FIREWALL_MENUS if m in menus]
    rest = [m for m in menus if m not in firewall]
    return rest[:first_ip] + firewall + rest[first_ip:]


def _opens_wan(item: Item) -> bool:
    # The router template marks every WAN item with comment=wan (the PPPoE client, the WAN
    # address, DHCP client and list member) or as the ISP's default route.
    comment = item.args.get("comment", "")
    return (
        item.menu == "/interface pppoe-client"
        or comment == "wan"
        or comment == "default via the ISP"
    )


def _out_of_order(want: list[Item], found: Match, have: list[Item]) -> bool:
    """Our rules on the device are not in our order, or a missing one belongs before them."""
    position = {id(h): n for n, h in enumerate(have)}
    ours = sorted((p for p in found.pairs if p[0].verb == "add"), key=lambda p: position[id(p[1])])
    order = [w.key for w in want if w.verb == "add"]
    present = [w.key for w, _ in ours]
    if present != [k for k in order if k in present]:
        return True
    if not present:
        return False
    last = order.index(present[-1])
    missing = {w.key for w in found.missing}
    return any(k in missing for k in order[:last])


def _rotate_only(menu: str, want: list[Item], rotate: bool) -> list[str]:
    # Accounts are proven by the login; passwords are only sent on request.
    return [
        f"{menu} set {i.find} {format_args({k: v for k, v in i.args.items() if k in SENSITIVE})}"
        for i in want
        if rotate and i.verb == "add" and any(k in SENSITIVE for k in i.args)
    ]


def fill_secrets(target: Config, source: Config) -> Config:
    """Copy sensitive properties from `source` into same-key items of `target` lacking them.

    A backup has no secrets (the export hides them); restoring an item the backup holds but the
    device lost needs them, and the vault (the intended configuration) has them.
    """
    for menu, items in target.menus.items():
        for item in items:
            other = source.get(menu, item.key)
            if other is None:
                continue
            for prop, value in other.args.items():
                if prop in SENSITIVE and prop not in item.args:
                    item.args[prop] = value
    return target
