"""A simulated MikroTik RouterOS 7 device: configuration as menus of items, and its CLI.

The configuration is generic: any known menu accepts any `key=value`, so whatever path a template
uses works as long as it exists on RouterOS. Items keep the order they were added in and their
properties the order they were given in, so an export shows back exactly what a push sent.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import hashlib
import json
import logging
import re
import time
from typing import Any

from digikel.lab.device import (
    DeviceSpec,
    Host,
    Question,
    Reply,
    Shell,
    SimDevice,
    format_duration,
    parse_duration,
)
from digikel.lab.models import routeros_hardware
from digikel.lab.routeros_factory import FACTORIES, apply_defconf
from digikel.lab.routeros_menus import (
    ALL_PATHS,
    BY_PATH,
    INTERFACE_MENUS,
    MENUS,
    SENSITIVE,
    Menu,
    derived_props,
    export_order,
)
from digikel.lab.routeros_paths import management_path_alive
from digikel.lab.routeros_syntax import (
    SyntaxProblem,
    Token,
    join_continuations,
    quote,
    split_commands,
    tokenize,
    wrap,
)

log = logging.getLogger("digikel.lab")
# A change to an existing PPPoE client or tunnel makes the link redial (RouterOS reconnects a
# PPPoE client whose settings change; the tunnel re-handshakes after it). Real seconds, not
# scaled: the guard's proof session must outlast it whatever the lab's time scale.
WAN_LINKS = frozenset(
    {"/interface/pppoe-client", "/interface/wireguard", "/interface/wireguard/peers"}
)
WAN_REDIAL_SECONDS = 4.0
VERSION = "7.16.2"
REBOOT_SECONDS = 3.0
# MikroTik manual, Console / Safe Mode: a cut session's safe-mode changes are undone "after a while
# (TCP timeout is 9 minutes)"; the history holds "up to 100 most recent actions".
SAFE_MODE_LOST_SESSION_SECONDS = 540.0
SAFE_MODE_HISTORY = 100
SAFE_TAKEN = "[Safe Mode taken]"
SAFE_RELEASED = "[Safe Mode released]"
SAFE_RELEASED_BY_OTHER = "[Safe mode released by another user]"
HIJACK_PROMPT = "Hijacking Safe Mode from someone - unroll/release/don't take it [u/r/d]: "
_LOST_TIMER = "safe-mode-lost-session"

_DUPLICATE = {
    "/ip/address": "failure: already have such address",
    "/interface/bridge/port": "failure: device already added as bridge port",
    "/ip/dhcp-client": "failure: dhcp-client already exists on this interface",
}
_REFERENCE_KEYS = {
    "interface",
    "bridge",
    "master-interface",
    "in-interface",
    "out-interface",
    "tagged",
    "untagged",
}
_LIST_COMMANDS = {"add", "set", "remove", "print", "export", "enable", "disable", "find", "unset"}
_SINGLE_COMMANDS = {"set", "print", "export", "unset"}


FACTORY_ADDRESS = "192.168.88.1"  # MikroTik's defconf address (manual "Default configurations")


class CommandError(Exception):
    """A command RouterOS refuses; the text is what the device prints."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


def _at(message: str, column: int) -> CommandError:
    return CommandError(f"{message} (line 1 column {column})")


def _wireguard_public(private_b64: str) -> str:
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    try:
        raw = base64.b64decode(private_b64, validate=True)
        key = X25519PrivateKey.from_private_bytes(raw)
    except ValueError:
        return ""
    return base64.b64encode(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()


class RouterOsDevice(SimDevice):
    """Configuration, files and safe-mode bookkeeping of one RouterOS device."""

    platform = "routeros"
    factories = FACTORIES

    def __init__(
        self,
        spec: DeviceSpec,
        state: dict[str, Any] | None,
        host: Host,
        factory: str = "blank",
    ) -> None:
        state, self.factory = self.starting_state(state, factory)
        super().__init__(spec, state, host)
        self._armed: set[str] = set()
        # The session holding safe mode; it stays the holder after its TCP connection is lost,
        # until the lost-session timeout undoes its changes (safe_lost is then True).
        self.safe_holder: RouterOsShell | None = None
        self.safe_lost = False
        self.wan_down_until = 0.0  # monotonic time the WAN is back after a redial

    # ----- state -----
    def reset(self, factory: str | None = None) -> None:
        """Back to a factory state (`blank` or `defconf`); safe mode is gone with the sessions."""
        if factory is not None:
            self.factory = self.check_factory(factory)
        self.safe_holder = None
        self.safe_lost = False
        self.host.cancel_timer(self.name, _LOST_TIMER)
        super().reset()

    @property
    def version(self) -> str:
        return str(self.state.get("version") or self.spec.version or VERSION)

    def factory_state(self) -> dict[str, Any]:
        state = self._blank_state()
        if self.factory == "defconf":
            apply_defconf(state, self.spec.model, self.spec.role, self.name)
        state["factory_kind"] = self.factory
        return state

    def _blank_state(self) -> dict[str, Any]:
        hardware = routeros_hardware(self.spec.model, self.spec.role)
        menus: dict[str, Any] = {m.path: ([] if m.kind == "list" else {}) for m in MENUS}
        state: dict[str, Any] = {"platform": "routeros", "model": self.spec.model, "next_id": 1}
        state["menus"] = menus

        def factory(path: str, props: dict[str, str]) -> None:
            item: dict[str, Any] = {
                "id": state["next_id"],
                "props": dict(props),
                "factory": dict(props),
            }
            state["next_id"] += 1
            menus[path].append(item)

        for port in hardware.ethernet:
            factory("/interface/ethernet", {"name": port, "default-name": port})
        for radio in hardware.wifi:
            factory("/interface/wifi", {"name": radio, "default-name": radio})
        services = [("telnet", 23), ("ftp", 21), ("www", 80), ("ssh", 22), ("www-ssl", 443)]
        services += [("api", 8728), ("winbox", 8291), ("api-ssl", 8729)]
        for name, number in services:
            factory("/ip/service", {"name": name, "port": str(number)})
        for group in ("read", "write", "full"):
            factory("/user/group", {"name": group})
        factory("/user", {"name": "admin", "group": "full"})
        factory("/snmp/community", {"name": "public", "addresses": "::/0"})
        state["files"] = {}
        return state

    @property
    def menus(self) -> dict[str, Any]:
        menus: dict[str, Any] = self.state["menus"]
        return menus

    def items(self, path: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = self.menus.setdefault(path, [])
        return items

    def settings(self, path: str) -> dict[str, str]:
        values: dict[str, str] = self.menus.setdefault(path, {})
        return values

    @property
    def identity(self) -> str:
        return self.settings("/system/identity").get("name", "MikroTik")

    def interface_names(self) -> dict[str, tuple[Menu, dict[str, Any]]]:
        found: dict[str, tuple[Menu, dict[str, Any]]] = {}
        # physical ports first, as /interface print lists them
        ordered = sorted(INTERFACE_MENUS, key=lambda m: m.interface_type not in ("ether", "wifi"))
        for menu in ordered:
            for item in self.items(menu.path):
                name = item["props"].get("name")
                if name:
                    found[name] = (menu, item)
        return found

    def new_id(self) -> int:
        value = int(self.state["next_id"])
        self.state["next_id"] = value + 1
        return value

    def files(self) -> dict[str, dict[str, Any]]:
        files: dict[str, dict[str, Any]] = self.state.setdefault("files", {})
        return files

    # ----- safe mode (MikroTik manual: Console, "Safe Mode") -----
    def toggle_safe_mode(self, shell: RouterOsShell) -> Reply:
        """Ctrl-X: take safe mode, release it (keeping the changes), or ask to hijack it."""
        if self.safe_holder is shell:
            self._end_safe_mode()
            return Reply(SAFE_RELEASED)
        if self.safe_holder is None:
            self._begin_safe_mode(shell)
            return Reply(SAFE_TAKEN)

        def answer(key: str) -> Reply:
            key = key.lower()
            if key not in ("u", "r") or self.safe_holder is None:
                return Reply("")  # d (or anything else): leave safe mode to the other session
            previous = self.safe_holder
            if key == "u":
                self._restore_snapshot()
            self._end_safe_mode()
            if previous.notify is not None and not previous.closed:
                previous.notify(SAFE_RELEASED_BY_OTHER)
            self._begin_safe_mode(shell)
            return Reply(SAFE_TAKEN)

        shell.pending = Question("char", answer)
        return Reply(HIJACK_PROMPT)

    def _begin_safe_mode(self, shell: RouterOsShell) -> None:
        self.safe_holder = shell
        self.safe_lost = False
        self.state["safe_snapshot"] = copy.deepcopy(self.menus)
        self.state["safe_actions"] = 0
        self.save()

    def _end_safe_mode(self) -> None:
        """Leave safe mode keeping every change (release, quit, hijack, history overflow)."""
        self.safe_holder = None
        self.safe_lost = False
        self.host.cancel_timer(self.name, _LOST_TIMER)
        self.state.pop("safe_snapshot", None)
        self.state.pop("safe_actions", None)
        self.save()

    def _restore_snapshot(self) -> None:
        snapshot = self.state.pop("safe_snapshot", None)
        if snapshot is not None:
            self.state["menus"] = snapshot
        self.save()
        self.sync_scheduler()

    def unroll_safe_mode(self) -> None:
        """Undo every change made since safe mode was taken (Ctrl-D, lost session, power loss)."""
        links = self._wan_links()
        self._restore_snapshot()
        if self._wan_links() != links:
            self.redial_wan()
        self._end_safe_mode()
        self.check_management_path()  # undoing may take away an address added in safe mode

    def session_ended(self, shell: RouterOsShell, how: str) -> None:
        """`quit` keeps safe-mode changes, Ctrl-D undoes them; a lost session keeps safe mode held
        until the TCP timeout (scaled by the lab's time scale), then undoes them."""
        if self.safe_holder is not shell or self.safe_lost:
            return
        if how == "quit":
            self._end_safe_mode()
        elif how == "ctrl-d":
            self.unroll_safe_mode()
        else:
            self.safe_lost = True
            seconds = SAFE_MODE_LOST_SESSION_SECONDS * self.host.time_scale
            self.host.set_timer(self.name, _LOST_TIMER, seconds, self._lost_session_timeout)

    def _lost_session_timeout(self) -> None:
        if self.safe_holder is not None and self.safe_lost:
            log.info("%s: safe-mode session lost, changes undone", self.name)
            self.unroll_safe_mode()

    def record_action(self) -> None:
        """A change while in safe mode takes a place in the history; when more than
        SAFE_MODE_HISTORY are held the device silently leaves safe mode, nothing undone."""
        if self.safe_holder is None:
            return
        count = int(self.state.get("safe_actions", 0)) + 1
        self.state["safe_actions"] = count
        if count > SAFE_MODE_HISTORY:
            log.info("%s: safe-mode history full, safe mode left silently", self.name)
            self._end_safe_mode()

    # ----- the WAN redialling (docs/lab.md: "A WAN that redials") -----
    def _wan_links(self) -> str:
        return json.dumps([self.items(path) for path in sorted(WAN_LINKS)], sort_keys=True)

    def redial_wan(self) -> None:
        """A changed PPPoE client or tunnel redials: until it is back, no new session gets
        through (sessions already open ride it out, as TCP does over a short outage)."""
        self.wan_down_until = time.monotonic() + WAN_REDIAL_SECONDS
        log.info("%s: WAN redialling for %.0f s", self.name, WAN_REDIAL_SECONDS)

    def redialling(self) -> bool:
        return time.monotonic() < self.wan_down_until

    # ----- the factory address and the device's own accounts (docs/lab.md: "Factory address") --
    def factory_reachable(self) -> bool:
        """Whether the device still answers where it does out of the box: `192.168.88.1` on an
        enabled address (defconf routers and switches), or, on a CAP-mode access point, the
        address its defconf DHCP client leases on the bridge."""
        for item in self.items("/ip/address"):
            props = item["props"]
            on = props.get("disabled", "no") != "yes"
            if on and props.get("address", "").split("/")[0] == FACTORY_ADDRESS:
                return True
        bridges = {i["props"].get("name") for i in self.items("/interface/bridge")}
        return any(
            item["props"].get("comment") == "defconf"
            and item["props"].get("interface") in bridges  # not a router's WAN client
            and item["props"].get("disabled", "no") != "yes"
            for item in self.items("/ip/dhcp-client")
        )

    def login_allowed(self, username: str, password: str) -> bool:
        """The device's own `/user` table: an enabled user with this password (`admin` of a
        factory device has an empty one)."""
        for item in self.items("/user"):
            props = item["props"]
            if props.get("name") == username and props.get("disabled", "no") != "yes":
                return str(props.get("password", "")) == password
        return False

    # ----- the management path (docs/lab.md: "Sessions end as on a device") -----
    def on_management_path(self) -> bool:
        return management_path_alive(self, self.spec.mgmt_address)

    def return_routes(self) -> set[str]:
        """Destinations of the enabled static routes: the session's way back to a client
        outside the management subnet (the data centre) is one of them."""
        return {
            item["props"].get("dst-address", "0.0.0.0/0")
            for item in self.items("/ip/route")
            if item["props"].get("disabled", "no") != "yes"
        }

    def check_management_path(self) -> None:
        """After a change: sessions that arrived on the management path lose it with the address,
        its interface, bridge VLAN or port, an input firewall rule blocking it, or the last route
        to a destination they could have come from."""
        alive = self.on_management_path()
        routes = self.return_routes()
        for shell in list(self.shells):
            if not (isinstance(shell, RouterOsShell) and shell.on_path and not shell.closed):
                continue
            if alive and (not shell.routes or shell.routes & routes):
                continue
            log.info("%s: session lost its management path", self.name)
            shell.on_path = False
            shell.closed = True
            if shell.abort is not None:
                shell.abort()

    # ----- lifecycle -----
    def open_shell(self, username: str) -> RouterOsShell:
        shell = RouterOsShell(self, username)
        self.shells.append(shell)
        return shell

    def on_boot(self) -> None:
        super().on_boot()
        # A device that goes down while safe mode is held (reboot, power loss, lab stop) comes
        # back without the safe-mode changes: they were never committed.
        self.safe_holder = None
        self.safe_lost = False
        if "safe_snapshot" in self.state:
            self.unroll_safe_mode()
        self._armed.clear()  # the server cancelled every timer before (re)booting the device
        self.sync_scheduler()
        for item in self.items("/system/scheduler"):
            props = item["props"]
            if props.get("start-time") == "startup" and props.get("disabled") != "yes":
                self.run_script(props.get("on-event", ""), f"scheduler {props.get('name')}")

    def sync_scheduler(self) -> None:
        """Arm a timer for each enabled scheduler entry with an interval; disarm the others.

        As on RouterOS (manual: Scheduler) an entry runs every `interval` counted from its start
        time (the moment it was added or changed), so after a reboot it keeps its phase."""
        wanted = set()
        now = time.time()
        for item in self.items("/system/scheduler"):
            props = item["props"]
            seconds = parse_duration(props.get("interval", "0s")) or 0.0
            if seconds <= 0 or props.get("disabled") == "yes" or not props.get("on-event"):
                continue
            key = f"scheduler:{item['id']}:{props.get('interval')}:{props.get('on-event')}"
            period = seconds * self.host.time_scale
            if item.get("armed-key") != key:
                item["armed-key"] = key
                item["armed-at"] = now
            wanted.add(key)
            if key not in self._armed:
                self._armed.add(key)
                elapsed = max(0.0, now - float(item.get("armed-at", now)))
                delay = period - (elapsed % period) if elapsed else period
                self.host.set_timer(self.name, key, delay, self._fire(item["id"], key))
        for key in list(self._armed - wanted):
            self._armed.discard(key)
            self.host.cancel_timer(self.name, key)

    def _fire(self, item_id: int, key: str) -> Any:
        def fire() -> None:
            self._armed.discard(key)
            for item in self.items("/system/scheduler"):
                if item["id"] == item_id:
                    name = item["props"].get("name", "")
                    count = int(item.get("run-count", 0)) + 1
                    item["run-count"] = count
                    self.save()
                    self.run_script(item["props"].get("on-event", ""), f"scheduler {name}")
            self.save()
            self.sync_scheduler()

        return fire

    def run_script(self, source: str, origin: str) -> str:
        """Run a script (scheduler on-event, a /system script's source, an imported file)."""
        scripts = {i["props"].get("name"): i for i in self.items("/system/script")}
        if source.strip() in scripts:
            source = scripts[source.strip()]["props"].get("source", "")
        shell = RouterOsShell(self, origin, interactive=False)
        output = []
        for number, line in enumerate(join_continuations(source), start=1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            try:
                output.append(shell.execute(line))
            except (_Quit, _Ask):
                break
            except CommandError as exc:
                text = _at_line(exc.text, number)
                log.warning("%s: %s stopped: %s", self.name, origin, text)
                output.append(text)
                break
        return "\n".join(o for o in output if o)

    # ----- export -----
    @property
    def serial(self) -> str:
        return hashlib.sha256(self.name.encode()).hexdigest()[:12].upper()

    def export(
        self,
        prefix: str = "/",
        show_sensitive: bool = False,
        terse: bool = False,
        verbose: bool = False,
    ) -> str:
        """/export as RouterOS 7 writes it: header, menus in the device's order, properties in
        its (alphabetical) order, defaults left out unless `verbose`, lines wrapped near 80."""
        now = self.host.now().strftime("%Y-%m-%d %H:%M:%S")
        serial = self.serial
        lines = [
            f"# {now} by RouterOS {self.version}",
            f"# software id = {serial[:4]}-{serial[4:8]}",
            "#",
            f"# model = {self.spec.model}",
            f"# serial number = {serial}",
        ]
        prefix = prefix.rstrip("/")
        for menu in MENUS:
            if prefix and not (menu.path == prefix or menu.path.startswith(prefix + "/")):
                continue
            section = self._export_menu(menu, show_sensitive, verbose)
            if section:
                lines.append(menu.words)
                for words in section:
                    lines.append(" ".join(words) if terse else wrap(words))
        return "\n".join(lines)

    def _export_menu(self, menu: Menu, show_sensitive: bool, verbose: bool) -> list[list[str]]:
        def pairs(props: dict[str, str]) -> list[str]:
            return [
                f"{k}={quote(v)}"
                for k, v in export_order(props)
                if show_sensitive or k not in SENSITIVE
            ]

        out: list[list[str]] = []
        if menu.kind == "single":
            settings = self.settings(menu.path)
            if verbose:
                shown = {**menu.defaults, **settings}
            else:
                shown = {k: v for k, v in settings.items() if menu.defaults.get(k) != v}
            if shown:
                out.append(["set", *pairs(shown)])
            return out
        for item in self.items(menu.path):
            factory = item.get("factory")
            props = derived_props(menu, item["props"])
            if factory is None:
                if verbose:
                    shown = {**menu.item_defaults, **props}
                else:
                    shown = {k: v for k, v in props.items() if menu.item_defaults.get(k) != v}
                out.append(["add", *pairs(shown)])
                continue
            changed = {
                k: v
                for k, v in props.items()
                if (verbose or factory.get(k) != v) and k != "default-name"
            }
            if not changed:
                continue
            key = menu.factory_key
            ref = factory.get(key, "")
            where = f"[ find {key}={quote(ref)} ]" if key != "name" else quote(ref)
            out.append(["set", where, *pairs(changed)])
        return out

    def dynamic_items(self, path: str) -> list[dict[str, Any]]:
        """Items the device makes itself: printed with their flags, never exported, not
        changeable. /ip route: a connected route (DAc) for each enabled address."""
        if path != "/ip/route":
            return []
        import ipaddress

        routes = []
        for item in self.items("/ip/address"):
            props = item["props"]
            if props.get("disabled") == "yes":
                continue
            with contextlib.suppress(ValueError):
                network = ipaddress.ip_interface(props.get("address", "")).network
                routes.append(
                    {
                        "flags": "DAc",
                        "props": {
                            "dst-address": str(network),
                            "gateway": props.get("interface", ""),
                            "distance": "0",
                            "dynamic": "yes",
                        },
                    }
                )
        return routes

    def backup_state(self) -> dict[str, Any]:
        """What `/system backup save` keeps: the whole configuration, secrets and users included."""
        kept = {k: v for k, v in self.state.items() if k not in ("files", "safe_snapshot")}
        kept.pop("safe_actions", None)
        return copy.deepcopy(kept)


class RouterOsShell(Shell):
    """One RouterOS terminal session (or a script run, when not interactive)."""

    def __init__(self, device: RouterOsDevice, username: str, interactive: bool = True) -> None:
        self.device = device
        self.username = username.split("+", 1)[0]
        self.interactive = interactive
        self.path = "/"
        self.pending = None
        self.closed = False
        self.ended = ""  # "quit" | "ctrl-d" once the user ends the session; "" = lost
        # A session that arrives while the management address is configured came over it (the
        # lab serves the inventory address); one that arrives before came the factory way.
        self.on_path = interactive and device.on_management_path()
        # Routes present when the session arrived: one of their destinations must stay routed.
        self.routes = device.return_routes() if self.on_path else set()

    # ----- terminal -----
    def banner(self) -> str:
        return (
            "\r\n\r\n\r\n\r\n  MikroTik RouterOS "
            f"{self.device.version} (c) 1999-2024       https://www.mikrotik.com/\r\n\r\n"
            "Press F1 for help\r\n\r\n"
        )

    def prompt(self) -> str:
        """`[user@identity] > `; `[user@identity] <SAFE> ` in safe mode; the menu when in one."""
        safe = self.device.safe_holder is self
        head = f"[{self.username}@{self.device.identity}]"
        if self.path != "/":
            return f"{head} {self.path}{'<SAFE>' if safe else '>'} "
        return f"{head} <SAFE> " if safe else f"{head} > "

    def handle_control(self, char: str) -> Reply | None:
        if char == "\x18":  # Ctrl-X toggles safe mode
            return self.device.toggle_safe_mode(self)
        if char == "\x04":  # Ctrl-D on an empty line: log out, undoing safe-mode changes
            self.ended = "ctrl-d"
            return Reply("", close=True)
        return None

    def close(self) -> None:
        self.closed = True
        self.device.session_ended(self, self.ended)
        if self in self.device.shells:
            self.device.shells.remove(self)

    def is_config_command(self, line: str) -> bool:
        words = re.findall(r"[A-Za-z-]+", line.split("[")[0])
        return any(w in {"add", "set", "remove", "enable", "disable", "unset"} for w in words) or (
            "import" in words
        )

    def error_reply(self, line: str, message: str | None) -> Reply:
        return Reply(message or "failure: simulated device error")

    def handle_line(self, line: str) -> Reply:
        try:
            text = self.execute(line)
        except CommandError as exc:
            text = exc.text
        except _Quit:
            self.ended = "quit"
            return Reply("", close=True)
        except _Ask as ask:
            self.pending = ask.question
            return Reply(ask.text)
        return Reply(text)

    # ----- commands -----
    def execute(self, line: str) -> str:
        outputs = []
        for command, column in split_commands(line):
            try:
                tokens = tokenize(command, column - 1)
            except SyntaxProblem as exc:
                raise _at(exc.message, exc.column) from None
            result = self._run(tokens)
            if result:
                outputs.append(result)
        return "\n".join(outputs)

    def _run(self, tokens: list[Token]) -> str:
        if not tokens:
            return ""
        path, rest = self._resolve(tokens)
        if not rest:
            self.path = path  # a bare menu path moves into it (scripts and exports rely on it)
            return ""
        command, args = rest[0], rest[1:]
        if command.key is not None or command.kind != "word":
            raise _at("expected command name", command.column)
        name = command.text
        if name == "quit":  # a global command: `quit` or `/quit` from any menu
            raise _Quit
        handler = self._handler(path, name)
        if handler is None:
            raise _at(f"bad command name {name}", command.column)
        result: str = handler(path, args)
        return result

    def _resolve(self, tokens: list[Token]) -> tuple[str, list[Token]]:
        """Walk menu words from the current menu; what remains is the command and arguments."""
        path = self.path
        words: list[Token] = []
        for index, token in enumerate(tokens):
            if token.kind == "word" and token.key is None and "/" in token.text:
                col = token.column
                text = token.text
                if text.startswith("/"):
                    if index == 0:
                        path = "/"
                    text = text[1:]
                    col += 1
                for part in text.split("/"):
                    if part:
                        words.append(Token(part, col))
                    col += len(part) + 1
            else:
                words.append(token)
        for index, token in enumerate(words):
            if token.kind != "word" or token.key is not None:
                return path, words[index:]
            if token.text == "..":
                path = path.rsplit("/", 1)[0] or "/"
                continue
            candidate = (path.rstrip("/") + "/" + token.text) if path != "/" else "/" + token.text
            if candidate in ALL_PATHS:
                path = candidate
                continue
            return path, words[index:]
        return path, []

    def _handler(self, path: str, name: str) -> Any:
        menu = BY_PATH.get(path)
        special = {
            ("/", "export"): self._cmd_export,
            ("/", "import"): self._cmd_import,
            ("/", "ping"): self._cmd_ping,
            ("/system", "reboot"): self._cmd_reboot,
            ("/system", "reset-configuration"): self._cmd_reset,
            ("/system/resource", "print"): self._cmd_resource,
            ("/system/routerboard", "print"): self._cmd_routerboard,
            ("/system/package", "print"): self._cmd_package,
            ("/system/backup", "save"): self._cmd_backup_save,
            ("/system/backup", "load"): self._cmd_backup_load,
            ("/interface", "print"): self._cmd_interfaces,
            ("/interface", "set"): self._cmd_interface_set,
            ("/interface", "enable"): lambda p, a: self._cmd_interface_set(p, a, "enable"),
            ("/interface", "disable"): lambda p, a: self._cmd_interface_set(p, a, "disable"),
            ("/file", "print"): self._cmd_file_print,
            ("/file", "remove"): self._cmd_file_remove,
            ("/file", "add"): self._cmd_file_add,
            ("/log", "print"): lambda p, a: "",
        }
        if (path, name) in special:
            return special[(path, name)]
        if name == "export":
            return self._cmd_export
        if name == "find" and menu is not None and menu.kind == "list":
            return lambda p, a: ""
        if menu is None:
            return None
        if menu.kind == "list" and name in _LIST_COMMANDS:
            return getattr(self, f"_list_{name}")
        if menu.kind == "single" and name in _SINGLE_COMMANDS:
            return getattr(self, f"_single_{name}")
        return None

    # ----- argument helpers -----
    @staticmethod
    def _flags(args: list[Token], allowed: set[str]) -> tuple[dict[str, str], set[str]]:
        values: dict[str, str] = {}
        flags: set[str] = set()
        for token in args:
            if token.key is not None:
                values[token.key] = token.value or ""
            elif token.kind == "word" and token.text in allowed:
                flags.add(token.text)
            else:
                raise _at("expected end of command", token.column)
        return values, flags

    def _menu(self, path: str) -> Menu:
        return BY_PATH[path]

    def _select(self, menu: Menu, ref: Token) -> list[dict[str, Any]]:
        """Items an unnamed argument designates: [ find ... ], numbers "0,1", or names."""
        items = self.device.items(menu.path)
        if ref.kind == "bracket":
            return self._find(menu, ref)
        chosen = []
        for part in ref.text.split(","):
            if part.isdigit():
                index = int(part)
                if index >= len(items):
                    raise CommandError("no such item")
                chosen.append(items[index])
                continue
            named = [i for i in items if i["props"].get("name") == part]
            if not named:
                raise CommandError("no such item")
            chosen.extend(named)
        return chosen

    def _find(self, menu: Menu, ref: Token) -> list[dict[str, Any]]:
        try:
            tokens = tokenize(ref.text)
        except SyntaxProblem as exc:
            raise _at(exc.message, ref.column + exc.column) from None
        words = [t for t in tokens if not (t.key is None and t.text in {"where", "and"})]
        if words and words[0].key is None and words[0].text.endswith("find"):
            words = words[1:]
        else:
            raise _at("expected command name", ref.column)
        items = self.device.items(menu.path)
        return [i for i in items if all(self._matches(i["props"], t) for t in words)]

    @staticmethod
    def _matches(props: dict[str, str], token: Token) -> bool:
        if token.key is not None:
            key, value = token.key, token.value or ""
            if token.op == "~":
                return re.search(value, props.get(key, "")) is not None
            if key.endswith("!"):
                return props.get(key[:-1], "") != value
            if key == "disabled" and value == "no":
                return props.get("disabled", "no") == "no"
            if key == "dynamic":
                return props.get("dynamic", "no") == value
            return props.get(key, "") == value
        text = token.text
        if text.startswith("!"):
            return props.get(text[1:], "no") != "yes"
        return props.get(text, "no") == "yes"

    def _check_unique(self, menu: Menu, props: dict[str, str], skip: Any = None) -> None:
        for item in self.device.items(menu.path):
            if item is skip:
                continue
            other = item["props"]
            if menu.named and props.get("name") and other.get("name") == props.get("name"):
                raise CommandError("failure: item with such name already exists")
            same = menu.unique and all(other.get(k) == props.get(k) for k in menu.unique)
            if same and all(props.get(k) for k in menu.unique):
                raise CommandError(_DUPLICATE.get(menu.path, "failure: already have such entry"))

    def _check_refs(self, menu: Menu, values: dict[str, str]) -> None:
        names = self.device.interface_names()
        for key in menu.interface_refs:
            if key in values and values[key] and values[key] not in names:
                raise CommandError(f"input does not match any value of {key}")

    # ----- list menus -----
    def _list_add(self, path: str, args: list[Token]) -> str:
        menu = self._menu(path)
        if menu.fixed:
            raise CommandError("failure: can not add items to this menu")
        values, _ = self._flags(args, set())
        place = values.pop("place-before", None)
        copy_from = values.pop("copy-from", None)
        props: dict[str, str] = {}
        if copy_from is not None:
            source = self._select(menu, Token(copy_from, 1))
            props.update(source[0]["props"])
            props.pop("name", None)
        props.update(values)
        if menu.named and not props.get("name"):
            base = path.rsplit("/", 1)[1].replace("dhcp-server", "server")
            taken = {i["props"].get("name") for i in self.device.items(path)}
            number = 1
            while f"{base}{number}" in taken:
                number += 1
            props = {"name": f"{base}{number}", **props}
        if path == "/interface/wireguard" and "private-key" not in props:
            seed = f"{self.device.spec.hostkey_seed}:{self.device.name}:{props['name']}"
            raw = bytearray(hashlib.sha256(seed.encode()).digest())
            raw[0] &= 248
            raw[31] = (raw[31] & 127) | 64
            props["private-key"] = base64.b64encode(bytes(raw)).decode()
        self._check_refs(menu, props)
        self._check_unique(menu, props)
        item = {"id": self.device.new_id(), "props": props, "factory": None}
        items = self.device.items(path)
        if place is not None:
            targets = self._select(menu, Token(place, 1))
            items.insert(items.index(targets[0]), item)
        else:
            items.append(item)
        self._changed(path, redial=False)  # a new link: no session can have come over it yet
        return ""

    def _split_ref(self, args: list[Token]) -> tuple[Token | None, list[Token]]:
        rest = []
        ref = None
        for token in args:
            if token.key == "numbers":
                ref = Token(token.value or "", token.column)
            elif ref is None and token.key is None and not token.text.startswith("!"):
                ref = token
            else:
                rest.append(token)
        return ref, rest

    def _list_set(self, path: str, args: list[Token]) -> str:
        menu = self._menu(path)
        ref, rest = self._split_ref(args)
        if ref is None:
            raise CommandError("expected item reference (numbers)")
        targets = self._select(menu, ref)
        if not targets:
            raise CommandError("no such item")
        for item in targets:
            props = dict(item["props"])
            for token in rest:
                if token.key is not None:
                    if token.key == "default-name":
                        raise _at("expected end of command", token.column)
                    props[token.key] = token.value or ""
                elif token.text.startswith("!"):
                    props.pop(token.text[1:], None)
                else:
                    raise _at("expected end of command", token.column)
            self._check_refs(menu, {t.key: t.value or "" for t in rest if t.key})
            self._check_unique(menu, props, skip=item)
            old_name = item["props"].get("name")
            item["props"] = props
            if menu.interface_type and old_name and props.get("name") != old_name:
                self._rename_references(old_name, props.get("name", ""))
        self._changed(path)
        return ""

    def _rename_references(self, old: str, new: str) -> None:
        """RouterOS links items by id: renaming an interface renames it wherever it is used."""
        for value in self.device.menus.values():
            for item in value if isinstance(value, list) else []:
                props = item["props"]
                for key, text in props.items():
                    if key in _REFERENCE_KEYS and old in text.split(","):
                        props[key] = ",".join(new if p == old else p for p in text.split(","))

    def _list_unset(self, path: str, args: list[Token]) -> str:
        menu = self._menu(path)
        ref, rest = self._split_ref(args)
        if ref is None:
            raise CommandError("expected item reference (numbers)")
        names = [t.value for t in rest if t.key == "value-name"] or [
            t.text for t in rest if t.key is None
        ]
        for item in self._select(menu, ref):
            for name in names:
                item["props"].pop(name or "", None)
        self._changed(path)
        return ""

    def _list_remove(self, path: str, args: list[Token]) -> str:
        menu = self._menu(path)
        ref, rest = self._split_ref(args)
        if rest:
            raise _at("expected end of command", rest[0].column)
        if ref is None:
            raise CommandError("expected item reference (numbers)")
        targets = self._select(menu, ref)
        if not targets:
            raise CommandError("no such item")
        if menu.fixed or any(i.get("factory") and menu.factory_key != "name" for i in targets):
            raise CommandError("failure: can not remove builtin item")
        items = self.device.items(path)
        for item in targets:
            if item in items:
                items.remove(item)
        self._changed(path)
        return ""

    def _list_enable(self, path: str, args: list[Token]) -> str:
        return self._list_set(path, [*args, Token("disabled=no", 1, "word", "disabled", "no")])

    def _list_disable(self, path: str, args: list[Token]) -> str:
        return self._list_set(path, [*args, Token("disabled=yes", 1, "word", "disabled", "yes")])

    def _display_props(
        self, path: str, item: dict[str, Any], detail: bool = False
    ) -> dict[str, str]:
        menu = self._menu(path)
        props = derived_props(menu, item["props"])
        if detail:  # print detail shows every property, defaults included, in the device's order
            props = dict(export_order({**menu.item_defaults, **props}))
        props = {k: v for k, v in props.items() if k not in SENSITIVE and k != "dynamic"}
        if path == "/interface/wireguard" and item["props"].get("private-key"):
            props["public-key"] = _wireguard_public(item["props"]["private-key"])
            props.setdefault("listen-port", "13231")
        if path == "/interface/wireguard/peers" and self.peer_up(item["props"]):
            # A peer whose endpoint the router can reach without the tunnel has a fresh
            # handshake (the hub is taken as up); any other shows none, as RouterOS prints it.
            seconds = int((self.device.host.now() - self.device.booted_at).total_seconds())
            props["last-handshake"] = format_duration(seconds % 120 + 1)
            props["rx"] = f"{1024 + seconds * 3} B"
            props["tx"] = f"{2048 + seconds * 5} B"
        return props

    def _list_print(self, path: str, args: list[Token]) -> str:
        values, flags = self._flags(
            args, {"terse", "detail", "where", "count-only", "without-paging", "brief"}
        )
        items = self.device.items(path) + self.device.dynamic_items(path)
        chosen = list(enumerate(items))
        if "where" in flags or values:
            where = [t for t in args if t.key is not None]
            chosen = [(n, i) for n, i in chosen if all(self._matches(i["props"], t) for t in where)]
        if "count-only" in flags:
            return str(len(chosen))
        rows = [
            (
                n,
                i.get("flags") or ("X" if i["props"].get("disabled") == "yes" else " "),
                self._display_props(path, i, "detail" in flags),
            )
            for n, i in chosen
        ]
        legend = "Flags: X - DISABLED"
        if any(i.get("flags") for _, i in chosen):
            legend = "Flags: D - DYNAMIC; X - DISABLED; A - ACTIVE; c - CONNECT"
        return _print_rows(rows, "terse" in flags, "detail" in flags, legend)

    # ----- singleton menus -----
    def _single_set(self, path: str, args: list[Token]) -> str:
        settings = dict(self.device.settings(path))
        for token in args:
            if token.key is not None:
                settings[token.key] = token.value or ""
            elif token.text.startswith("!"):
                settings.pop(token.text[1:], None)
            else:
                raise _at("expected end of command", token.column)
        self.device.menus[path] = settings
        self._changed(path)
        return ""

    def _single_unset(self, path: str, args: list[Token]) -> str:
        settings = self.device.settings(path)
        for token in args:
            settings.pop((token.value or "") if token.key == "value-name" else token.text, None)
        self._changed(path)
        return ""

    def _single_print(self, path: str, args: list[Token]) -> str:
        self._flags(args, {"without-paging", "detail", "terse"})
        menu = self._menu(path)
        shown = {**menu.defaults, **self.device.settings(path)}
        shown = {k: v for k, v in shown.items() if k not in SENSITIVE}
        return _print_settings(shown)

    def _changed(self, path: str, redial: bool = True) -> None:
        if redial and path in WAN_LINKS:
            self.device.redial_wan()
        self.device.record_action()
        self.device.save()
        if path == "/system/scheduler":
            self.device.sync_scheduler()
        self.device.check_management_path()

    # ----- special commands -----
    def _cmd_export(self, path: str, args: list[Token]) -> str:
        values, flags = self._flags(
            args, {"show-sensitive", "hide-sensitive", "terse", "compact", "verbose"}
        )
        text = self.device.export(
            "" if path == "/" else path,
            "show-sensitive" in flags,
            "terse" in flags,
            "verbose" in flags,
        )
        if "file" in values:
            name = values["file"] if values["file"].endswith(".rsc") else values["file"] + ".rsc"
            self.device.files()[name] = {
                "contents": text + "\n",
                "created": self.device.host.now().strftime("%Y-%m-%d %H:%M:%S"),
                "type": "script",
            }
            self.device.save()
            return ""
        return text

    def _cmd_import(self, path: str, args: list[Token]) -> str:
        values, names = self._flags(args, set())
        loose = [t.text for t in args if t.key is None]
        name = values.get("file-name") or (loose[0] if loose else "")
        del names
        files = self.device.files()
        entry = files.get(name) or files.get(name + ".rsc")
        if entry is None:
            raise CommandError("failure: no such file")
        output = []
        runner = RouterOsShell(self.device, self.username, interactive=False)
        for number, line in enumerate(join_continuations(entry["contents"]), start=1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            try:
                result = runner.execute(line)
            except CommandError as exc:
                raise CommandError(_at_line(exc.text, number)) from None
            if result:
                output.append(result)
        output.append("\nScript file loaded and executed successfully")
        return "\n".join(output)

    def peer_up(self, peer: dict[str, str]) -> bool:
        """Whether a WireGuard peer can complete a handshake (docs/lab.md, RouterOS, WireGuard).

        The endpoint must be an IP address: the lab resolves no names, since a router's
        resolver (`/ip dns servers`) is in our design the DC's DNS behind this very tunnel, and
        the lab cannot tell a resolver that answers from one that does not (stricter, never more
        lenient). And the route to it must not lead into a WireGuard interface: packets to the
        endpoint would be sent through the tunnel they are meant to carry.
        """
        import ipaddress

        if peer.get("disabled") == "yes" or not peer.get("endpoint-address"):
            return False
        try:
            endpoint = ipaddress.ip_address(peer["endpoint-address"])
        except ValueError:
            return False
        tunnels = {i["props"].get("name", "") for i in self.device.items("/interface/wireguard")}
        for item in self.device.items("/ip/route"):
            props = item["props"]
            if props.get("disabled") == "yes" or props.get("gateway", "") not in tunnels:
                continue
            with contextlib.suppress(ValueError):
                if endpoint in ipaddress.ip_network(props.get("dst-address", ""), strict=False):
                    return False
        return True

    def reachable(self, target: str) -> bool:
        """What the lab pretends answers a ping: our own subnets, and what a WireGuard peer that
        is up (`peer_up`) routes (the hub is taken as up)."""
        import ipaddress

        try:
            address = ipaddress.ip_address(target)
        except ValueError:
            return False
        networks = []
        for item in self.device.items("/ip/address"):
            with contextlib.suppress(ValueError):
                networks.append(ipaddress.ip_interface(item["props"].get("address", "")).network)
        for item in self.device.items("/interface/wireguard/peers"):
            if not self.peer_up(item["props"]):
                continue
            for text in item["props"].get("allowed-address", "").split(","):
                with contextlib.suppress(ValueError):
                    networks.append(ipaddress.ip_network(text, strict=False))
        return any(address in network for network in networks)

    def _cmd_ping(self, path: str, args: list[Token]) -> str:
        values, _ = self._flags(args[1:] if args and args[0].key is None else args, set())
        target = args[0].text if args and args[0].key is None else values.get("address", "")
        if not target:
            raise CommandError("expected address")
        count = int(values.get("count", "4")) if values.get("count", "4").isdigit() else 4
        ok = self.reachable(target)
        lines = ["  SEQ HOST                                     SIZE TTL TIME       STATUS"]
        for seq in range(count):
            if ok:
                lines.append(f"  {seq:>3} {target:<40} {56:>4} {63:>3} {11 + seq % 3}ms")
            else:
                lines.append(f"  {seq:>3} {target:<40}                     timeout")
        received = count if ok else 0
        loss = 0 if ok else 100
        summary = f"    sent={count} received={received} packet-loss={loss}%"
        if ok:
            summary += " min-rtt=11ms avg-rtt=12ms max-rtt=13ms"
        lines.append(summary)
        return "\n".join(lines)

    def _cmd_reboot(self, path: str, args: list[Token]) -> str:
        self._flags(args, set())
        device = self.device

        def answer(key: str) -> Reply:
            if key.lower() != "y":
                return Reply("\r\n")
            device.host.reboot(device.name)
            return Reply("system will reboot shortly", close=True)

        if not self.interactive:
            device.host.reboot(device.name)
            return ""
        raise _Ask("Reboot, yes? [y/N]: ", Question("char", answer))

    def _cmd_reset(self, path: str, args: list[Token]) -> str:
        values, _ = self._flags(args, set())
        device = self.device
        run_after = values.get("run-after-reset", "")

        def reset() -> None:
            files = device.files()
            device.state = device.factory_state()
            device.state["files"] = files
            if run_after and run_after in files:
                device.run_script(files[run_after]["contents"], "run-after-reset")
            device.save()

        def answer(key: str) -> Reply:
            if key.lower() != "y":
                return Reply("\r\n")
            device.host.reboot(device.name, after_down=reset)
            return Reply("system configuration will be reset", close=True)

        if not self.interactive:
            device.host.reboot(device.name, after_down=reset)
            return ""
        raise _Ask("Dangerous! Reset anyway? [y/N]: ", Question("char", answer))

    def _cmd_resource(self, path: str, args: list[Token]) -> str:
        self._flags(args, {"without-paging"})
        return _print_settings(
            {
                "uptime": self.device.uptime(),
                "version": f"{self.device.version} (stable)",
                "build-time": "2024-10-10 10:19:12",
                "factory-software": "7.8",
                "free-memory": "812.5MiB",
                "total-memory": "1024.0MiB",
                "cpu": "ARM64",
                "cpu-count": "4",
                "cpu-frequency": "1400MHz",
                "cpu-load": "1%",
                "free-hdd-space": "950.2MiB",
                "total-hdd-space": "1024.0MiB",
                "architecture-name": "arm64",
                "board-name": self.device.spec.model,
                "platform": "MikroTik",
            }
        )

    def _cmd_routerboard(self, path: str, args: list[Token]) -> str:
        serial = self.device.serial
        return _print_settings(
            {
                "routerboard": "yes",
                "model": self.device.spec.model,
                "serial-number": serial,
                "firmware-type": "lab",
                "factory-firmware": "7.8",
                "current-firmware": self.device.version,
                "upgrade-firmware": self.device.version,
            }
        )

    def _cmd_package(self, path: str, args: list[Token]) -> str:
        _, flags = self._flags(args, {"without-paging", "detail", "terse"})
        packages = ["routeros"] + (["wifi-qcom"] if self.device.spec.role == "ap" else [])
        built = "2024-10-10 10:19:12"
        rows = [
            (n, " ", {"name": name, "version": self.device.version, "build-time": built})
            for n, name in enumerate(packages)
        ]
        return _print_rows(rows, "terse" in flags, "detail" in flags, "")

    def _cmd_backup_save(self, path: str, args: list[Token]) -> str:
        """`/system backup save name=N [dont-encrypt=yes] [password=P]` (manual: Backup)."""
        values, _ = self._flags(args, set())
        name = values.get("name") or f"{self.device.identity}-{self.device.host.now():%Y%m%d-%H%M}"
        name = name if name.endswith(".backup") else name + ".backup"
        encrypted = values.get("dont-encrypt", "no") != "yes"
        self.device.files()[name] = {
            "contents": "",
            "created": self.device.host.now().strftime("%Y-%m-%d %H:%M:%S"),
            "type": "backup",
            "state": self.device.backup_state(),
            # v7 encrypts unless dont-encrypt=yes, with password= or else the user's own password
            "password": (values.get("password") or self.device.spec.password) if encrypted else "",
        }
        self.device.save()
        return "Configuration backup saved"

    def _cmd_backup_load(self, path: str, args: list[Token]) -> str:
        """`/system backup load name=N.backup password=P`: asks, restores the whole state and
        reboots; from a script (scheduler) it does so without asking."""
        values, _ = self._flags(args, set())
        name = values.get("name", "")
        entry = self.device.files().get(name) or self.device.files().get(name + ".backup")
        if entry is None or entry.get("type") != "backup":
            raise CommandError("failure: no such file")
        if entry.get("password", "") != values.get("password", ""):
            raise CommandError("failure: wrong password or not a backup file")
        saved = copy.deepcopy(entry["state"])
        device = self.device

        def restore() -> None:
            files = device.files()
            device.state = copy.deepcopy(saved)
            device.state["files"] = files
            device.save()

        def answer(key: str) -> Reply:
            if key.lower() != "y":
                return Reply("\r\n")
            device.host.reboot(device.name, after_down=restore)
            return Reply(
                "Restoring system configuration\nSystem configuration restored, rebooting now",
                close=True,
            )

        if not self.interactive:
            device.host.reboot(device.name, after_down=restore)
            return ""
        raise _Ask("Restore and reboot? [y/N]: ", Question("char", answer))

    def _cmd_interfaces(self, path: str, args: list[Token]) -> str:
        _, flags = self._flags(args, {"terse", "detail", "without-paging", "brief"})
        rows = []
        for number, (name, (menu, item)) in enumerate(self.device.interface_names().items()):
            disabled = item["props"].get("disabled") == "yes"
            props = {"name": name}
            if item["props"].get("default-name"):
                props["default-name"] = item["props"]["default-name"]
            props["type"] = menu.interface_type
            props["mtu"] = item["props"].get(
                "mtu", "1420" if menu.interface_type == "wg" else "1500"
            )
            mac_seed = hashlib.sha256(f"{self.device.name}:{name}".encode()).digest()
            if menu.interface_type != "wg":
                props["mac-address"] = ":".join(
                    f"{b:02X}" for b in (b"\x48\xa9\x8a" + mac_seed[:3])
                )
            if item["props"].get("comment"):
                props["comment"] = item["props"]["comment"]
            rows.append((number, "X" if disabled else "R", props))
        return _print_rows(
            rows, "terse" in flags, "detail" in flags, "Flags: R - RUNNING; X - DISABLED"
        )

    def _cmd_interface_set(self, path: str, args: list[Token], verb: str = "set") -> str:
        ref, rest = self._split_ref(args)
        if ref is None:
            raise CommandError("expected item reference (numbers)")
        names = self.device.interface_names()
        targets: list[tuple[Menu, dict[str, Any]]] = []
        if ref.kind == "bracket":
            conds = [t for t in tokenize(ref.text) if t.key is not None or t.text.startswith("!")]
            targets = [
                (m, i)
                for m, i in names.values()
                if all(self._matches(i["props"], c) for c in conds)
            ]
        else:
            for part in ref.text.split(","):
                if part not in names:
                    raise CommandError("no such item")
                targets.append(names[part])
        if not targets:
            raise CommandError("no such item")
        for menu, item in targets:
            shell_args = [Token(str(self.device.items(menu.path).index(item)), 1), *rest]
            getattr(self, f"_list_{verb}")(menu.path, shell_args)
        return ""

    def _cmd_file_print(self, path: str, args: list[Token]) -> str:
        _, flags = self._flags(args, {"terse", "detail", "without-paging", "where"})
        rows = []
        for number, (name, entry) in enumerate(sorted(self.device.files().items())):
            size = len(entry["contents"].encode()) or len(json.dumps(entry.get("state", "")))
            props = {
                "name": name,
                "type": entry.get("type", "file"),
                "size": str(size),
                "creation-time": entry["created"],
            }
            wanted = [t for t in args if t.key is not None]
            if all(self._matches(props, t) for t in wanted):
                rows.append((number, " ", props))
        return _print_rows(rows, "terse" in flags, "detail" in flags, "")

    def _cmd_file_remove(self, path: str, args: list[Token]) -> str:
        ref, _ = self._split_ref(args)
        files = self.device.files()
        if ref is None:
            raise CommandError("expected item reference (numbers)")
        if ref.kind == "bracket":
            conds = [t for t in tokenize(ref.text) if t.key is not None]
            names = [n for n in files if all(self._matches({"name": n}, c) for c in conds)]
        else:
            ordered = sorted(files)
            names = [
                ordered[int(p)] if p.isdigit() and int(p) < len(ordered) else p
                for p in ref.text.split(",")
            ]
        missing = [n for n in names if n not in files]
        if missing or not names:
            raise CommandError("no such item")
        for name in names:
            del files[name]
        self.device.save()
        return ""

    def _cmd_file_add(self, path: str, args: list[Token]) -> str:
        values, _ = self._flags(args, set())
        name = values.get("name")
        if not name:
            raise CommandError("failure: name not specified")
        self.device.files()[name] = {
            "contents": values.get("contents", ""),
            "created": self.device.host.now().strftime("%Y-%m-%d %H:%M:%S"),
            "type": "file",
        }
        self.device.save()
        return ""


class _Quit(Exception):
    pass


class _Ask(Exception):
    def __init__(self, text: str, question: Question) -> None:
        super().__init__(text)
        self.text = text
        self.question = question


def _at_line(text: str, number: int) -> str:
    """An error inside a script or imported file names the file's line."""
    if "(line 1 " in text:
        return text.replace("(line 1 ", f"(line {number} ")
    return f"{text} (line {number} column 1)"


def _print_settings(values: dict[str, str]) -> str:
    if not values:
        return ""
    width = max(len(k) for k in values)
    return "\n".join(f"  {k:>{width}}: {v}" for k, v in values.items())


def _print_rows(
    rows: list[tuple[int, str, dict[str, str]]], terse: bool, detail: bool, legend: str
) -> str:
    """Items as RouterOS prints them: terse (one line of key=value), detail, or a table."""
    if terse:
        return "\n".join(
            f"{n:>2} {flag.strip() or ' '} " + " ".join(f"{k}={v}" for k, v in props.items())
            for n, flag, props in rows
        )
    lines = [legend] if legend else []
    if detail:
        for n, flag, props in rows:
            body = " ".join(f"{k}={quote(v) if v else chr(34) * 2}" for k, v in props.items())
            lines.append(f"{n:>2} {flag.strip() or ' '} {body}")
            lines.append("")
        return "\n".join(lines).rstrip()
    columns: list[str] = []
    for _, _, props in rows:
        columns.extend(k for k in props if k not in columns)
    if not columns:
        return "\n".join(lines)
    widths = {c: max([len(c), *(len(p.get(c, "")) for _, _, p in rows)]) for c in columns}
    lines.append("Columns: " + ", ".join(c.upper() for c in columns))
    lines.append(" #   " + "  ".join(c.upper().ljust(widths[c]) for c in columns).rstrip())
    for n, flag, props in rows:
        cells = "  ".join(props.get(c, "").ljust(widths[c]) for c in columns).rstrip()
        lines.append(f"{n:>2} {flag.strip() or ' '} {cells}")
    return "\n".join(lines)
