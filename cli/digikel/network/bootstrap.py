"""Day 0 of a RouterOS device: from MikroTik's factory configuration to the state the push needs.

The push assumes a device at its inventory address with digikel's account. A device out of the
box answers on its factory address (192.168.88.1; in the lab 127.65.<site>.<octet>) as `admin`
with an empty password. `bootstrap_device` gets it from there to the push's starting state, in
two sessions so that the device is never left without a way in:

1. **the factory session** (as `admin`, host key shown and confirmed first): checks the device
   is in factory state (identity `MikroTik`, `admin` the only user) and reads its facts; adds
   digikel's account from the vault, the identity, and the management VLAN and address exactly
   as the intended configuration has them (bridge, `/interface vlan`, `/ip address` of the
   `mgmt` segment), so the push later takes them over in place;
2. **the handover session** (as digikel, at the inventory address, the just-recorded host key
   verified strictly): clears the defconf (every item the intended management items do not
   keep, by the differ's own removals, addresses before the interfaces they sit on) and
   disables `admin`. Only a working login as digikel at the inventory address removes the
   factory way in.

A second run finds the factory address silent, logs in as digikel and finds nothing to do.
No CLI here: `digikel network bootstrap` is in cli/network.py.
"""

from __future__ import annotations

import contextlib
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from digikel.errors import DigikelError, InputError
from digikel.inventory.addressing import FACTORY_ADDRESS
from digikel.network import hostkeys, routeros_config
from digikel.network.connection import DeviceError, Endpoint, Timeouts, connect, run_command

if TYPE_CHECKING:
    from digikel.inventory.model import Device, Inventory

FACTORY_USER = "admin"
FACTORY_IDENTITY = "MikroTik"
PROMPT = r"\] (> |<SAFE> )"


class NotFactory(DigikelError):
    """The device is not in factory state and --force was not given: nothing was changed."""


class FingerprintRefused(DigikelError):
    """The host key offered is not the one expected or confirmed: nothing was changed."""


@dataclass
class BootstrapResult:
    device: str
    site: str
    platform: str
    found: str = ""  # what the device was found in: factory, bootstrapped, half-bootstrapped
    changed: bool = False
    commands: list[str] = field(default_factory=list)
    fingerprint: str | None = None
    model: str | None = None
    version: str | None = None
    serial: str | None = None
    error: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None

    def as_dict(self) -> dict[str, Any]:
        return {
            "device": self.device,
            "site": self.site,
            "platform": self.platform,
            "found": self.found,
            "changed": self.changed,
            "ok": self.ok,
            "commands": [_mask(c) for c in self.commands],
            "fingerprint": self.fingerprint,
            "model": self.model,
            "version": self.version,
            "serial": self.serial,
            "error": self.error,
            "notes": list(self.notes),
        }


def _mask(command: str) -> str:
    return re.sub(
        r'password=("[^"]*"|\S+)', "password=VAULT:vault_digikel_device_password", command
    )


RECORD_PREFIX = "network-bootstrap"


def record_detail(res: BootstrapResult) -> str:
    """The store's record of one bootstrap (device_facts.detail; who and when are the row's)."""
    outcome = "failed" if res.error else "changed" if res.changed else "unchanged"
    parts = [RECORD_PREFIX, outcome, f"found={res.found or 'unknown'}"]
    if res.version:
        parts.append(f"version={res.version}")
    if res.commands:
        parts.append(f"commands={len(res.commands)}")
    return "; ".join(parts)


def factory_host(device: Device, inv: Inventory) -> tuple[str, int]:
    """Where the device answers out of the box: 192.168.88.1:22, or its lab stand-in."""
    if inv.environment == "lab":
        from digikel.inventory.addressing import lab_factory_address

        host = lab_factory_address(device.connect_host)
        if host:
            return host, device.connect_port
    return FACTORY_ADDRESS, 22


def sha256_part(fingerprint: str) -> str:
    """`ssh-ed25519 SHA256:abc` or `SHA256:abc` -> `SHA256:abc`."""
    return fingerprint.split()[-1] if fingerprint else ""


# ----- what the intended configuration needs for the management path -----
@dataclass
class ManagementItems:
    identity: str
    lines: list[str]  # absolute commands adding the bridge, the mgmt VLAN and its address
    keep: routeros_config.Config  # the management items, as the factory session adds them
    intended: routeros_config.Config  # the whole intended configuration


def management_items(intended_text: str, name: str) -> ManagementItems:
    """The intended bridge, `mgmt` VLAN interface and `mgmt` address, as the push will want them
    (the bridge by name only: its VLAN filtering comes with the push, with its VLAN table)."""
    intended = routeros_config.parse(intended_text)
    vlan = next(
        (i for i in intended.menus.get("/interface vlan", []) if i.args.get("comment") == "mgmt"),
        None,
    )
    address = next(
        (i for i in intended.menus.get("/ip address", []) if i.args.get("comment") == "mgmt"),
        None,
    )
    if vlan is None or address is None:
        raise InputError(
            f"{name}: the intended configuration has no `mgmt` VLAN interface and address "
            "(templates/routeros/*.rsc.j2): bootstrap cannot hand the device over"
        )
    bridge_name = vlan.args.get("interface", "")
    bridge = next(
        (
            i
            for i in intended.menus.get("/interface bridge", [])
            if i.args.get("name") == bridge_name
        ),
        None,
    )
    keep = routeros_config.Config()
    lines: list[str] = []
    if bridge is not None:
        small = routeros_config.Item(
            "/interface bridge",
            "add",
            "",
            {k: v for k, v in bridge.args.items() if k in ("name", "comment")},
        )
        keep.add(small)
        lines.append(f"/interface bridge {small.line()}")
    keep.add(vlan)
    keep.add(address)
    lines.append(f"/interface vlan {vlan.line()}")
    lines.append(f"/ip address {address.line()}")
    return ManagementItems(name, lines, keep, intended)


def absent(running: routeros_config.Config, keep: routeros_config.Config) -> list[str]:
    """Commands adding the management items the device lacks (by name/comment, as the push
    matches them); items already there are left for the push to set."""
    return [
        f"{item.menu} {item.line()}"
        for item in keep.items()
        if running.get(item.menu, item.key) is None
    ]


def has_defconf(running: routeros_config.Config) -> bool:
    return any(
        "defconf" in item.args.get("comment", "") or item.args.get("name") == "defconf"
        for item in running.items()
    )


def defconf_removals(running: routeros_config.Config, keep: routeros_config.Config) -> list[str]:
    """Clearing the defconf: while the device still holds defconf items, every removable item but
    the management items is removed (as `/system reset-configuration no-defaults=yes` would leave
    it, without losing the way in), by the differ's removals: addresses before the interfaces
    they sit on, list members before their lists. A device without defconf items has nothing to
    clear: items added by hand after the bootstrap are the push's business (reported, --prune)."""
    if not has_defconf(running):
        return []
    return [c for c in routeros_config.plan(running, keep, prune=True).commands if " remove " in c]


# ----- the sessions -----
def _endpoint(device: Device, host: str, port: int, user: str, password: str, kh: Path) -> Endpoint:
    return Endpoint(
        name=device.name,
        site=device.site,
        platform="routeros",
        host=host,
        port=port,
        username=user,
        password=password,
        known_hosts=kh,
    )


def _send(conn: Any, command: str, timeouts: Timeouts, name: str) -> str:
    out = str(conn.send_command(command, expect_string=PROMPT, read_timeout=timeouts.command))
    for marker in (
        "failure:",
        "bad command name",
        "expected end of command",
        "no such item",
        "input does not match",
        "syntax error",
    ):
        if marker in out:
            raise DeviceError(f"{name}: the device refused {_mask(command)!r}: {out.strip()}")
    return out


def _users(conn: Any, timeouts: Timeouts) -> dict[str, bool]:
    """User name -> enabled, from `/user print terse`."""
    out = run_command(conn, "/user print terse", timeouts)
    users: dict[str, bool] = {}
    for line in out.splitlines():
        match = re.search(r"\bname=(\S+)", line)
        if match:
            flags = line.split("name=", 1)[0]
            users[match.group(1)] = " X " not in f" {flags} " and not re.match(r"\s*\d+\s+X", line)
    return users


def _identity(conn: Any, timeouts: Timeouts) -> str:
    out = run_command(conn, "/system identity print", timeouts)
    match = re.search(r"name:\s*(\S+)", out)
    return match.group(1) if match else ""


def _factory_reachable(host: str, port: int, timeout: float) -> Any | None:
    """The host key offered at the factory address, or None when nothing answers there."""
    import logging

    quiet = logging.getLogger("paramiko.transport")
    level = quiet.level
    quiet.setLevel(logging.CRITICAL)  # a silent address is an answer here, not an error
    try:
        return hostkeys.fetch_host_key(host, port, timeout)
    except Exception:
        return None
    finally:
        quiet.setLevel(level)


Confirm = Callable[[str, str], bool]  # (device, fingerprint) -> accepted


def bootstrap_device(
    inv: Inventory,
    device: Device,
    secrets: dict[str, Any],
    *,
    timeouts: Timeouts,
    expect_fingerprint: str | None = None,
    confirm: Confirm | None = None,
    force: bool = False,
    say: Callable[[str], None] = lambda text: None,
) -> BootstrapResult:
    """Bring one RouterOS device from its factory state to the push's starting state."""
    from digikel.network.render import render_device

    res = BootstrapResult(device.name, device.site, device.platform)
    if device.platform != "routeros":
        raise InputError(
            f"{device.name}: a {device.platform} device is bootstrapped over its console "
            "(--console /dev/ttyUSB0), not over the network"
        )
    password = str(secrets.get("vault_digikel_device_password") or "")
    if not password:
        raise InputError(
            f"{inv.env_dir}/group_vars/all/vault.yml: expected vault_digikel_device_password"
        )
    user = str(inv.hostvars(device.name).get("digikel_network_user") or "digikel")
    items = management_items(render_device(inv, device, secrets, masked=False).text, device.name)
    kh = inv.known_hosts_path
    fhost, fport = factory_host(device, inv)
    key = _factory_reachable(fhost, fport, timeouts.connect)
    if key is None:
        say(f"{device.name}: nothing answers on the factory address {fhost}:{fport}")
        res.found = "not on the factory address"
        _handover(inv, device, res, items, user, password, timeouts, say)
        return res
    seen = hostkeys.fingerprint(key)
    res.fingerprint = sha256_part(seen)
    recorded = hostkeys.expected_key(kh, device.connect_host, device.connect_port)
    say(
        f"{device.name}: {fhost}:{fport} offers {seen}; recorded for "
        f"{device.connect_host}:{device.connect_port}: "
        f"{hostkeys.fingerprint(recorded) if recorded is not None else 'nothing yet'}"
    )
    _accept_key(device, seen, recorded, expect_fingerprint, confirm)
    # The factory session verifies the key just accepted (a file of its own: fail closed).
    with tempfile.TemporaryDirectory(prefix="digikel-bootstrap-") as tmp:
        factory_kh = Path(tmp) / "known_hosts"
        hostkeys.record_host_key(factory_kh, fhost, fport, key)
        ep = _endpoint(device, fhost, fport, FACTORY_USER, "", factory_kh)
        with connect(ep, timeouts) as conn:
            _read_facts(conn, res, timeouts)
            identity = _identity(conn, timeouts)
            users = _users(conn, timeouts)
            others = sorted(u for u in users if u != FACTORY_USER)
            factory = identity == FACTORY_IDENTITY and not others
            res.found = (
                "factory state"
                if factory
                else f"NOT factory state (identity {identity!r}, users {', '.join(sorted(users))})"
            )
            say(f"{device.name}: found {res.found}")
            if not factory and not force:
                raise NotFactory(
                    f"{device.name}: not in factory state at {fhost}:{fport}: identity "
                    f"{identity!r} (factory: {FACTORY_IDENTITY!r}), users "
                    f"{', '.join(sorted(users))} (factory: admin only); nothing was changed. "
                    "If this device is to be taken over anyway, add --force"
                )
            if recorded is None or hostkeys.fingerprint(recorded) != seen:
                hostkeys.record_host_key(kh, device.connect_host, device.connect_port, key)
                res.notes.append(f"host key {seen} recorded in {kh}")
            commands: list[str] = []
            if user not in users:
                commands.append(f'/user add name={user} group=full password="{password}"')
            running = routeros_config.parse(run_command(conn, "/export", timeouts))
            commands += absent(running, items.keep)
            if identity != device.name:
                commands.append(f'/system identity set name="{device.name}"')
            for command in commands:
                _send(conn, command, timeouts, device.name)
            res.commands += commands
            res.changed = bool(commands)
    _handover(inv, device, res, items, user, password, timeouts, say)
    return res


def _accept_key(
    device: Device,
    seen: str,
    recorded: Any | None,
    expect: str | None,
    confirm: Confirm | None,
) -> None:
    if recorded is not None and hostkeys.fingerprint(recorded) != seen:
        raise FingerprintRefused(
            f"{device.name}: the factory address offers {seen}, but "
            f"{hostkeys.fingerprint(recorded)} is recorded for the device; nothing was changed "
            "(a different box, or an impostor: check the device's console, `/ip ssh print`)"
        )
    if expect:
        if sha256_part(expect) != sha256_part(seen):
            raise FingerprintRefused(
                f"{device.name}: the device offers {seen}, not the expected {expect}; nothing "
                "was changed"
            )
        return
    if recorded is not None:
        return  # the key recorded before (and shown above) is the one offered
    if confirm is None or not confirm(device.name, seen):
        raise FingerprintRefused(
            f"{device.name}: host key {seen} not confirmed; nothing was changed. Compare it with "
            "the device's console and confirm it, or pass --expect-fingerprint "
            f"{sha256_part(seen)}"
        )


def _read_facts(conn: Any, res: BootstrapResult, timeouts: Timeouts) -> None:
    from digikel.network import facts

    found = facts.read_routeros(lambda c: run_command(conn, c, timeouts))
    res.model, res.version, res.serial = found.model, found.version, found.serial


def _handover(
    inv: Inventory,
    device: Device,
    res: BootstrapResult,
    items: ManagementItems,
    user: str,
    password: str,
    timeouts: Timeouts,
    say: Callable[[str], None],
) -> None:
    """As digikel at the inventory address: clear the defconf, disable admin."""
    ep = _endpoint(
        device, device.connect_host, device.connect_port, user, password, inv.known_hosts_path
    )
    try:
        session = connect(ep, timeouts)
        conn = session.__enter__()
    except hostkeys.HostKeyError:
        raise
    except DigikelError as exc:
        if res.found == "not on the factory address":
            raise DeviceError(
                f"{device.name}: not on its factory address and no login as {user} at "
                f"{device.connect_host}:{device.connect_port} ({exc}); nothing was changed"
            ) from None
        raise
    try:
        if res.fingerprint is None:  # the key this session was verified against
            known = hostkeys.expected_key(ep.known_hosts, ep.host, ep.port)
            res.fingerprint = sha256_part(hostkeys.fingerprint(known)) if known else None
        if res.model is None:
            _read_facts(conn, res, timeouts)
        running = routeros_config.parse(run_command(conn, "/export", timeouts))
        users = _users(conn, timeouts)
        identity = _identity(conn, timeouts)
        commands = absent(running, items.keep)
        if identity != device.name:
            commands.append(f'/system identity set name="{device.name}"')
        commands += defconf_removals(running, items.keep)
        if users.get(FACTORY_USER):
            commands.append(f"/user disable [ find name={FACTORY_USER} ]")
        if not commands and not res.changed:
            res.found = res.found if res.found != "not on the factory address" else "bootstrapped"
            res.notes.append("already bootstrapped: nothing changed")
            say(f"{device.name}: already bootstrapped; nothing changed")
            return
        for command in commands:
            _send(conn, command, timeouts, device.name)
        res.commands += commands
        res.changed = res.changed or bool(commands)
        say(f"{device.name}: {len(res.commands)} command(s); defconf cleared, admin disabled")
    finally:
        session.__exit__(None, None, None)


# ----- a blank Catalyst 1000 over its console -----
IOS_PROMPT = r"[\w.-]+(\([\w-]+\))?[>#]\s*$"


def ios_bootstrap_lines(intended_text: str, name: str) -> list[str]:
    """From the intended configuration: the hostname, the domain (the RSA key is named after
    both), digikel's account, the management VLAN and SVI, the default gateway, the vty lines
    (SSH, local logins) - as configuration lines with their block lines indented."""
    lines = intended_text.splitlines()
    wanted: list[str] = []
    mgmt_vlan = ""
    for i, line in enumerate(lines):
        heads = ("hostname ", "ip domain-name ", "ip domain name ", "username ", "ip default-gat")
        if line.startswith(heads):
            wanted.append(line)
        elif line.startswith("interface Vlan") and line != "interface Vlan1":
            block = [line]
            for child in lines[i + 1 :]:
                if not child.startswith(" "):
                    break
                block.append(child)
            if any(c.strip().startswith("ip address ") for c in block):
                mgmt_vlan = line.removeprefix("interface Vlan")
                wanted += [*block, " no shutdown"]
        elif line.startswith("line vty "):
            wanted.append(line)
            for child in lines[i + 1 :]:
                if not child.startswith(" "):
                    break
                wanted.append(child)
    if not mgmt_vlan or not any(w.startswith("username ") for w in wanted):
        raise InputError(
            f"{name}: the intended configuration has no management SVI or account "
            "(templates/ios/switch.cfg.j2): bootstrap cannot hand the switch over"
        )
    return [f"vlan {mgmt_vlan}", " name mgmt", *wanted]


def bootstrap_console(
    inv: Inventory,
    device: Device,
    secrets: dict[str, Any],
    console: str,
    *,
    timeouts: Timeouts,
    expect_fingerprint: str | None = None,
    confirm: Confirm | None = None,
    force: bool = False,
    say: Callable[[str], None] = lambda text: None,
) -> BootstrapResult:
    """Bring a blank Catalyst 1000 up over its console (Netmiko `cisco_ios_serial`): the lines
    of `ios_bootstrap_lines`, an RSA key (`crypto key generate rsa modulus 2048`), `ip ssh
    version 2`, saved; then its SSH host key shown, confirmed and recorded, and a login as
    digikel over SSH proves the handover."""
    from netmiko import ConnectHandler

    from digikel.network import facts
    from digikel.network.render import render_device

    res = BootstrapResult(device.name, device.site, device.platform)
    if device.platform != "ios":
        raise InputError(f"{device.name}: --console is for Cisco switches, not {device.platform}")
    if not Path(console).exists():
        raise InputError(f"--console {console}: no such serial device (e.g. /dev/ttyUSB0)")
    wanted = ios_bootstrap_lines(
        render_device(inv, device, secrets, masked=False).text, device.name
    )
    try:
        with _any_terminal_port():
            conn = ConnectHandler(
                device_type="cisco_ios_serial",
                serial_settings={"port": console, "baudrate": 9600, "timeout": 1},
                username="",
                password="",
                secret="",
                conn_timeout=timeouts.connect,
                read_timeout_override=timeouts.command,
            )
    except Exception as exc:
        raise DeviceError(f"{device.name}: console {console} does not answer: {exc}") from None
    try:
        if not conn.check_enable_mode():
            conn.enable()

        def show(command: str) -> str:
            return str(conn.send_command(command, read_timeout=timeouts.command))

        found = facts.read_ios(show)
        res.model, res.version, res.serial = found.model, found.version, found.serial
        facts.check(inv, device, found)
        running = show("show running-config")
        ssh = show("show ip ssh")
        has_key = "SSH Enabled" in ssh
        present = set(running.splitlines())
        missing = [w for w in wanted if not w.startswith(" ") and w not in present]
        hostname = next(
            (ln.split()[1] for ln in running.splitlines() if ln.startswith("hostname ")), ""
        )
        users = [ln for ln in running.splitlines() if ln.startswith("username ")]
        factory = hostname == "Switch" and not users
        res.found = (
            "factory state (blank, no RSA key)"
            if factory and not has_key
            else "factory state (blank)"
            if factory
            else f"hostname {hostname}, {len(users)} account(s), RSA key "
            + ("present" if has_key else "missing")
        )
        say(f"{device.name}: found {res.found} on {console}")
        done = hostname == device.name and has_key and "ip ssh version 2" in present
        secret_line = next(w for w in wanted if w.startswith("username "))
        account = secret_line.split()[1]
        done = done and any(u.startswith(f"username {account} ") for u in users)
        done = done and not [m for m in missing if not m.startswith(("username ", "vlan "))]
        if done:
            res.notes.append("already bootstrapped: nothing changed")
            say(f"{device.name}: already bootstrapped; nothing changed")
        else:
            if not factory and not force:
                raise NotFactory(
                    f"{device.name}: not in factory state on {console}: {res.found} (factory: "
                    "hostname Switch, no account); nothing was changed. If this switch is to "
                    "be taken over anyway, add --force"
                )
            commands = ["configure terminal", *[w.strip() for w in wanted]]
            if not has_key:
                commands.append("crypto key generate rsa modulus 2048")
            commands += ["ip ssh version 2", "end", "write memory"]
            for command in commands:
                out = str(
                    conn.send_command(
                        command, expect_string=IOS_PROMPT, read_timeout=timeouts.command
                    )
                )
                if re.search(r"^% (Invalid|Incomplete|Ambiguous|Please)", out, re.MULTILINE):
                    raise DeviceError(
                        f"{device.name}: the switch refused {_mask_ios(command)!r}: {out.strip()}"
                    )
            res.commands = [_mask_ios(c) for c in commands]
            res.changed = True
            say(f"{device.name}: {len(commands)} line(s) over the console; RSA key, SSH v2 saved")
    finally:
        with contextlib.suppress(Exception):
            conn.disconnect()
    _ios_host_key(inv, device, res, secrets, timeouts, expect_fingerprint, confirm, say)
    return res


@contextlib.contextmanager
def _any_terminal_port() -> Any:
    """Netmiko accepts only the ports pyserial enumerates (ttyS, ttyUSB, ttyACM...), so a
    pseudo-terminal (the lab's console, a console server reached through `socat`) is refused
    before it is opened. digikel checks instead that the path is a terminal device."""
    import importlib
    import os

    base_connection: Any = importlib.import_module("netmiko.base_connection")
    original = base_connection.check_serial_port

    def check(name: str) -> str:
        try:
            fd = os.open(name, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        except OSError as exc:
            raise ValueError(f"cannot open {name}: {exc.strerror}") from None
        try:
            if not os.isatty(fd):
                raise ValueError(f"{name} is not a serial or terminal device")
        finally:
            os.close(fd)
        return name

    base_connection.check_serial_port = check
    try:
        yield
    finally:
        base_connection.check_serial_port = original


def _mask_ios(command: str) -> str:
    return re.sub(
        r"\b(secret|password)( \d)? \S+", r"\1 VAULT:vault_digikel_device_password", command
    )


def _ios_host_key(
    inv: Inventory,
    device: Device,
    res: BootstrapResult,
    secrets: dict[str, Any],
    timeouts: Timeouts,
    expect: str | None,
    confirm: Confirm | None,
    say: Callable[[str], None],
) -> None:
    """SSH is up now: the key it offers is shown, confirmed (or matched) and recorded; then a
    login as digikel, the key checked strictly, proves the handover."""
    import time

    from digikel.network.connection import endpoint_for

    kh = inv.known_hosts_path
    key = None
    deadline = time.monotonic() + timeouts.connect
    while key is None and time.monotonic() < deadline:
        key = _factory_reachable(device.connect_host, device.connect_port, timeouts.connect)
        if key is None:
            time.sleep(0.5)
    if key is None:
        raise DeviceError(
            f"{device.name}: SSH does not answer at {device.connect_host}:{device.connect_port} "
            "after the bootstrap (check the management VLAN's uplink)"
        )
    seen = hostkeys.fingerprint(key)
    res.fingerprint = sha256_part(seen)
    recorded = hostkeys.expected_key(kh, device.connect_host, device.connect_port)
    say(
        f"{device.name}: {device.connect_host}:{device.connect_port} offers {seen}; recorded: "
        f"{hostkeys.fingerprint(recorded) if recorded is not None else 'nothing yet'}"
    )
    _accept_key(device, seen, recorded, expect, confirm)
    if recorded is None:
        hostkeys.record_host_key(kh, device.connect_host, device.connect_port, key)
        res.notes.append(f"host key {seen} recorded in {kh}")
    with connect(endpoint_for(inv, device, secrets), timeouts) as conn:
        run_command(conn, "show ip ssh", timeouts)
