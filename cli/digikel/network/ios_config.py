"""IOS remediation with hier_config (v3): the commands that turn running into intended.

The comparison is made in the device's own terms, so that a switch already configured as intended
gets an empty plan from the text a real Catalyst 1000 (IOS 15.2(7)E) prints:

- lines IOS prints by itself are left out on both sides: `Building configuration...`,
  `Current configuration : N bytes`, `!` comments, `version`, the boot markers, `end`,
  `switch N provision <model>`, banners, the self-signed HTTPS trustpoint and its certificate;
- spellings IOS accepts but prints differently are compared in the printed form
  (`ip domain name` -> `ip domain-name`, `spanning-tree portfast` -> `... portfast edge`);
- create-only secrets: IOS shows a user's or the enable secret only as a hash
  (`secret 9 $9$...`) and SNMPv3 users not at all (the fetch adds `snmp-server user <name>
  <group> v3` from `show snmp user`). An item the device already has, with the same non-secret
  words, counts as equal to the intended one; `rotate_secrets=True` sends it again;
- only what digikel manages is removed: the command families of the template (VLANs,
  interfaces, SNMP, NTP, lines, ...) and the users and ACLs the target names. Anything else found
  on the device (a `logging host` a field engineer added, a local user of theirs) is left alone
  and listed by `unmanaged()`, as the RouterOS side does (issue 11, section 2).

Negations use the forms Cisco documents and after which IOS prints nothing (the default), so a
rollback to any backup, the factory one included, converges:

- an interface whose target block is empty (a factory port) is reset with
  `default interface <name>` (Catalyst 2960-X/C1000 configuration guide, "Configuring Interface
  Characteristics": "default interface interface-id" returns the interface to its defaults);
- inside a kept interface, the documented `no` forms without the old value: `no switchport
  mode`, `no switchport access vlan`, `no switchport trunk allowed vlan`, `no description`,
  `no spanning-tree portfast` (Catalyst 2960-X command reference, Layer 2 commands);
- `no vtp mode` returns to VTP server mode ("The no vtp mode command returns the device to VTP
  server mode", Catalyst VTP configuration guide); `no username <name>`,
  `no snmp-server user <name> <group> v3`, `default transport input` on lines.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hier_config import HConfig
    from hier_config.platforms.driver_base import HConfigDriverBase

# Whole lines IOS prints by itself; never sent, never removed.
_PLATFORM_LINE = re.compile(
    r"^(version \S+$|boot-start-marker$|boot-end-marker$|end$|!|Building configuration|"
    r"Current configuration\s*:|switch \d+ provision \S+$|ntp clock-period )"
)
# Blocks IOS makes by itself: the self-signed certificate of the HTTPS server (made at first
# boot while `ip http secure-server` is on, kept after it is turned off).
_PLATFORM_BLOCK = re.compile(r"^crypto pki (trustpoint|certificate chain) TP-self-signed-\d+$")
# `banner motd ^C` ... text ... `^C`: IOS prints the delimiter as the two characters ^C.
_BANNER = re.compile(r"^banner \S+ (\^C|\S)(.*)$")
# (accepted spelling, printed spelling) of IOS 15.2(7)E, compared in the printed form.
_ALIASES = (
    (re.compile(r"^ip domain name "), "ip domain-name "),
    (re.compile(r"^(no )?ip domain lookup$"), r"\1ip domain-lookup"),
    (re.compile(r"^ip domain list "), "ip domain-list "),
    (re.compile(r"^ spanning-tree portfast$"), " spanning-tree portfast edge"),
    (re.compile(r"^ spanning-tree portfast trunk$"), " spanning-tree portfast edge trunk"),
)
# Command families the template writes: a device line of these that the target lacks is removed.
_MANAGED = re.compile(
    r"^(no )?(hostname |service |aaa new-model|system mtu |spanning-tree |vlan |vtp |"
    r"ip forward-protocol |ip http |ip domain-|ip default-gateway |ip ssh |clock timezone |"
    r"interface |snmp-server |ntp server |line |ip access-list )"
)
# Not in _MANAGED: `archive`. The revert timer that guards every change needs its path, so the
# block is never removed, whatever the target (a backup from before digikel) says.
# Managed only where the target names the same item: local users and the enable secret. Like
# RouterOS users, a user digikel does not know (a field engineer's) is never removed.
_NAMED = (
    re.compile(r"^username (\S+)"),
    re.compile(r"^(enable) (?:secret|password)"),
)
# Secrets IOS hashes: `secret 9 $9$...` on the device, `secret <plain>` in the template.
_SECRET = re.compile(
    r"^(?P<head>username \S+(?: privilege \d+)?|enable) (?P<kind>secret|password) "
    r"(?:(?P<type>\d) )?(?P<value>\S+)$"
)
_SNMP_USER = re.compile(r"^snmp-server user (\S+) (\S+) v3\b")

# Commands with one value: setting the new one replaces the old, so a `no <old>` before it is
# noise (and on some lines, such as `no ip address`, a brief outage).
_SINGLE_VALUE = (
    "hostname",
    "ip default-gateway",
    "ip domain-name",
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
    "transport input",
    "vtp mode",
)


def clean(text: str) -> str:
    """The configuration in comparable form: platform lines out, printed spellings, no blanks."""
    out: list[str] = []
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    skip_children = False
    banner_end: str | None = None
    for raw in lines:
        line = raw.rstrip()
        if banner_end is not None:
            if banner_end in line:
                banner_end = None
            continue
        if not line.strip():
            continue
        if line.startswith(" ") and skip_children:
            continue
        skip_children = False
        if _PLATFORM_BLOCK.match(line):
            skip_children = True
            continue
        banner = _BANNER.match(line)
        if banner:
            if banner.group(1) not in banner.group(2):
                banner_end = banner.group(1)
            continue
        if _PLATFORM_LINE.match(line) or line.strip() == "!":
            continue
        for pattern, printed in _ALIASES:
            line = pattern.sub(printed, line)
        out.append(line)
    return "\n".join(out) + "\n" if out else ""


def _secret_key(line: str) -> str | None:
    """The words of a secret-bearing line that are not its secret (None: no such line)."""
    match = _SECRET.match(line)
    if match:
        return f"{match.group('head')} {match.group('kind')}"
    snmp = _SNMP_USER.match(line)
    if snmp:
        return f"snmp-server user {snmp.group(1)} {snmp.group(2)} v3"
    return None


def settle_create_only(running: str, intended: str, *, rotate_secrets: bool = False) -> str:
    """The intended text with create-only lines taken from the device where it has them.

    A line counts as present when the device has one with the same words apart from the secret:
    `username digikel privilege 15 secret 9 $9$...` for `... secret <plain>`, or the keyless
    `snmp-server user <name> <group> v3` the fetch builds from `show snmp user`. A different
    privilege or group is a change, and sends the intended line with its secret.
    """
    if rotate_secrets:
        return intended
    have: dict[str, str] = {}
    for line in running.splitlines():
        key = _secret_key(line)
        if key:
            have[key] = line
    out = []
    for line in intended.splitlines():
        key = _secret_key(line)
        out.append(have.get(key, line) if key else line)
    return "\n".join(out) + "\n"


def _top_blocks(text: str) -> list[list[str]]:
    blocks: list[list[str]] = []
    for line in text.splitlines():
        if line.startswith(" ") and blocks:
            blocks[-1].append(line)
        else:
            blocks.append([line])
    return blocks


def _named(line: str) -> str | None:
    for pattern in _NAMED:
        match = pattern.match(line)
        if match:
            return f"{pattern.pattern}:{match.group(1)}"
    return None


def _is_managed(line: str, target_names: set[str]) -> bool:
    name = _named(line)
    if name is not None:
        return name in target_names
    return bool(_MANAGED.match(line))


def split_managed(running: str, target: str) -> tuple[str, list[str]]:
    """(the running text digikel compares, the top-level lines it leaves alone).

    A device block is left alone when the target does not have it and digikel does not manage
    its kind (see _MANAGED and _NAMED)."""
    target_tops = {line for line in target.splitlines() if not line.startswith(" ")}
    target_names = {n for line in target_tops if (n := _named(line))}
    kept: list[str] = []
    alone: list[str] = []
    for block in _top_blocks(running):
        head = block[0]
        if head in target_tops or _is_managed(head, target_names):
            kept.extend(block)
        else:
            alone.extend(block)
    return "\n".join(kept) + "\n" if kept else "", alone


def unmanaged(running: str, intended: str) -> list[str]:
    """Lines on the device that digikel leaves alone (drift to report, never removed)."""
    return split_managed(clean(running), clean(intended))[1]


def _driver() -> HConfigDriverBase:
    """hier_config's IOS driver with the negations and equivalences of a Catalyst 1000."""
    from hier_config import Platform
    from hier_config.constructors import get_hconfig_driver
    from hier_config.models import (
        IdempotentCommandsRule,
        MatchRule,
        NegationSubRule,
        OrderingRule,
    )

    driver = get_hconfig_driver(Platform.CISCO_IOS)
    rules = driver.rules

    # Documented no-forms without the old value (IOS resets to the default, prints nothing).
    # (parent, child prefix, regex on the negated line, replacement)
    for parent, child, search, use in (
        ("interface ", "switchport mode ", r"^no (switchport mode) .*$", r"no \1"),
        ("interface ", "switchport access vlan ", r"^no (switchport access vlan) .*$", r"no \1"),
        ("interface ", "switchport trunk ", r"^no (switchport trunk \S+ vlan) .*$", r"no \1"),
        ("interface ", "description ", r"^no (description) .*$", r"no \1"),
        ("interface ", "spanning-tree portfast", r"^no (spanning-tree portfast)\b.*$", r"no \1"),
        ("line ", "transport input", r"^no (transport input)\b.*$", r"default \1"),
        ("line ", "login", r"^no (login)\b.*$", r"no \1"),
        ("", "vtp mode ", r"^no (vtp mode) .*$", r"no \1"),
        ("", "username ", r"^no (username \S+) .*$", r"no \1"),
        ("", "snmp-server user ", r"^no (snmp-server user \S+ \S+ v3) .*$", r"no \1"),
        ("", "clock timezone ", r"^no (clock timezone) .*$", r"no \1"),
        ("", "ip ssh version ", r"^no (ip ssh version) .*$", r"no \1"),
        ("", "snmp-server group ", r"^no (snmp-server group \S+ v3 \S+) .*$", r"no \1"),
        ("", "snmp-server location ", r"^no (snmp-server location) .*$", r"no \1"),
        ("", "snmp-server contact ", r"^no (snmp-server contact) .*$", r"no \1"),
    ):
        match = (
            (MatchRule(startswith=parent), MatchRule(startswith=child))
            if parent
            else (MatchRule(startswith=child),)
        )
        rules.negation_sub.append(NegationSubRule(match_rules=match, search=search, replace=use))
    # One value each: the new line replaces the old one, no negation needed.
    for parent, child in (
        ("interface ", r"^switchport access vlan "),
        ("interface ", r"^switchport trunk allowed vlan "),
        ("interface ", r"^switchport trunk native vlan "),
        ("line ", r"^login( |$)"),
        ("line ", r"^transport input "),
    ):
        rules.idempotent_commands.append(
            IdempotentCommandsRule(
                match_rules=(MatchRule(startswith=parent), MatchRule(re_search=child))
            )
        )
    for top in (
        r"^hostname ",
        r"^ip default-gateway ",
        r"^ip domain-name ",
        r"^clock timezone ",
        r"^spanning-tree mode ",
        r"^vtp mode ",
        r"^snmp-server location ",
        r"^snmp-server contact ",
        # A user's line replaces the user (a new secret or privilege): never `no username` first,
        # which would remove the account the session itself may be logged in with.
        r"^username (\S+) ",
        r"^snmp-server user (\S+) ",
        r"^enable (secret|password) ",
        # On/off settings IOS prints in both forms: the one replaces the other.
        r"^(no )?service password-encryption$",
        r"^(no )?service pad$",
        r"^(no )?ip http server$",
        r"^(no )?ip http secure-server$",
        r"^(no )?aaa new-model$",
    ):
        rules.idempotent_commands.append(
            IdempotentCommandsRule(match_rules=(MatchRule(re_search=top),))
        )
    # VTP transparent first: in server mode IOS keeps VLANs out of the running-config, so the
    # mode must change before the VLANs that are to appear there. Leaving it (rollback) last.
    rules.ordering.append(
        OrderingRule(match_rules=(MatchRule(startswith="vtp mode "),), weight=-20)
    )
    rules.ordering.append(
        OrderingRule(match_rules=(MatchRule(startswith="no vtp mode"),), weight=20)
    )
    return driver


def _parse(driver: HConfigDriverBase, text: str) -> HConfig:
    from hier_config import get_hconfig

    return get_hconfig(driver, text)


# Ports of the hardware: IOS cannot remove them (`no interface` is for SVIs, port-channels...).
_PHYSICAL = re.compile(
    r"^interface (GigabitEthernet|FastEthernet|TenGigabitEthernet|TwoGigabitEthernet|Ethernet)\d"
)


def _factory_interfaces(run: str, want: str) -> tuple[str, list[str]]:
    """`default interface X` for each interface the target has empty and the device has not.

    Returns the running text as it will be after those commands (the blocks emptied) and the
    commands. hier_config drops ` no ip address` (IOS prints it for every unaddressed SVI), so
    such a block counts as empty too. A port the target does not list at all (another model's
    backup) is reset the same way rather than given a `no interface` IOS would refuse.
    """
    want_blocks = {b[0]: b[1:] for b in _top_blocks(want) if b[0].startswith("interface ")}
    commands: list[str] = []
    out: list[str] = []
    for block in _top_blocks(run):
        head, children = block[0], block[1:]
        listed = head in want_blocks
        target = want_blocks.get(head, [] if _PHYSICAL.match(head) else None)
        meaningful = [c for c in children if c.strip() != "no ip address"]
        empty_target = target is not None and not [
            c for c in target if c.strip() != "no ip address"
        ]
        if empty_target and meaningful:
            commands.append(f"default {head}")
        if empty_target and not listed:
            continue  # a port the target does not list: nothing more to compare
        out.extend([head] if empty_target and meaningful else block)
    return "\n".join(out) + "\n" if out else "", commands


def remediation(running: str, intended: str, *, rotate_secrets: bool = False) -> list[str]:
    """Commands for the device, in order, with IOS one-space indentation under their parent."""
    from hier_config import WorkflowRemediation

    want = clean(intended)
    run = clean(running)
    want = clean(settle_create_only(run, want, rotate_secrets=rotate_secrets))
    run, _ = split_managed(run, want)
    run, defaults = _factory_interfaces(run, want)
    driver = _driver()
    work = WorkflowRemediation(_parse(driver, run), _parse(driver, want))
    lines: list[str] = []
    for line in work.remediation_config.dump_simple():
        stripped = line.lstrip(" ")
        depth = (len(line) - len(stripped)) // 2
        lines.append(" " * depth + stripped)
    lines = _drop_replaced_negations(_without_acl_sequence(lines))
    return _dedupe(defaults + lines)


def _dedupe(lines: list[str]) -> list[str]:
    """The same top-level command once (hier_config can both add `X` and negate `no X`)."""
    seen: set[str] = set()
    out: list[str] = []
    for line in lines:
        if not line.startswith(" ") and line in seen:
            continue
        seen.add(line)
        out.append(line)
    return out


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
    """A backup made into a target: secrets it lacks come from the intended (vault) lines.

    `snmp-server user <name> <group> v3` (no keys, as the fetch builds it) gets the vault's full
    line; a line whose secret was redacted (`VAULT:redacted`) takes the intended line with the
    same non-secret words, or is left out: a redaction marker is never sent as a password.
    """
    from digikel.network.noise import REDACTED

    full = {
        m.group(1): line
        for line in intended.splitlines()
        if (m := re.match(r"^snmp-server user (\S+) ", line))
    }
    by_key = {k: line for line in intended.splitlines() if (k := _secret_key(line))}
    out = []
    for line in backup.splitlines():
        m = re.fullmatch(r"snmp-server user (\S+) \S+ v3", line)
        if m:
            out.append(full.get(m.group(1), line))
        elif REDACTED in line:
            key = _secret_key(line)
            if key and key in by_key:
                out.append(by_key[key])
        else:
            out.append(line)
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
