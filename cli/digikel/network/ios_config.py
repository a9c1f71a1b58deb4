"""IOS remediation with hier_config (v3): the commands that turn running into intended.

Two adjustments make a second push send nothing:
- lines IOS prints but no template manages (version, boot markers, end) are left out;
- create-only lines: IOS shows a user's secret only as a hash (`secret 9 $9$...`) and never shows
  SNMPv3 users. If the device already has the user, the intended line is replaced by the device's
  own (set on create only); with rotate_secrets=True the intended line is sent again.
"""

from __future__ import annotations

import re

_UNMANAGED = re.compile(r"^(version |boot-start-marker|boot-end-marker|end$|!)")
# Commands with one value: setting the new one replaces the old, so a `no <old>` before it is
# noise (and on some lines, such as `no ip address`, a brief outage).
_SINGLE_VALUE = (
    "hostname",
    "ip default-gateway",
    "ip domain name",
    "clock timezone",
    "snmp-server location",
    "snmp-server contact",
    "description",
    "ip address",
    "name",
    "login",
    "spanning-tree mode",
    "switchport access vlan",
    "switchport trunk allowed vlan",
    "switchport trunk native vlan",
)
_CREATE_ONLY = (
    re.compile(r"^username (\S+) "),
    re.compile(r"^snmp-server user (\S+) "),
)


def clean(text: str) -> str:
    lines = [line.rstrip() for line in text.splitlines()]
    return "\n".join(line for line in lines if line.strip() and not _UNMANAGED.match(line)) + "\n"


def _create_only_key(line: str) -> str | None:
    for pattern in _CREATE_ONLY:
        match = pattern.match(line)
        if match:
            return pattern.pattern.split("(")[0] + match.group(1)
    return None


def settle_create_only(running: str, intended: str, *, rotate_secrets: bool = False) -> str:
    """The intended text with create-only lines taken from the device where it has them."""
    if rotate_secrets:
        return intended
    have: dict[str, str] = {}
    for line in running.splitlines():
        key = _create_only_key(line)
        if key:
            have[key] = line
    out = []
    for line in intended.splitlines():
        key = _create_only_key(line)
        out.append(have.get(key, line) if key else line)
    return "\n".join(out) + "\n"


def remediation(running: str, intended: str, *, rotate_secrets: bool = False) -> list[str]:
    """Commands for the device, in order, with IOS one-space indentation under their parent."""
    from hier_config import Platform, WorkflowRemediation, get_hconfig

    run = clean(running)
    want = clean(settle_create_only(run, intended, rotate_secrets=rotate_secrets))
    work = WorkflowRemediation(
        get_hconfig(Platform.CISCO_IOS, run), get_hconfig(Platform.CISCO_IOS, want)
    )
    lines: list[str] = []
    for line in work.remediation_config.dump_simple():
        stripped = line.lstrip(" ")
        depth = (len(line) - len(stripped)) // 2
        lines.append(" " * depth + stripped)
    return _drop_replaced_negations(_without_acl_sequence(lines))


def _without_acl_sequence(lines: list[str]) -> list[str]:
    """hier_config numbers ACL entries (`10 permit ...`); we send them as IOS shows them."""
    out: list[str] = []
    parent = ""
    for line in lines:
        if not line.startswith(" "):
            parent = line
        elif parent.startswith("ip access-list "):
            line = re.sub(r"^(\s+)\d+ (permit|deny|remark) ", r"\1\2 ", line)
        out.append(line)
    return out


def _drop_replaced_negations(lines: list[str]) -> list[str]:
    """Remove `no <single-value command> old` when the same block sets a new value."""

    def block_of(index: int) -> int:
        depth = len(lines[index]) - len(lines[index].lstrip(" "))
        if depth == 0:
            return -1
        for j in range(index - 1, -1, -1):
            if len(lines[j]) - len(lines[j].lstrip(" ")) < depth:
                return j
        return -1

    def prefix(text: str) -> str | None:
        return next((p for p in _SINGLE_VALUE if text == p or text.startswith(p + " ")), None)

    keep: list[str] = []
    for i, line in enumerate(lines):
        body = line.lstrip(" ")
        if body.startswith("no "):
            pre = prefix(body[3:])
            if pre and any(
                block_of(j) == block_of(i)
                and len(lines[j]) - len(lines[j].lstrip(" ")) == len(line) - len(body)
                and prefix(lines[j].lstrip(" ")) == pre
                for j in range(len(lines))
                if j != i
            ):
                continue
        keep.append(line)
    return keep


def fill_snmp_users(backup: str, intended: str) -> str:
    """Backup lines `snmp-server user <name> <group> v3` (no keys) get the vault's full line."""
    full = {
        m.group(1): line
        for line in intended.splitlines()
        if (m := re.match(r"^snmp-server user (\S+) ", line))
    }
    out = []
    for line in backup.splitlines():
        m = re.fullmatch(r"snmp-server user (\S+) \S+ v3", line)
        out.append(full.get(m.group(1), line) if m else line)
    return "\n".join(out) + "\n"


def block(text: str, parent: str) -> list[str]:
    """The lines of top-level block `parent` (with its indented children) in `text`."""
    out: list[str] = []
    inside = False
    for line in text.splitlines():
        if line and not line.startswith(" "):
            inside = line == parent
        if inside:
            out.append(line)
    return out


def keep_archive(target: str, current: str) -> str:
    """`target` plus the device's `archive` block when `target` has none.

    The revert timer needs an archive path, so a push sets it up before the guarded change; it
    stays when that change is undone, and restoring a backup from before it does not remove it.
    """
    if block(target, "archive"):
        return target
    kept = block(current, "archive")
    return target.rstrip("\n") + "\n" + "\n".join(kept) + "\n" if kept else target
