"""RouterOS scripts as data, and the commands that turn one configuration into another.

Why our own differ: hier_config (v3) has no RouterOS driver and netutils parses RouterOS for
compliance checks but computes no remediation. RouterOS configuration is flat: a menu path
(`/ip address`) holds items, each written as `add k=v ...` (a list item) or `set [target] k=v`
(a singleton or a built-in item). Our templates give every `add` a stable identity (name= or,
failing that, comment=), so an item of the intended configuration can be found in the running one
and changed in place with `set [ find ... ]`, removed with `remove [ find ... ]` or added.

Rules (docs/network.md):
- add item missing on the device -> `add` (with its secrets);
- add item on the device but not intended -> `remove` (removals run first, last menu first);
- add item with different values -> `set [ find <key> ] changed=values`; if the device item has a
  property the intended one does not, the item is removed and added again (RouterOS has no
  general way to reset a property to its default);
- set item -> `set <target> changed=values` (built-in items are never removed);
- ordered menus (firewall, queues): when the surviving items are out of order or a new item is
  not at the end, the whole menu is rewritten (remove all, add all), inside safe mode;
- sensitive properties (passwords, keys) are hidden by `/export`: they are sent when an item is
  created and otherwise only with rotate_secrets=True, so a second push sends nothing;
- `/user` is not part of `/export` on RouterOS: the automation user is proven by the login
  itself and its password is only sent with rotate_secrets=True; users, groups and their SSH
  keys are never removed (that would be a lockout).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

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
        if self.verb == "set":
            return ("set", self.target, "")
        for prop in ("name", "comment"):
            if prop in self.args:
                return ("add", prop, self.args[prop])
        # No identity: the whole line is its identity (it can only be added or removed).
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
            where = " ".join(f"{k}={quote(v)}" for k, v in self.args.items())
            return f"[ find {where} ]"
        return f"[ find {prop}={quote(value)} ]"

    def line(self, *, with_secrets: bool = True) -> str:
        args = {k: v for k, v in self.args.items() if with_secrets or k not in SENSITIVE}
        head = self.verb if not self.target else f"{self.verb} {self.find}"
        return f"{head} {format_args(args)}".rstrip()


@dataclass
class Config:
    """A parsed RouterOS configuration: menus in order, each with its items in order."""

    menus: dict[str, dict[tuple[str, str, str], Item]] = field(default_factory=dict)
    # `add` items whose identity occurs more than once (made by hand): addressed by `find`, they
    # cannot be told apart, so a diff removes them all and adds the intended one again.
    duplicates: set[tuple[str, tuple[str, str, str]]] = field(default_factory=set)

    def add(self, item: Item) -> None:
        items = self.menus.setdefault(item.menu, {})
        key = item.key
        if key in items and item.verb == "set":
            items[key].args.update(item.args)  # several `set` lines of one target merge
        elif key in items:
            self.duplicates.add((item.menu, key))
        else:
            items[key] = item

    def items(self) -> Iterable[Item]:
        for items in self.menus.values():
            yield from items.values()

    def text(self, *, with_secrets: bool = True) -> str:
        out: list[str] = []
        for menu, items in self.menus.items():
            if not items:
                continue
            out.append(menu)
            out.extend(i.line(with_secrets=with_secrets) for i in items.values())
        return "\n".join(out) + ("\n" if out else "")


def quote(value: str) -> str:
    if value and _PLAIN.match(value):
        return value
    escaped = (
        value.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$").replace("?", "\\?")
    )
    return f'"{escaped}"'


def format_args(args: dict[str, str]) -> str:
    return " ".join(f"{k}={quote(v)}" for k, v in args.items())


def _join_continuations(text: str) -> list[str]:
    """Logical lines: RouterOS export wraps long lines with a trailing backslash."""
    lines: list[str] = []
    pending = ""
    for raw in text.replace("\r", "").split("\n"):
        if pending:
            raw = raw.lstrip()
        if raw.endswith("\\") and not raw.endswith("\\\\"):
            pending += raw[:-1]
            continue
        lines.append(pending + raw)
        pending = ""
    if pending:
        lines.append(pending)
    return lines


def tokenize(line: str) -> list[str]:
    """Split a command line into words; quoted values are unescaped, `[ ... ]` kept whole."""
    tokens: list[str] = []
    pos, size = 0, len(line)
    while pos < size:
        if line[pos].isspace():
            pos += 1
            continue
        if line[pos] == "[":
            depth, end = 0, pos
            while end < size:
                if line[end] == "[":
                    depth += 1
                elif line[end] == "]":
                    depth -= 1
                    if depth == 0:
                        break
                end += 1
            if end >= size:
                raise ParseError(f"unclosed '[' in: {line}")
            inner = " ".join(line[pos + 1 : end].split())
            tokens.append(f"[ {inner} ]")
            pos = end + 1
            continue
        word: list[str] = []
        while pos < size and not line[pos].isspace():
            char = line[pos]
            if char == '"':
                pos += 1
                while pos < size and line[pos] != '"':
                    if line[pos] == "\\" and pos + 1 < size:
                        pos += 1
                        nxt = line[pos]
                        word.append({"n": "\n", "t": "\t", "r": "\r", "_": " "}.get(nxt, nxt))
                    else:
                        word.append(line[pos])
                    pos += 1
                if pos >= size:
                    raise ParseError(f"unterminated quote in: {line}")
                pos += 1
                continue
            word.append(char)
            pos += 1
        tokens.append("".join(word))
    return tokens


def parse(text: str) -> Config:
    """Parse an export (or one of our templates) into a Config. Comments and blanks are skipped."""
    config = Config()
    menu = "/"
    for line in _join_continuations(text):
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
            config.menus.setdefault(menu, {})
            tokens = rest
            if not tokens:
                continue
        verb, rest = tokens[0], tokens[1:]
        if verb not in ("add", "set"):
            raise ParseError(f"{menu}: cannot read command {verb!r} in: {stripped}")
        target = ""
        if verb == "set" and rest and (rest[0].startswith("[") or "=" not in rest[0]):
            target, rest = _normalise_target(rest[0]), rest[1:]
        args: dict[str, str] = {}
        for tok in rest:
            key, sep, value = tok.partition("=")
            if not sep:
                raise ParseError(f"{menu}: expected key=value, got {tok!r} in: {stripped}")
            args[key] = value
        config.add(Item(menu, verb, target, args))
    return config


def _normalise_target(target: str) -> str:
    # `set [ find name=telnet ]` and `set telnet` address the same item.
    match = re.fullmatch(r"\[ find (?:where )?name=(\S+) \]", target)
    if match:
        name = tokenize(match.group(1))[0]
        return name
    return target


def _normalise_menu(path: str) -> str:
    # "/ip/address" (v7 style) and "/ip address" are the same menu.
    words = [w for w in re.split(r"[ /]+", path) if w]
    return "/" + " ".join(words)


def _differs(want: Item, have: Item, rotate: bool) -> tuple[dict[str, str], list[str]]:
    """(properties to set, properties the device has that we do not want)."""
    changed = {
        k: v
        for k, v in want.args.items()
        if have.args.get(k) != v and (k not in SENSITIVE or rotate)
    }
    extra = [k for k in have.args if k not in want.args and k not in SENSITIVE]
    return changed, extra


def diff(running: Config, intended: Config, *, rotate_secrets: bool = False) -> list[str]:
    """Commands that turn `running` into `intended`; empty when nothing must change."""
    removals: list[str] = []
    changes: list[str] = []
    if running.duplicates:
        running = _without_duplicates(running)
    for menu in reversed(list(running.menus)):
        if menu in NEVER_REMOVED:
            continue
        want = intended.menus.get(menu, {})
        gone = [
            i
            for k, i in running.menus[menu].items()
            if i.verb == "add" and (k not in want or (menu, k) in running.duplicates)
        ]
        if gone:
            removals.append(menu)
            removals.extend(f"remove {i.find}" for i in reversed(gone))
    for menu, want_items in intended.menus.items():
        lines = _menu_changes(menu, want_items, running, rotate_secrets)
        if lines:
            changes.append(menu)
            changes.extend(lines)
    return removals + changes


def _without_duplicates(running: Config) -> Config:
    """A copy in which duplicated items stay listed (to be removed) but count as absent."""
    import copy

    copied = copy.deepcopy(running)
    for menu, key in running.duplicates:
        item = copied.menus[menu].pop(key)
        # Re-insert under a key no intended item has, so it is removed and not compared.
        copied.menus[menu][("dup", key[1], key[2])] = item
    copied.duplicates = set()
    return copied


def _menu_changes(
    menu: str,
    want_items: dict[tuple[str, str, str], Item],
    running: Config,
    rotate: bool,
) -> list[str]:
    have_items = running.menus.get(menu, {})
    if menu in NOT_EXPORTED and menu not in running.menus:
        # Proven by the login; passwords only on request.
        return [
            f"set {i.find} {format_args({k: v for k, v in i.args.items() if k in SENSITIVE})}"
            for i in want_items.values()
            if rotate and i.verb == "add" and any(k in SENSITIVE for k in i.args)
        ]
    lines: list[str] = []
    if menu in ORDERED_MENUS and _needs_rewrite(want_items, have_items):
        lines.extend(
            f"remove {i.find}"
            for k, i in reversed(list(have_items.items()))
            if i.verb == "add" and k in want_items
        )
        lines.extend(i.line() for i in want_items.values() if i.verb == "add")
        want_sets = {k: i for k, i in want_items.items() if i.verb == "set"}
        return lines + _item_changes(want_sets, have_items, rotate)
    return _item_changes(want_items, have_items, rotate)


def _item_changes(
    want_items: dict[tuple[str, str, str], Item],
    have_items: dict[tuple[str, str, str], Item],
    rotate: bool,
) -> list[str]:
    lines: list[str] = []
    for key, want in want_items.items():
        have = have_items.get(key)
        if have is None:
            lines.append(want.line())
            continue
        changed, extra = _differs(want, have, rotate)
        if want.verb == "add" and extra:
            lines.append(f"remove {have.find}")
            lines.append(want.line())
        elif changed:
            lines.append(" ".join(p for p in ("set", want.find, format_args(changed)) if p))
    return lines


def _needs_rewrite(
    want_items: dict[tuple[str, str, str], Item], have_items: dict[tuple[str, str, str], Item]
) -> bool:
    want_order = [k for k, i in want_items.items() if i.verb == "add"]
    kept = [k for k, i in have_items.items() if i.verb == "add" and k in want_items]
    if kept != [k for k in want_order if k in kept]:
        return True
    # New items may only be appended after the last kept one.
    if kept:
        last = want_order.index(kept[-1])
        return any(k not in kept for k in want_order[:last])
    return False


def fill_secrets(target: Config, source: Config) -> Config:
    """Copy sensitive properties from `source` into same-key items of `target` lacking them.

    A backup has no secrets (the export hides them); restoring an item the backup holds but the
    device lost needs them, and the vault (the intended configuration) has them.
    """
    for menu, items in target.menus.items():
        for key, item in items.items():
            other = source.menus.get(menu, {}).get(key)
            if other is None:
                continue
            for prop, value in other.args.items():
                if prop in SENSITIVE and prop not in item.args:
                    item.args[prop] = value
    return target
