"""A simulated Cisco IOS switch (Catalyst 1000 class): exec and config modes, running and startup
configurations kept apart, archive, timed rollback (`configure terminal revert timer`) and
`configure replace`.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import re
from collections.abc import Callable
from typing import Any

from digikel.lab import ios_running_config as cfg
from digikel.lab.device import DeviceSpec, Host, Question, Reply, Shell, SimDevice
from digikel.lab.models import ios_hardware

VERSION = "15.2(7)E10"
INVALID = "% Invalid input detected at '^' marker."
INCOMPLETE = "% Incomplete command."
AMBIGUOUS = "% Ambiguous command:"
# configure terminal revert timer / configure replace ... time without an archive path
NO_ARCHIVE = "%Turn config archive on before using Rollback Confirmed Change"
NO_PENDING = "%No Rollback Confirmed Change pending"
CLIENT_VLAN = "VTP VLAN configuration not allowed when device is in CLIENT mode."
LOCKED_BY_ME = (
    "Configuration mode locked exclusively. The lock will be cleared once you exit out of "
    "configuration mode using end/exit"
)

# Exec commands as keyword paths; each word may be abbreviated to a unique prefix.
_EXEC: tuple[tuple[str, ...], ...] = (
    ("show", "running-config"),
    ("show", "startup-config"),
    ("show", "version"),
    ("show", "ip", "ssh"),
    ("show", "vlan", "brief"),
    ("show", "vlan"),
    ("show", "interfaces", "status"),
    ("show", "interfaces", "trunk"),
    ("show", "ip", "interface", "brief"),
    ("show", "archive", "config", "rollback", "timer"),
    ("show", "archive"),
    ("show", "vtp", "status"),
    ("show", "clock"),
    ("show", "privilege"),
    ("show", "snmp", "user"),
    ("show", "flash:"),
    ("configure", "terminal"),
    ("configure", "confirm"),
    ("configure", "replace"),
    ("configure", "revert"),
    ("copy",),
    ("write", "memory"),
    ("write", "terminal"),
    ("write",),
    ("reload",),
    ("dir",),
    ("delete",),
    ("more",),
    ("terminal", "length"),
    ("terminal", "width"),
    ("terminal", "no"),
    ("enable",),
    ("disable",),
    ("exit",),
    ("logout",),
    ("quit",),
    ("archive", "config"),
    ("ping",),
)
_USER_EXEC = {"enable", "exit", "logout", "quit", "terminal", "show", "ping"}
# show commands a privilege-1 session may run (the configuration and flash need enable)
_USER_SHOWS = {"version", "clock", "privilege", "vlan", "interfaces", "ip", "snmp", "vtp"}
FACTORIES = ("blank", "defconf", "unboxed")  # what each one is: the comment above RSA_TEXT


class IosError(Exception):
    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


class IosDevice(SimDevice):
    """Running, startup, flash, the VLAN database (vlan.dat) and a pending rollback of one IOS
    switch.

    `state["running"]` holds the running configuration without its VTP and VLAN lines; the VLANs
    live in `state["vlans"]` and the VTP mode in `state["vtp"]` (vlan.dat), as on a Catalyst: in
    VTP server or client mode they are not part of the running configuration at all, in
    transparent mode `view()` adds them (`vtp mode transparent`, `vlan N` blocks).
    """

    platform = "ios"
    factories = FACTORIES

    def __init__(
        self,
        spec: DeviceSpec,
        state: dict[str, Any] | None,
        host: Host,
        factory: str = "blank",
    ) -> None:
        state, self.factory = self.starting_state(state, factory)
        self.config_lock: IosShell | None = None  # `configure terminal lock` holder
        super().__init__(spec, state, host)
        _migrate(self.state)

    def factory_config(self) -> list[cfg.Entry]:
        hardware = ios_hardware(self.spec.model)
        lines = [
            "version 15.2",
            "no service pad",
            "service timestamps debug datetime msec",
            "service timestamps log datetime msec",
            "no service password-encryption",
            "hostname Switch",
            "boot-start-marker",
            "boot-end-marker",
            "no aaa new-model",
            f"switch 1 provision {self.provision_model()}",
            "system mtu routing 1500",
            "spanning-tree mode pvst",
            "spanning-tree extend system-id",
            "vlan internal allocation policy ascending",
            "ip forward-protocol nd",
            "ip http server",
            "ip http secure-server",
        ]
        config: list[cfg.Entry] = [{"line": line, "children": []} for line in lines]
        for port in (*hardware.ethernet, *hardware.uplinks):
            config.append({"line": f"interface {port}", "children": []})
        config.append({"line": "interface Vlan1", "children": ["no ip address"]})
        config.append({"line": "line con 0", "children": []})
        config.append({"line": "line vty 0 4", "children": ["login"]})
        config.append({"line": "line vty 5 15", "children": ["login"]})
        return config

    def provision_model(self) -> str:
        """`switch 1 provision c1000-24p-4g-l`: the model in lower case, as a C1000 prints it."""
        return self.spec.model.lower()

    def factory_state(self, factory: str | None = None) -> dict[str, Any]:
        # A Catalyst 1000's vendor default is the blank configuration: `defconf` is the same.
        running = self.factory_config()
        old = getattr(self, "state", None) or {}
        return {
            "rsa_key": (factory or self.factory) != "unboxed",
            "platform": "ios",
            "model": self.spec.model,
            "software": old.get("software", VERSION),  # firmware survives an erase
            "running": running,
            "startup": copy.deepcopy(running),
            "vtp": {"mode": "server", "domain": "", "revision": 0, "modified": None},
            "vlans": [],
            "files": {},
            "archives": [],
            "snmp_users": [],
            "last_change": None,
            "saved": None,
            "revert": None,
        }

    def reset(self, factory: str | None = None) -> None:
        if factory is not None:
            self.check_factory(factory)
        self.config_lock = None
        self.host.cancel_timer(self.name, "revert")
        self.state = self.factory_state(factory)
        self.save()

    @property
    def rsa_key(self) -> bool:
        """Whether the switch has an RSA key pair: without one its SSH server does not run."""
        return bool(self.state.get("rsa_key", True))

    def domain(self) -> str:
        for entry in self.running:
            for prefix in ("ip domain-name ", "ip domain name "):
                line = str(entry["line"])
                if line.startswith(prefix):
                    return line[len(prefix) :].strip()
        return ""

    def set_software(self, version: str) -> None:
        """The IOS release `show version` reports (e.g. `15.2(7)E4`); kept across resets."""
        if not re.fullmatch(r"\d+\.\d+\(\d+[a-z]?\)[A-Z]+\d*[a-z]?", version):
            raise ValueError(f"not an IOS release like 15.2(7)E10: {version!r}")
        self.state["software"] = version
        self.save()

    @property
    def running(self) -> list[cfg.Entry]:
        running: list[cfg.Entry] = self.state["running"]
        return running

    @property
    def vtp(self) -> dict[str, Any]:
        vtp: dict[str, Any] = self.state["vtp"]
        return vtp

    @property
    def vlan_db(self) -> list[cfg.Entry]:
        vlans: list[cfg.Entry] = self.state["vlans"]
        return vlans

    def view(self) -> list[cfg.Entry]:
        """The running configuration as IOS shows it (VTP and VLAN lines only when transparent)."""
        entries = copy.deepcopy(self.running)
        if self.vtp["mode"] == "transparent":
            if self.vtp.get("domain"):
                entries.append({"line": f"vtp domain {self.vtp['domain']}", "children": []})
            entries.append({"line": "vtp mode transparent", "children": []})
            entries.extend(copy.deepcopy(self.vlan_db))
        return entries

    def load_view(self, entries: list[cfg.Entry], reason: str) -> None:
        """Make a saved configuration the running one.

        `replace` (configure replace, the revert timer) works as IOS does, on the text: VLAN
        blocks the running text shows and the target lacks are deleted, the target's are set;
        the VTP mode follows the target (`no vtp mode` = server when it drops transparent).
        VLANs of a server-mode switch are in no text, so a replace leaves them alone.
        `reload`: vlan.dat wins unless both it and the startup config say transparent
        (Catalyst command references, `vtp` global configuration, usage guidelines).
        """
        target_vlans = [copy.deepcopy(e) for e in entries if _is_vlan_block(e["line"])]
        target_vtp = [e["line"] for e in entries if e["line"].startswith("vtp ")]
        rest = [
            copy.deepcopy(e)
            for e in entries
            if not _is_vlan_block(e["line"]) and not e["line"].startswith("vtp ")
        ]
        transparent = "vtp mode transparent" in target_vtp
        domain = next((v.split()[2] for v in target_vtp if v.startswith("vtp domain ")), None)
        if reason == "reload":
            if self.vtp["mode"] == "transparent" and transparent:
                self.state["vlans"] = _sorted_vlans(target_vlans)
        else:
            shown = {e["line"] for e in self.view() if _is_vlan_block(e["line"])}
            wanted = {e["line"] for e in target_vlans}
            kept = [e for e in self.vlan_db if e["line"] not in shown - wanted]
            by_line = {e["line"]: e for e in kept}
            for entry in target_vlans:
                by_line[entry["line"]] = entry
            self.state["vlans"] = _sorted_vlans(list(by_line.values()))
            if transparent:
                self.vtp["mode"] = "transparent"
            elif self.vtp["mode"] == "transparent":
                self.vtp["mode"] = "server"
            if domain:
                self.vtp["domain"] = domain
        self.state["running"] = rest

    @property
    def hostname(self) -> str:
        for entry in self.running:
            if entry["line"].startswith("hostname "):
                return str(entry["line"].split(" ", 1)[1])
        return "Switch"

    def ports(self) -> list[str]:
        return [
            e["line"].split(" ", 1)[1]
            for e in self.running
            if e["line"].startswith("interface ")
            and not e["line"].startswith(("interface Vlan", "interface Loopback", "interface Po"))
        ]

    def config_text(self, config: list[cfg.Entry]) -> str:
        return "\n".join([*cfg.render(config), "!", "end"]) + "\n"

    def changed(self, user: str) -> None:
        self.state["last_change"] = {"at": self.host.now().isoformat(), "by": user}
        self.save()

    def vlans_changed(self, user: str) -> None:
        """A VLAN database change: the VTP revision counts it in server mode (not transparent)."""
        if self.vtp["mode"] == "server":
            self.vtp["revision"] = int(self.vtp.get("revision", 0)) + 1
        self.vtp["modified"] = self.host.now().isoformat()
        self.changed(user)

    def open_shell(self, username: str, console: bool = False) -> IosShell:
        shell = IosShell(self, username, console)
        self.shells.append(shell)
        return shell

    def on_boot(self) -> None:
        super().on_boot()
        revert = self.state.get("revert")
        if revert:
            deadline = dt.datetime.fromisoformat(revert["deadline"])
            remaining = max(0.0, (deadline - self.host.now()).total_seconds())
            self.host.set_timer(self.name, "revert", remaining, self.revert_now)

    def reload(self) -> None:
        """A reload: the running configuration is whatever was saved."""
        startup = self.state.get("startup")
        self.load_view(copy.deepcopy(startup) if startup else self.factory_config(), "reload")
        self.state["revert"] = None
        self.config_lock = None
        self.host.cancel_timer(self.name, "revert")
        self.save()

    # ----- archive and rollback -----
    def archive_path(self) -> str | None:
        entry = cfg.find_entry(self.running, "archive")
        for child in entry["children"] if entry else []:
            if child.startswith("path "):
                return str(child.split(" ", 1)[1])
        return None

    def archive_maximum(self) -> int:
        entry = cfg.find_entry(self.running, "archive")
        for child in entry["children"] if entry else []:
            if child.startswith("maximum "):
                return int(child.split()[1])
        return 10

    def archive_now(self) -> str:
        path = self.archive_path()
        if path is None:
            raise IosError("% Archive path not specified")
        stamp = self.host.now().strftime("%b-%d-%H-%M-%S.000")
        name = path.replace("$h", self.hostname).replace("$t", stamp)
        number = int(self.state.get("archive_number", 0))
        self.state["archive_number"] = number + 1
        full = f"{name}-{number}"
        if not full.startswith("flash:"):
            full = "flash:" + full.split(":", 1)[-1]
        self.write_file(full, self.config_text(self.view()))
        archives: list[str] = self.state.setdefault("archives", [])
        archives.append(full)
        while len(archives) > self.archive_maximum():
            old = archives.pop(0)
            self.state["files"].pop(old, None)
        self.save()
        return full

    def write_file(self, name: str, text: str) -> None:
        self.state["files"][name] = {"contents": text, "at": self.host.now().isoformat()}

    def start_revert_timer(self, minutes: float, user: str, idle: bool = False) -> str:
        """`configure terminal revert timer N`: archive the running config, revert to it in N
        minutes (times the time scale) unless confirmed. A timer already pending is re-armed and
        keeps the configuration it will go back to (lab choice: the oldest state is the safe
        one)."""
        if self.archive_path() is None:
            raise IosError(NO_ARCHIVE)
        saved = self.archive_now()
        seconds = minutes * 60 * self.host.time_scale
        deadline = self.host.now().timestamp() + seconds
        pending = self.state.get("revert")
        self.state["revert"] = {
            "snapshot": pending["snapshot"] if pending else copy.deepcopy(self.view()),
            "deadline": dt.datetime.fromtimestamp(deadline, dt.UTC).isoformat(),
            "archive": pending["archive"] if pending else saved,
            "configured": self.host.now().isoformat(),
            "minutes": minutes,
            "idle": idle,
            "user": user,
        }
        self.host.set_timer(self.name, "revert", seconds, self.revert_now)
        self.save()
        return saved

    def revert_now(self) -> None:
        revert = self.state.get("revert")
        if not revert:
            return
        self.load_view(revert["snapshot"], "replace")
        self.state["revert"] = None
        self.host.cancel_timer(self.name, "revert")
        self.rebind_sessions()
        self.changed("rollback")

    def rebind_sessions(self) -> None:
        """After a rollback or replace, sessions still in a block edit the block of the new
        configuration (a block that no longer exists is left: back to global configuration)."""
        for shell in self.shells:
            if isinstance(shell, IosShell) and shell.context:
                pool = self.vlan_db if shell.context_kind == "vlan" else self.running
                found = [cfg.find_entry(pool, e["line"]) for e in shell.context]
                shell.context = [e for e in found if e is not None]
                if not shell.context:
                    shell.context_kind = ""

    def confirm(self) -> bool:
        if not self.state.get("revert"):
            return False
        self.state["revert"] = None
        self.host.cancel_timer(self.name, "revert")
        self.save()
        return True

    def serial(self) -> str:
        """A serial number in Cisco's shape LLLYYWWSSSS (FOC2813A1B2), derived from the name."""
        digest = hashlib.sha256(self.name.encode()).digest()
        year = 20 + digest[0] % 10
        week = 1 + digest[1] % 52
        tail = "".join("0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"[b % 34] for b in digest[2:6])
        return f"FOC{year:02d}{week:02d}{tail}"

    def mac(self) -> str:
        digest = hashlib.sha256(("mac:" + self.name).encode()).hexdigest()
        return f"70bc.48{digest[0:2]}.{digest[2:4]}00"


# `blank` and `defconf`: the blank configuration with an RSA key, so SSH answers (the lab's
# staged switch); `unboxed`: a C1000 as it leaves the box, no RSA key, hence no SSH at all
# until `crypto key generate rsa` runs on its console (docs/lab.md, "Console and RSA key").
RSA_TEXT = (
    "The name for the keys will be: {name}\n\n% The key modulus size is {bits} bits\n"
    "% Generating {bits} bit RSA keys, keys will be non-exportable...\n"
    "[OK] (elapsed time was 1 seconds)\n"
)
_vlan_block = re.compile(r"vlan \d+")


def _is_vlan_block(line: str) -> bool:
    return bool(_vlan_block.fullmatch(line))


def _sorted_vlans(entries: list[cfg.Entry]) -> list[cfg.Entry]:
    return sorted(entries, key=lambda e: int(e["line"].split()[1]))


def _migrate(state: dict[str, Any]) -> None:
    """State files written before the VLAN database existed: VLAN blocks move to vlan.dat."""
    if "vtp" in state:
        return
    running = state.get("running", [])
    state["vlans"] = _sorted_vlans([e for e in running if _is_vlan_block(e["line"])])
    state["running"] = [e for e in running if not _is_vlan_block(e["line"])]
    state["vtp"] = {"mode": "server", "domain": "", "revision": 0, "modified": None}
    state.setdefault("software", VERSION)


class IosShell(Shell):
    """One IOS terminal session."""

    def __init__(self, device: IosDevice, username: str, console: bool = False) -> None:
        self.device = device
        self.username = username
        self.console = console  # the switch's console line, not a vty (SSH) session
        self.pending = None
        self.privileged = self._privilege_from_config() >= 15
        self.mode = "exec"  # exec | config
        self.context: list[cfg.Entry] = []  # blocks being edited (several for interface range)
        self.context_kind = ""
        # the vty line and parser process IOS names in its lock messages
        self.terminal = 2 + sum(1 for s in device.shells if isinstance(s, IosShell))
        self.process = (
            100 + int(hashlib.sha256(f"{username}{id(self)}".encode()).hexdigest(), 16) % 400
        )

    def _privilege_from_config(self) -> int:
        for entry in self.device.running:
            match = re.match(
                rf"username {re.escape(self.username)} privilege (\d+) ", entry["line"]
            )
            if match:
                return int(match.group(1))
        return 1

    # ----- terminal -----
    def banner(self) -> str:
        return "\r\n"

    def prompt(self) -> str:
        host = self.device.hostname
        if self.mode == "exec":
            return f"{host}#" if self.privileged else f"{host}>"
        suffixes = {
            "": "config",
            "interface": "config-if",
            "interface range": "config-if-range",
            "vlan": "config-vlan",
            "line": "config-line",
            "archive": "config-archive",
            "ip access-list": "config-ext-nacl",
            "ip dhcp pool": "dhcp-config",
        }
        suffix = suffixes.get(self.context_kind) or "config-" + self.context_kind.split()[0]
        standard = bool(self.context) and self.context[0]["line"].startswith("ip access-list st")
        if self.context_kind == "ip access-list" and standard:
            suffix = "config-std-nacl"
        return f"{host}({suffix})#"

    def handle_control(self, char: str) -> Reply | None:
        if char == "\x1a" and self.mode == "config":  # Ctrl-Z = end
            self._leave_config()
            return Reply("")
        return None

    def is_config_command(self, line: str) -> bool:
        return self.mode == "config" and bool(line.strip())

    def error_reply(self, line: str, message: str | None) -> Reply:
        return Reply(message or self._invalid(line, 0))

    def close(self) -> None:
        # A session that ends (exit, dropped connection, reload) releases its configuration
        # lock; a pending revert timer is the device's and keeps running.
        if self.device.config_lock is self:
            self.device.config_lock = None
        if self in self.device.shells:
            self.device.shells.remove(self)

    def _invalid(self, line: str, word_index: int) -> str:
        """The caret under the word IOS could not take, then IOS's message."""
        column = 0
        for index, match in enumerate(re.finditer(r"\S+", line)):
            column = match.start()
            if index == word_index:
                break
        return " " * (len(self.prompt()) + column) + "^\n" + INVALID

    def handle_line(self, line: str) -> Reply:
        text = line.strip()
        if not text or text.startswith("!"):
            return Reply("")
        try:
            if self.mode == "config":
                return self._config(text)
            return self._exec(text)
        except IosError as exc:
            return Reply(exc.text)

    # ----- exec -----
    def _match_exec(self, words: list[str]) -> tuple[tuple[str, ...], list[str]] | None:
        candidates = list(_EXEC)
        matched: list[str] = []
        for position, word in enumerate(words):
            narrowed = [
                c
                for c in candidates
                if len(c) > position
                and c[position].startswith(word.lower())
                and all(c[i] == matched[i] for i in range(position))
            ]
            if not narrowed:
                break
            exact = [c for c in narrowed if c[position] == word.lower()]
            keywords = {c[position] for c in (exact or narrowed)}
            if len(keywords) > 1:
                raise IosError(f'{AMBIGUOUS}  "{" ".join(words[: position + 1])}"')
            matched.append(keywords.pop())
            candidates = exact or narrowed
        if not matched:
            return None
        full = [c for c in candidates if c == tuple(matched)]
        if not full:
            if len(matched) < len(words):
                raise IosError(self._invalid(" ".join(words), len(matched)))
            raise IosError(INCOMPLETE)
        return tuple(matched), words[len(matched) :]

    def _exec(self, text: str) -> Reply:
        words = text.split("|")[0].split()
        pipe = text.split("|", 1)[1].strip() if "|" in text else ""
        found = self._match_exec(words)
        if found is None:
            return Reply(self._invalid(text, 0))
        command, args = found
        if not self.privileged and command[0] not in _USER_EXEC:
            return Reply(self._invalid(text, 0))
        if not self.privileged and command[0] == "show" and command[1] not in _USER_SHOWS:
            return Reply(self._invalid(text, 1))
        handler: Callable[[list[str]], Reply] = getattr(
            self, "_x_" + "_".join(re.sub(r"[^a-z]", "_", w) for w in command)
        )
        reply = handler(args)
        if pipe and reply.text:
            reply.text = _pipe(reply.text, pipe)
        return reply

    def _x_enable(self, args: list[str]) -> Reply:
        if self.privileged:
            return Reply("")
        secret_set = any(e["line"].startswith("enable ") for e in self.device.running)
        if self.console and not secret_set:
            self.privileged = True  # the console of a switch with no enable secret: straight in
            return Reply("")

        def answer(secret: str) -> Reply:
            spec = self.device.spec
            if secret in (spec.password, spec.enable_secret or spec.password):
                self.privileged = True
                return Reply("")
            return Reply("% Bad secrets\n")

        self.pending = Question("line", answer, secret=True)
        return Reply("Password: ")

    def _x_disable(self, args: list[str]) -> Reply:
        self.privileged = False
        return Reply("")

    def _x_exit(self, args: list[str]) -> Reply:
        return Reply("", close=True)

    _x_logout = _x_exit
    _x_quit = _x_exit

    def _x_terminal_length(self, args: list[str]) -> Reply:
        return self._terminal_number(args, 0, 512)

    def _x_terminal_width(self, args: list[str]) -> Reply:
        return self._terminal_number(args, 0, 512)

    def _x_terminal_no(self, args: list[str]) -> Reply:
        return Reply("")

    def _terminal_number(self, args: list[str], low: int, high: int) -> Reply:
        if not args:
            raise IosError(INCOMPLETE)
        if not args[0].isdigit() or not low <= int(args[0]) <= high:
            raise IosError(INVALID)
        return Reply("")

    def _x_ping(self, args: list[str]) -> Reply:
        if not args:
            raise IosError(INCOMPLETE)
        return Reply(
            "Type escape sequence to abort.\n"
            f"Sending 5, 100-byte ICMP Echos to {args[0]}, timeout is 2 seconds:\n!!!!!\n"
            "Success rate is 100 percent (5/5), round-trip min/avg/max = 1/1/2 ms"
        )

    def _x_show_privilege(self, args: list[str]) -> Reply:
        return Reply(f"Current privilege level is {15 if self.privileged else 1}")

    def _x_show_clock(self, args: list[str]) -> Reply:
        return Reply(self.device.host.now().strftime("*%H:%M:%S.000 UTC %a %b %d %Y"))

    def _running_text(self) -> str:
        body = self.device.config_text(self.device.view())
        header = "!\n"
        change = self.device.state.get("last_change")
        saved = self.device.state.get("saved")
        if change:
            header += f"! Last configuration change at {_stamp(change['at'])} by {change['by']}\n"
        if saved:
            header += f"! NVRAM config last updated at {_stamp(saved['at'])} by {saved['by']}\n"
        if change or saved:
            header += "!\n"
        return header + body

    def _x_show_running_config(self, args: list[str]) -> Reply:
        if args and args[0].lower().startswith("int") and len(args) > 1:
            name = cfg.normalize_interface(" ".join(args[1:]))
            entry = cfg.find_entry(self.device.running, f"interface {name}") if name else None
            if entry is None:
                raise IosError(self._invalid("show running-config " + " ".join(args), 2))
            children = cfg.normalize_children(entry["line"], entry["children"])
            block = "\n".join([entry["line"], *(" " + c for c in children)])
            size = len(block) + len("\nend\n")
            return Reply(
                f"Building configuration...\n\nCurrent configuration : {size} bytes\n!\n"
                f"{block}\nend\n"
            )
        text = self._running_text()
        return Reply(
            f"Building configuration...\n\nCurrent configuration : {len(text)} bytes\n{text}"
        )

    _x_write_terminal = _x_show_running_config

    def _x_show_startup_config(self, args: list[str]) -> Reply:
        startup = self.device.state.get("startup")
        if not startup:
            return Reply("startup-config is not present")
        text = "!\n" + self.device.config_text(startup)
        return Reply(f"Using {len(text)} out of 524288 bytes\n{text}")

    def _x_show_ip_ssh(self, args: list[str]) -> Reply:
        """`show ip ssh` (public transcripts: `SSH Disabled - version 1.99` and the RSA hint
        before a key exists; `SSH Enabled - version 2.0` with `ip ssh version 2`)."""
        if not self.device.rsa_key:
            return Reply(
                "SSH Disabled - version 1.99\n%Please create RSA keys to enable SSH (and of "
                "atleast 768 bits for SSH v2).\nAuthentication methods:publickey,keyboard-"
                "interactive,password\nAuthentication timeout: 120 secs; Authentication "
                "retries: 3\n"
            )
        v2 = any(e["line"] == "ip ssh version 2" for e in self.device.running)
        return Reply(
            f"SSH Enabled - version {'2.0' if v2 else '1.99'}\nAuthentication methods:publickey,"
            "keyboard-interactive,password\nAuthentication timeout: 120 secs; Authentication "
            "retries: 3\n"
        )

    def _crypto(self, text: str, body: list[str], negative: bool) -> Reply:
        """`crypto key generate rsa [general-keys] [modulus N]` and `crypto key zeroize rsa`.

        As public IOS transcripts show: a hostname other than `Switch` and a domain name are
        needed (the keys are named host.domain); the key is not part of the running
        configuration; SSH comes up once the key exists (`%SSH-5-ENABLED`)."""
        words = [w.lower() for w in body]
        if words[:4] == ["crypto", "key", "zeroize", "rsa"] and not negative:
            self.device.state["rsa_key"] = False
            self.device.save()
            return Reply(
                "% All keys will be removed.\n% All router certs issued using these "
                "keys will also be removed.\n"
            )
        if words[:4] != ["crypto", "key", "generate", "rsa"] or negative:
            return Reply(self._invalid(text, 1))
        device = self.device
        if device.hostname == "Switch":
            return Reply("% Please define a hostname other than Switch.\n")
        if not device.domain():
            return Reply("% Please define a domain-name first.\n")
        name = f"{device.hostname}.{device.domain()}"
        if device.rsa_key:
            return Reply(
                f"% You already have RSA keys defined named {name}.\n% Do you really "
                "want to replace them? [yes/no]: no\n"
            )

        def generate(bits: str) -> Reply:
            bits = bits.strip() or "512"
            if not bits.isdigit() or not 360 <= int(bits) <= 4096:
                return Reply("% Invalid modulus size\n")
            device.state["rsa_key"] = True
            device.save()
            return Reply(
                RSA_TEXT.format(name=name, bits=bits)
                + "%SSH-5-ENABLED: SSH 1.99 has been enabled\n"
            )

        if "modulus" in words:
            at = words.index("modulus")
            if at + 1 >= len(words):
                raise IosError(INCOMPLETE)
            return generate(words[at + 1])
        self.pending = Question("line", generate)
        return Reply(
            f"The name for the keys will be: {name}\nChoose the size of the key modulus in the "
            "range of 360 to 4096 for your\n  General Purpose Keys. Choosing a key modulus "
            "greater than 512 may take\n  a few minutes.\n\nHow many bits in the modulus "
            "[512]: "
        )

    def _x_show_version(self, args: list[str]) -> Reply:
        device = self.device
        version = str(device.state.get("software", VERSION))
        image = "c1000-universalk9-mz." + version.replace(".", "", 1).replace("(", "-").replace(
            ")", "."
        )
        model = device.spec.model
        ports = len(device.ports())
        serial = device.serial()
        mac = device.mac().replace(".", "")
        mac_colons = ":".join(mac[i : i + 2] for i in range(0, 12, 2)).upper()
        return Reply(
            f"Cisco IOS Software, C1000 Software (C1000-UNIVERSALK9-M), Version {version}, "
            "RELEASE SOFTWARE (fc3)\n"
            "Technical Support: http://www.cisco.com/techsupport\n"
            "Copyright (c) 1986-2024 by Cisco Systems, Inc.\n"
            "Compiled Tue 12-Mar-24 08:26 by mcpre\n\n"
            "ROM: Bootstrap program is C1000 boot loader\n"
            "BOOTLDR: C1000 Boot Loader (C1000-HBOOT-M) Version 15.2(7r)E1, RELEASE SOFTWARE (fc1)"
            "\n\n"
            f"{device.hostname} uptime is {self._uptime_words()}\n"
            "System returned to ROM by power-on\n"
            f'System image file is "flash:{image}.bin"\n'
            "Last reload reason: power-on\n\n"
            f"cisco {model} (Marvell PJ4B (584) v7 (Rev 2)) processor (revision A0) with "
            "524288K bytes of memory.\n"
            f"Processor board ID {serial}\n"
            "Last reset from power-on\n"
            "1 Virtual Ethernet interface\n"
            f"{ports} Gigabit Ethernet interfaces\n"
            "The password-recovery mechanism is enabled.\n\n"
            "512K bytes of flash-simulated non-volatile configuration memory.\n"
            f"Base ethernet MAC Address       : {mac_colons}\n"
            "Model revision number           : A0\n"
            f"Model number                    : {model}\n"
            f"System serial number            : {serial}\n\n\n"
            "Switch Ports Model                     SW Version            SW Image\n"
            "------ ----- -----                     ----------            ----------\n"
            f"*    1 {ports:<5} {model:<25} {version:<21} C1000-UNIVERSALK9-M\n\n\n"
            "Configuration register is 0xF"
        )

    def _uptime_words(self) -> str:
        seconds = int((self.device.host.now() - self.device.booted_at).total_seconds())
        hours, minutes = seconds // 3600, (seconds % 3600) // 60
        parts = [f"{hours} hour{'s' if hours != 1 else ''}"] if hours else []
        parts.append(f"{minutes} minute{'s' if minutes != 1 else ''}")
        return ", ".join(parts)

    def _vlans(self) -> dict[int, str]:
        """VLANs from the VLAN database (vlan.dat), whatever the VTP mode."""
        vlans = {1: "default"}
        for entry in self.device.vlan_db:
            number = int(entry["line"].split()[1])
            name = next((c[5:] for c in entry["children"] if c.startswith("name ")), "")
            vlans[number] = name or f"VLAN{number:04d}"
        return dict(sorted(vlans.items()))

    def _x_show_vtp_status(self, args: list[str]) -> Reply:
        vtp = self.device.vtp
        modified = vtp.get("modified")
        when = (
            dt.datetime.fromisoformat(modified).strftime("%m-%d-%y %H:%M:%S")
            if modified and vtp["mode"] == "server"
            else "0-0-00 00:00:00"
        )
        count = len(self._vlans()) + 4  # with 1002-1005
        names = ",".join(f"{k}:{v}" for k, v in self._vlans().items())
        digest = hashlib.md5(f"{vtp.get('domain')}{vtp['revision']}{names}".encode()).digest()
        octets = [f"0x{b:02X}" for b in digest]
        return Reply(
            "VTP Version capable             : 1 to 3\n"
            "VTP version running             : 1\n"
            f"VTP Domain Name                 : {vtp.get('domain', '')}\n"
            "VTP Pruning Mode                : Disabled\n"
            "VTP Traps Generation            : Disabled\n"
            f"Device ID                       : {self.device.mac()}\n"
            f"Configuration last modified by 0.0.0.0 at {when}\n"
            "Local updater ID is 0.0.0.0 (no valid interface found)\n\n"
            "Feature VLAN:\n"
            "--------------\n"
            f"VTP Operating Mode                : {vtp['mode'].capitalize()}\n"
            "Maximum VLANs supported locally   : 255\n"
            f"Number of existing VLANs          : {count}\n"
            "Configuration Revision            : "
            f"{vtp['revision'] if vtp['mode'] != 'transparent' else 0}\n"
            f"MD5 digest                        : {' '.join(octets[:8])}\n"
            f"                                    {' '.join(octets[8:])}"
        )

    def _port_settings(self, port: str) -> dict[str, str]:
        entry = cfg.find_entry(self.device.running, f"interface {port}")
        children = entry["children"] if entry else []
        settings = {"mode": "access", "vlan": "1", "description": "", "shutdown": ""}
        for child in children:
            if child.startswith("switchport mode "):
                settings["mode"] = child.split()[-1]
            elif child.startswith("switchport access vlan "):
                settings["vlan"] = child.split()[-1]
            elif child.startswith("description "):
                settings["description"] = child[12:]
            elif child == "shutdown":
                settings["shutdown"] = "yes"
            elif child.startswith("switchport trunk allowed vlan "):
                settings["allowed"] = child.split()[-1]
            elif child.startswith("switchport trunk native vlan "):
                settings["native"] = child.split()[-1]
        return settings

    def _x_show_vlan_brief(self, args: list[str]) -> Reply:
        lines = [
            "",
            "VLAN Name                             Status    Ports",
            "---- -------------------------------- --------- -------------------------------",
        ]
        members: dict[str, list[str]] = {}
        for port in self.device.ports():
            settings = self._port_settings(port)
            if settings["mode"] != "trunk":
                members.setdefault(settings["vlan"], []).append(cfg.short_interface(port))
        for number, name in self._vlans().items():
            ports = members.get(str(number), [])
            chunks = [", ".join(ports[i : i + 4]) for i in range(0, len(ports), 4)] or [""]
            lines.append(f"{number:<4} {name[:32]:<32} {'active':<9} {chunks[0]}".rstrip())
            lines.extend(" " * 48 + chunk for chunk in chunks[1:])
        for number, name in ((1002, "fddi-default"), (1003, "token-ring-default")):
            lines.append(f"{number:<4} {name:<32} act/unsup")
        for number, name in ((1004, "fddinet-default"), (1005, "trnet-default")):
            lines.append(f"{number:<4} {name:<32} act/unsup")
        return Reply("\n".join(lines))

    _x_show_vlan = _x_show_vlan_brief

    def _x_show_interfaces_status(self, args: list[str]) -> Reply:
        lines = ["", "Port         Name               Status       Vlan       Duplex  Speed Type"]
        for port in self.device.ports():
            settings = self._port_settings(port)
            status = "disabled" if settings["shutdown"] else "connected"
            vlan = "trunk" if settings["mode"] == "trunk" else settings["vlan"]
            lines.append(
                f"{cfg.short_interface(port):<12} {settings['description'][:18]:<18} "
                f"{status:<12} {vlan:<10} a-full a-1000 10/100/1000BaseTX"
            )
        return Reply("\n".join(lines))

    def _x_show_interfaces_trunk(self, args: list[str]) -> Reply:
        trunks = [(p, self._port_settings(p)) for p in self.device.ports()]
        trunks = [(p, s) for p, s in trunks if s["mode"] == "trunk" and not s["shutdown"]]
        if not trunks:
            return Reply("")
        lines = ["", "Port        Mode             Encapsulation  Status        Native vlan"]
        for port, s in trunks:
            short = cfg.short_interface(port)
            lines.append(
                f"{short:<11} on               802.1q         trunking      {s.get('native', '1')}"
            )
        lines += ["", "Port        Vlans allowed on trunk"]
        for port, s in trunks:
            lines.append(f"{cfg.short_interface(port):<11} {s.get('allowed', '1-4094')}")
        return Reply("\n".join(lines))

    def _x_show_ip_interface_brief(self, args: list[str]) -> Reply:
        lines = ["Interface              IP-Address      OK? Method Status                Protocol"]
        for entry in self.device.running:
            if not entry["line"].startswith("interface "):
                continue
            name = entry["line"].split(" ", 1)[1]
            address = next(
                (c.split()[2] for c in entry["children"] if re.match(r"ip address \d", c)),
                "unassigned",
            )
            method = "manual" if address != "unassigned" else "unset"
            down = "shutdown" in entry["children"]
            status = "administratively down" if down else "up"
            lines.append(
                f"{name:<22} {address:<15} YES {method:<6} {status:<21} {'down' if down else 'up'}"
            )
        return Reply("\n".join(lines))

    def _x_show_archive(self, args: list[str]) -> Reply:
        path = self.device.archive_path()
        if path is None:
            return Reply("Archive feature not enabled")
        archives = self.device.state.get("archives", [])
        maximum = self.device.archive_maximum()
        number = self.device.state.get("archive_number", 0)
        lines = [
            f"The maximum archive configurations allowed is {maximum}.",
            f"There are currently {len(archives)} archive configurations saved.",
            f"The next archive file will be named {path}-{number}",
            " Archive #  Name",
        ]
        for index in range(maximum):
            name = archives[index] if index < len(archives) else ""
            recent = " <- Most Recent" if archives and index == len(archives) - 1 else ""
            lines.append(f"   {index + 1:<8} {name}{recent}".rstrip())
        return Reply("\n".join(lines))

    def _x_show_snmp_user(self, args: list[str]) -> Reply:
        """`show snmp user`: one block per SNMPv3 user (they are never in the running config)."""
        blocks = []
        engine = "800000090300" + self.device.mac().replace(".", "").upper()
        for user in self.device.state.get("snmp_users", []):
            words = user.split()
            auth = "None"
            priv = "None"
            if "auth" in words and len(words) > words.index("auth") + 1:
                auth = words[words.index("auth") + 1].upper()
            if "priv" in words and len(words) > words.index("priv") + 1:
                algorithm = words[words.index("priv") + 1].upper()
                bits = words[words.index("priv") + 2] if algorithm == "AES" else ""
                priv = algorithm + (bits if bits.isdigit() else "")
            blocks.append(
                f"User name: {words[2]}\nEngine ID: {engine}\n"
                "storage-type: nonvolatile\t active\n"
                f"Authentication Protocol: {auth}\nPrivacy Protocol: {priv}\n"
                f"Group-name: {words[3] if len(words) > 3 else ''}\n"
            )
        return Reply("\n".join(blocks))

    def _x_show_flash_(self, args: list[str]) -> Reply:
        return self._x_dir(["flash:"])

    def _x_dir(self, args: list[str]) -> Reply:
        lines = ["Directory of flash:/", ""]
        for number, (name, entry) in enumerate(sorted(self.device.state["files"].items()), 2):
            size = len(entry["contents"])
            lines.append(f"{number:>5}  -rwx {size:>11}  {name.split(':', 1)[1]}")
        if self.device.vtp.get("modified"):  # the VLAN database file, once VLANs were changed
            lines.append(f"{261:>5}  -rwx {856:>11}  vlan.dat")
        used = sum(len(e["contents"]) for e in self.device.state["files"].values())
        lines += ["", f"122185728 bytes total ({122185728 - used} bytes free)"]
        return Reply("\n".join(lines))

    def _x_more(self, args: list[str]) -> Reply:
        name = _flash_name(args[0]) if args else ""
        entry = self.device.state["files"].get(name)
        if entry is None:
            return Reply(f"%Error opening {args[0] if args else ''} (File not found)")
        return Reply(str(entry["contents"]).rstrip("\n"))

    def _quiet(self) -> bool:
        return any(e["line"] == "file prompt quiet" for e in self.device.running)

    def _x_delete(self, args: list[str]) -> Reply:
        force = "/force" in args
        names = [a for a in args if not a.startswith("/")]
        if not names:
            raise IosError(INCOMPLETE)
        name = _flash_name(names[0])

        def remove() -> Reply:
            if name not in self.device.state["files"]:
                return Reply(f"%Error deleting {name} (No such file or directory)")
            del self.device.state["files"][name]
            self.device.save()
            return Reply("")

        if force or self._quiet():
            return remove()

        def confirm(key: str) -> Reply:
            return remove() if key in ("\r", "\n", "y", "Y") else Reply("")

        def filename(line: str) -> Reply:
            self.pending = Question("char", confirm)
            return Reply(f"Delete {name.replace(':', ':/')}? [confirm]")

        self.pending = Question("line", filename)
        return Reply(f"Delete filename [{name.split(':', 1)[1]}]? ")

    def _save_startup(self) -> str:
        self.device.state["startup"] = copy.deepcopy(self.device.view())
        self.device.state["saved"] = {"at": self.device.host.now().isoformat(), "by": self.username}
        archive = cfg.find_entry(self.device.running, "archive")
        if archive and "write-memory" in archive["children"] and self.device.archive_path():
            self.device.archive_now()
        self.device.save()
        return "Building configuration...\n[OK]"

    def _x_write_memory(self, args: list[str]) -> Reply:
        return Reply(self._save_startup())

    _x_write = _x_write_memory

    def _x_archive_config(self, args: list[str]) -> Reply:
        self.device.archive_now()
        return Reply("")

    def _x_copy(self, args: list[str]) -> Reply:
        if len(args) < 2:
            raise IosError(INCOMPLETE)
        source, target = (_copy_location(a) for a in args[:2])
        if source is None or target is None or source == target:
            return Reply(self._invalid("copy " + " ".join(args), 1 if source is None else 2))

        def do_copy(_: str = "") -> Reply:
            if source == "running-config" and target == "startup-config":
                return Reply(self._save_startup())
            text = self._read_location(source)
            if text is None:
                return Reply(f"%Error opening {source} (No such file or directory)")
            if target == "running-config":
                self._merge(text)
            elif target == "startup-config":
                self.device.state["startup"] = cfg.parse(text)
                self.device.save()
            else:
                self.device.write_file(target, text)
                self.device.save()
            return Reply(f"{len(text)} bytes copied in 0.120 secs ({len(text) * 8} bytes/sec)")

        if self._quiet():
            return do_copy()
        default = target.split(":", 1)[1] if ":" in target else target
        self.pending = Question("line", do_copy)
        return Reply(f"Destination filename [{default}]? ")

    def _read_location(self, location: str) -> str | None:
        if location == "running-config":
            return self.device.config_text(self.device.view())
        if location == "startup-config":
            startup = self.device.state.get("startup")
            return self.device.config_text(startup) if startup else None
        entry = self.device.state["files"].get(location)
        return str(entry["contents"]) if entry else None

    def _merge(self, text: str) -> None:
        """Apply a saved configuration on top of the running one (`copy flash: running-config`)."""
        session = IosShell(self.device, self.username)
        session.privileged = True
        session.mode = "config"
        for entry in cfg.parse(text):
            if entry["line"].startswith("version"):
                continue
            session._config(entry["line"])
            for child in entry["children"]:
                session._config(child)
            session._config("exit") if session.context else None
        self.device.changed(self.username)

    def _x_reload(self, args: list[str]) -> Reply:
        device = self.device

        def proceed(key: str) -> Reply:
            if key in ("n", "N"):
                return Reply("")
            device.host.reboot(device.name, after_down=device.reload)
            return Reply("", close=True)

        def save(answer: str) -> Reply:
            word = answer.strip().lower()
            if word in ("y", "yes"):
                self._save_startup()
            elif word not in ("n", "no"):
                self.pending = Question("line", save)
                return Reply(
                    "% Please answer 'yes' or 'no'.\nSystem configuration has been "
                    "modified. Save? [yes/no]: "
                )
            self.pending = Question("char", proceed)
            return Reply("Proceed with reload? [confirm]")

        startup = device.state.get("startup") or []
        if device.config_text(startup) != device.config_text(device.view()):
            self.pending = Question("line", save)
            return Reply("\nSystem configuration has been modified. Save? [yes/no]: ")
        self.pending = Question("char", proceed)
        return Reply("Proceed with reload? [confirm]")

    def _locked_by_other(self) -> str | None:
        """IOS's refusal while another session holds `configure terminal lock`."""
        holder = self.device.config_lock
        if holder is None or holder is self:
            return None
        return (
            f"Configuration mode locked exclusively by user '{holder.username}' process "
            f"'{holder.process}' from terminal '{holder.terminal}'. Please try later."
        )

    def _x_configure_terminal(self, args: list[str]) -> Reply:
        words = [w.lower() for w in args]
        text = "Enter configuration commands, one per line.  End with CNTL/Z."
        refused = self._locked_by_other()
        if refused:
            return Reply(refused)
        full = "configure terminal " + " ".join(args)
        if words == ["lock"]:
            others = [
                s
                for s in self.device.shells
                if isinstance(s, IosShell) and s is not self and s.mode == "config"
            ]
            if others:
                # lab choice: a lock is only granted while nobody else is configuring
                other = others[0]
                return Reply(
                    f"Configuration mode locked exclusively by user '{other.username}' process "
                    f"'{other.process}' from terminal '{other.terminal}'. Please try later."
                )
            self.device.config_lock = self
            text = LOCKED_BY_ME + "\n" + text
        elif words:
            if words[:2] != ["revert", "timer"] or len(words) not in (3, 4):
                return Reply(self._invalid(full, 2))
            idle = words[2] == "idle"
            if (idle and len(words) != 4) or (not idle and len(words) != 3):
                return Reply(INCOMPLETE if idle and len(words) == 3 else self._invalid(full, 3))
            minutes = words[-1]
            if not re.fullmatch(r"\d+", minutes) or not 1 <= int(minutes) <= 120:
                return Reply(self._invalid(full, len(words)))
            saved = self.device.start_revert_timer(float(minutes), self.username, idle=idle)
            text = (
                f"Rollback Confirmed Change: Backing up current running config to {saved}\n\n"
                + text
            )
        self.mode = "config"
        self.context = []
        self.context_kind = ""
        return Reply(text)

    def _x_configure_confirm(self, args: list[str]) -> Reply:
        if not self.device.confirm():
            return Reply(NO_PENDING)
        return Reply("")

    def _x_configure_revert(self, args: list[str]) -> Reply:
        words = [a.lower() for a in args]
        full = "configure revert " + " ".join(args)
        if not words:
            raise IosError(INCOMPLETE)
        if words[0] not in ("now", "timer"):
            return Reply(self._invalid(full, 2))
        if not self.device.state.get("revert"):
            return Reply(NO_PENDING)
        if words[0] == "now":
            self.device.revert_now()
            return Reply("Rollback Done")
        # `configure revert timer N` / `... timer idle N`: re-arm the pending timer
        idle = len(words) > 1 and words[1] == "idle"
        minutes = words[2] if idle and len(words) > 2 else (words[1] if len(words) > 1 else "")
        if not minutes:
            raise IosError(INCOMPLETE)
        if not minutes.isdigit() or not 1 <= int(minutes) <= 120:
            return Reply(self._invalid(full, len(words)))
        self.device.start_revert_timer(float(minutes), self.username, idle=idle)
        return Reply("")

    def _x_show_archive_config_rollback_timer(self, args: list[str]) -> Reply:
        revert = self.device.state.get("revert")
        if not revert:
            return Reply(NO_PENDING)
        configured = _stamp(revert.get("configured") or self.device.host.now().isoformat())
        minutes = float(revert.get("minutes", 0))
        shown = int(minutes) if minutes == int(minutes) else minutes
        return Reply(
            f"Time configured(or reconfigured): {configured}\n"
            f"Timer type: {'idle timer' if revert.get('idle') else 'absolute timer'}\n"
            f"Timer value: {shown} min\n"
            f"User: {revert.get('user', self.username)}"
        )

    def _x_configure_replace(self, args: list[str]) -> Reply:
        if not args:
            raise IosError(INCOMPLETE)
        refused = self._locked_by_other()
        if refused:
            return Reply(refused)
        name = _copy_location(args[0])
        text = self._read_location(name) if name else None
        if text is None:
            return Reply(f"%Error opening {args[0]} (File not found)")
        new = cfg.parse(text)

        def replace(answer: str = "y") -> Reply:
            if answer.strip().lower() not in ("y", "yes"):
                return Reply("")
            self.device.load_view(new, "replace")
            self.device.rebind_sessions()
            self.device.changed(self.username)
            return Reply("Total number of passes: 1\nRollback Done\n")

        if "force" in [a.lower() for a in args[1:]]:
            return replace()
        self.pending = Question("line", replace)
        return Reply(
            "This will apply all necessary additions and deletions\n"
            "to replace the current running configuration with the\n"
            "contents of the specified configuration file, which is\n"
            "assumed to be a complete configuration, not a partial\n"
            "configuration. Enter Y if you are sure you want to proceed. ? [no]: "
        )

    # ----- configuration mode -----
    def _leave_config(self) -> None:
        self.mode = "exec"
        self.context = []
        self.context_kind = ""
        if self.device.config_lock is self:  # end/exit clear the lock, as IOS says
            self.device.config_lock = None

    def _config(self, text: str) -> Reply:
        words = text.split()
        first = words[0].lower()
        # IOS parses a line in the block's mode first, then in global configuration: a word is
        # ambiguous when it abbreviates several keywords of the first mode that knows it
        kind = "interface" if self.context_kind.startswith("interface") else self.context_kind
        pools = [cfg.GLOBAL_WORDS | _CONFIG_MODE_WORDS]
        if self.context:
            pools.insert(0, cfg.CHILD_WORDS.get(kind, frozenset()) | _CONFIG_MODE_WORDS)
        for pool in pools:
            matches = {k for k in pool if k.startswith(first)}
            if first in pool or len(matches) == 1:
                break
            if len(matches) > 1:
                return Reply(f'{AMBIGUOUS}  "{text.strip()}"')
        if first == "end":
            self._leave_config()
            return Reply("")
        if first == "exit":
            if self.context:
                self.context = []
                self.context_kind = ""
            else:
                self._leave_config()
            return Reply("")
        if first == "do":
            self.mode, saved_context = "exec", (self.context, self.context_kind)
            try:
                return self._exec(" ".join(words[1:]))
            finally:
                self.mode = "config"
                self.context, self.context_kind = saved_context
        if self.context:
            kind = "interface" if self.context_kind.startswith("interface") else self.context_kind
            body = words[1:] if first in ("no", "default") else words
            if (kind == "ip access-list" and re.match(r"\d+$", first)) or _is_child(kind, body):
                return self._config_child(kind, text, words)
            # not a command of this block: IOS tries it in global configuration
            self.context, self.context_kind = [], ""
        return self._config_global(text, words)

    def _encrypting(self) -> bool:
        return any(e["line"] == "service password-encryption" for e in self.device.running)

    def _config_child(self, kind: str, text: str, words: list[str]) -> Reply:
        child_words = cfg.CHILD_WORDS.get(kind, frozenset())
        if words[0].lower() == "default":  # `default X` in a block: back to the default of X
            words = ["no", *words[1:]]
        words = [_expand(words[0].lower(), child_words), *words[1:]]
        if words[0] == "no" and len(words) > 1:
            words[1] = _expand(words[1].lower(), child_words)
        if words[0] in cfg.NEEDS_ARGUMENT and len(words) == 1:
            raise IosError(INCOMPLETE)
        negative = words[0] == "no"
        body = words[1:] if negative else words
        if kind == "interface":
            checked = self._check_interface_line(text, body, negative)
            if isinstance(checked, Reply):
                return checked
            body, notes = checked
        else:
            notes = ""
        if kind == "vlan" and self.device.vtp["mode"] == "client":
            return Reply(CLIENT_VLAN)
        if kind == "vlan" and not negative and body[0] == "name" and len(body) > 1:
            taken = self._vlan_named(body[1])
            if taken is not None:
                # IOS refuses a second VLAN of the same name (public Catalyst transcripts)
                mine = self.context[0]["line"].split()[1]
                return Reply(f"VLAN #{mine} and #{taken} have an identical name: {body[1]}")
        line = ("no " if negative else "") + " ".join(body)
        line = cfg.hide_secrets(line, self.device.name, self._encrypting())
        for entry in self.context:
            if kind in ("ip access-list",) and not negative:
                if line not in entry["children"]:
                    entry["children"].append(line)
            elif kind in ("ip access-list",):
                entry["children"] = [c for c in entry["children"] if c != line[3:]]
            else:
                entry["children"] = cfg.apply_child(entry["line"], entry["children"], line)
        if kind == "vlan":
            self.device.vlans_changed(self.username)
        else:
            self.device.changed(self.username)
        return Reply(notes)

    def _vlan_named(self, name: str) -> int | None:
        mine = {e["line"] for e in self.context}
        for entry in self.device.vlan_db:
            if entry["line"] not in mine and f"name {name}" in entry["children"]:
                return int(entry["line"].split()[1])
        return None

    def _check_interface_line(
        self, text: str, body: list[str], negative: bool
    ) -> Reply | tuple[list[str], str]:
        """An interface line as IOS takes it (keywords expanded), or IOS's refusal."""
        notes = ""
        if not body:
            raise IosError(INCOMPLETE)
        offset = 1 if negative else 0
        physical = all(
            not e["line"].startswith(("interface Vlan", "interface Loopback")) for e in self.context
        )
        if body[0] == "switchport":
            if len(body) == 1:
                # a C1000 is a layer 2 switch: ports cannot be routed (`no switchport`)
                # `switchport` alone on a port: it is one already, nothing changes
                return Reply(self._invalid(text, offset)) if negative or not physical else Reply()
            if not physical:
                return Reply(self._invalid(text, offset))
            second = _expand(body[1].lower(), _SWITCHPORT_WORDS)
            if second not in _SWITCHPORT_WORDS:
                return Reply(self._invalid(text, offset + 1))
            body = ["switchport", second, *body[2:]]
            if second == "mode":
                if len(body) == 2:
                    if negative:
                        return body, ""
                    raise IosError(INCOMPLETE)
                mode = _expand(body[2].lower(), frozenset(["access", "trunk", "dynamic"]))
                if mode not in ("access", "trunk", "dynamic"):
                    return Reply(self._invalid(text, offset + 2))
                if negative:
                    return ["switchport", "mode"], ""  # `no switchport mode X`: the default
                if mode == "dynamic":
                    if len(body) < 4:
                        raise IosError(INCOMPLETE)
                    how = _expand(body[3].lower(), frozenset(["auto", "desirable"]))
                    if how not in ("auto", "desirable"):
                        return Reply(self._invalid(text, offset + 3))
                    return ["switchport", "mode", "dynamic", how], ""
                return ["switchport", "mode", mode], ""
            if second in ("access", "voice"):
                if len(body) < 3:
                    raise IosError(INCOMPLETE)
                body[2] = _expand(body[2].lower(), frozenset(["vlan"]))
                if body[2] != "vlan":
                    return Reply(self._invalid(text, offset + 2))
                if negative:
                    return body[:3], ""
                if len(body) < 4:
                    raise IosError(INCOMPLETE)
                if second == "voice" and body[3].lower() in ("dot1p", "none", "untagged"):
                    return [*body[:3], body[3].lower()], ""
                if not body[3].isdigit() or not 1 <= int(body[3]) <= 4094:
                    return Reply(self._invalid(text, offset + 3))
                known = {int(e["line"].split()[1]) for e in self.device.vlan_db} | {1}
                if second == "access" and int(body[3]) not in known:
                    if self.device.vtp["mode"] == "client":
                        return Reply(CLIENT_VLAN)
                    # IOS creates the VLAN and says so (Catalyst configuration guides, VLANs)
                    entry = {"line": f"vlan {int(body[3])}", "children": []}
                    self.device.state["vlans"] = _sorted_vlans([*self.device.vlan_db, entry])
                    self.device.vlans_changed(self.username)
                    notes = f"% Access VLAN does not exist. Creating vlan {int(body[3])}"
                return [*body[:3], str(int(body[3]))], notes
            if second == "trunk":
                if len(body) < 3:
                    raise IosError(INCOMPLETE)
                third = _expand(body[2].lower(), _TRUNK_WORDS)
                if third not in _TRUNK_WORDS:
                    return Reply(self._invalid(text, offset + 2))
                body = ["switchport", "trunk", third, *body[3:]]
                if third in ("allowed", "native"):
                    if len(body) < 4:
                        raise IosError(INCOMPLETE)
                    body[3] = _expand(body[3].lower(), frozenset(["vlan"]))
                    if body[3] != "vlan":
                        return Reply(self._invalid(text, offset + 3))
                    if negative:
                        return body[:4], ""
                    rest = body[4:]
                    if third == "allowed" and rest and rest[0].lower() in _ALLOWED_VERBS:
                        rest = [rest[0].lower(), *rest[1:]]
                        if len(rest) < 2:
                            raise IosError(INCOMPLETE)
                        vlist = rest[1]
                    elif rest:
                        vlist = rest[0].lower() if rest[0].lower() in ("all", "none") else rest[0]
                        rest = [vlist]
                    else:
                        raise IosError(INCOMPLETE)
                    if third == "native" and (not vlist.isdigit() or not 1 <= int(vlist) <= 4094):
                        return Reply(self._invalid(text, offset + 4))
                    rejected = cfg.bad_vlan_list(vlist)
                    if rejected:
                        return Reply(rejected)
                    return [*body[:4], *rest], ""
            return body, ""
        if body[0] == "ip" and len(body) > 1 and _expand(body[1].lower(), _IP_WORDS) == "address":
            body = ["ip", "address", *body[2:]]
            if physical and not negative:
                return Reply("% IP addresses may not be configured on L2 links.")
            if negative:
                return ["ip", "address"], ""
            if len(body) < 4 and not (len(body) == 3 and body[2] == "dhcp"):
                raise IosError(INCOMPLETE)
            return body, ""
        if body[0] == "shutdown" and len(body) > 1:
            return Reply(self._invalid(text, offset + 1))
        if body[0] == "spanning-tree" and len(body) > 1:
            body = ["spanning-tree", _expand(body[1].lower(), _STP_WORDS), *body[2:]]
            joined = cfg.normalize_portfast(" ".join(body))
            if not negative and joined.startswith("spanning-tree portfast edge"):
                notes = _portfast_warning(self.context)
            return joined.split(), notes
        return body, notes

    def _config_global(self, text: str, words: list[str]) -> Reply:
        word = _expand(words[0].lower(), cfg.GLOBAL_WORDS)
        if word not in cfg.GLOBAL_WORDS:
            return Reply(self._invalid(text, 0))
        words = [word, *words[1:]]
        negative = word == "no"
        body = words[1:] if negative else words
        if not body:
            raise IosError(INCOMPLETE)
        head = _expand(body[0].lower(), cfg.GLOBAL_WORDS)
        body = [head, *body[1:]]
        if head not in cfg.GLOBAL_WORDS:
            return Reply(self._invalid(text, 1 if negative else 0))
        if head in cfg.NEEDS_ARGUMENT and len(body) == 1 and not (negative and head == "hostname"):
            raise IosError(INCOMPLETE)
        if word == "default":
            return self._default(text, words[1:])
        if head == "snmp-server" and len(body) > 1 and body[1] == "user":
            users: list[str] = self.device.state.setdefault("snmp_users", [])
            name = body[2] if len(body) > 2 else ""
            if not name or (not negative and len(body) < 5):
                raise IosError(INCOMPLETE)
            users[:] = [u for u in users if u.split()[2] != name]
            if not negative:
                users.append(" ".join(body))
            self.device.changed(self.username)
            return Reply("")
        if head == "vtp":
            return self._vtp(text, body, negative)
        if head == "version":
            return Reply("")  # IOS takes it (saved configurations start with it) and keeps its own
        if head == "crypto":
            return self._crypto(text, body, negative)
        if head == "switch":
            return self._switch_provision(text, body, negative)
        line = " ".join(body)
        opened = self._open_context(line, negative, text)
        if opened is not None:
            return opened
        hostname_ok = re.fullmatch(r"[A-Za-z][A-Za-z0-9-]{0,62}", body[1] if len(body) > 1 else "")
        if head == "hostname" and not negative and not hostname_ok:
            return Reply(self._invalid(text, 1))
        full = ("no " + line) if negative else line
        cfg.apply_global(self.device.running, cfg.hide_secrets(full, "", self._encrypting()))
        if full == "service password-encryption":
            self._encrypt_existing()
        self.device.changed(self.username)
        return Reply("")

    def _encrypt_existing(self) -> None:
        """`service password-encryption` turns the clear passwords already there into type 7."""
        for entry in self.device.running:
            if not entry["children"]:
                entry["line"] = cfg.hide_secrets(entry["line"], "", True)
            entry["children"] = [cfg.hide_secrets(c, "", True) for c in entry["children"]]

    def _vtp(self, text: str, body: list[str], negative: bool) -> Reply:
        """`vtp mode|domain`: kept in vlan.dat, shown in the running config only when transparent.
        Answers as IOS does (`Setting device to VTP Transparent mode for VLANS.`)."""
        vtp = self.device.vtp
        offset = 1 if negative else 0
        sub = _expand(body[1].lower(), _VTP_WORDS) if len(body) > 1 else ""
        if sub not in _VTP_WORDS:
            return Reply(self._invalid(text, offset + 1))
        if sub == "mode":
            if negative:
                mode = "server"
            elif len(body) < 3:
                raise IosError(INCOMPLETE)
            else:
                mode = _expand(body[2].lower(), _VTP_MODES)
                if mode not in _VTP_MODES:
                    return Reply(self._invalid(text, offset + 2))
            label = {"server": "Server", "client": "Client", "transparent": "Transparent"}
            label["off"] = "Off"
            if vtp["mode"] == mode:
                return Reply(f"Device mode already VTP {label[mode]} for VLANS.")
            vtp["mode"] = mode
            if mode == "transparent":
                vtp["revision"] = 0
            self.device.changed(self.username)
            return Reply(f"Setting device to VTP {label[mode]} mode for VLANS.")
        if sub == "domain":
            if negative:
                return Reply("")  # a domain name cannot be removed, only changed
            if len(body) < 3:
                raise IosError(INCOMPLETE)
            old = vtp.get("domain") or "NULL"
            if old == body[2]:
                return Reply(f"Domain name already set to {body[2]}.")
            vtp["domain"] = body[2]
            vtp["revision"] = 0
            self.device.changed(self.username)
            return Reply(f"Changing VTP domain name from {old} to {body[2]}")
        return Reply("")  # version, password, pruning: accepted, not modelled

    def _switch_provision(self, text: str, body: list[str], negative: bool) -> Reply:
        """`switch 1 provision <model>`: the C1000 prints its own line and keeps it; another
        model or member number is refused (lab: stricter than the device)."""
        offset = 1 if negative else 0
        if len(body) < 2 or body[1] != "1":
            return Reply(self._invalid(text, offset + 1))
        if len(body) < 3:
            raise IosError(INCOMPLETE)
        if (
            _expand(body[2].lower(), frozenset(["provision", "priority", "renumber"]))
            != "provision"
        ):
            return Reply(self._invalid(text, offset + 2))
        if negative:
            return Reply("")  # the member is present: its provision line stays
        if len(body) < 4:
            raise IosError(INCOMPLETE)
        if body[3].lower() != self.device.provision_model():
            return Reply(self._invalid(text, offset + 3))
        return Reply("")

    def _open_context(self, line: str, negative: bool, text: str) -> Reply | None:
        """Lines that open a block (interface, vlan, line, archive...) or remove one."""
        running = self.device.running
        kind = cfg.context_kind(line)
        if kind == "other":
            return None
        blocks: list[str] = []
        offset = 1 if negative else 0
        if kind == "interface":
            rest = line.split(" ", 1)[1]
            if rest.lower().startswith("range "):
                blocks = self._interface_range(rest[6:])
                if not blocks:
                    return Reply(self._invalid(text, offset + 2))
            else:
                name = cfg.normalize_interface(rest)
                if name is None:
                    return Reply(self._invalid(text, offset + 1))
                physical = not name.startswith(("Vlan", "Port-channel", "Loopback"))
                if physical and name not in self.device.ports():
                    return Reply(self._invalid(text, offset + 1))
                blocks = [f"interface {name}"]
        elif kind == "vlan":
            return self._vlan_context(line, negative, text)
        elif kind == "line":
            blocks = self._line_blocks(line)
            if not blocks:
                return Reply(self._invalid(text, offset + 1))
        else:
            if kind == "ip access-list" and len(line.split()) < 4:
                raise IosError(INCOMPLETE)
            blocks = [line]
        if negative:
            for block in blocks:
                entry = cfg.find_entry(running, block)
                if entry is None:
                    continue
                if block.startswith("interface ") and not block.startswith(
                    ("interface Vlan", "interface Port-channel", "interface Loopback")
                ):
                    return Reply(self._invalid(text, 1))
                running.remove(entry)
            self.device.changed(self.username)
            return Reply("")
        self.context = [cfg.add_entry(running, block) for block in blocks]
        self.context_kind = "interface range" if len(blocks) > 1 and kind == "interface" else kind
        self.device.changed(self.username)
        return Reply("")

    def _vlan_context(self, line: str, negative: bool, text: str) -> Reply | None:
        """`vlan N[,M-P]` / `no vlan N`: the VLAN database, refused in VTP client mode."""
        spec = line.split(" ", 1)[1]
        if spec.startswith(("internal ", "access-map ", "filter ", "group ")):
            return None  # global `vlan ...` settings, not a VLAN block
        rejected = cfg.bad_vlan_list(spec) if spec not in ("all", "none") else "x"
        if rejected == "x":
            return Reply(self._invalid(text, 2 if negative else 1))
        if rejected:
            return Reply(rejected)
        numbers = sorted(cfg.expand_vlans(spec))
        if self.device.vtp["mode"] == "client":
            return Reply(CLIENT_VLAN)
        defaults = [n for n in numbers if n == 1 or 1002 <= n <= 1005]
        if negative and defaults:
            return Reply(f"%Default VLAN {defaults[0]} may not be deleted.")
        if not negative and any(1002 <= n <= 1005 for n in numbers):
            return Reply(self._invalid(text, 1))
        db = self.device.vlan_db
        if negative:
            gone = {f"vlan {n}" for n in numbers}
            self.device.state["vlans"] = [e for e in db if e["line"] not in gone]
            self.device.vlans_changed(self.username)
            return Reply("")
        blocks = [f"vlan {n}" for n in numbers if n != 1]
        existing = {e["line"]: e for e in db}
        for block in blocks:
            existing.setdefault(block, {"line": block, "children": []})
        self.device.state["vlans"] = _sorted_vlans(list(existing.values()))
        self.context = [existing[b] for b in blocks]
        self.context_kind = "vlan"
        if any(b not in {e["line"] for e in db} for b in blocks):
            self.device.vlans_changed(self.username)
        return Reply("")

    def _interface_range(self, spec: str) -> list[str]:
        names: list[str] = []
        for part in spec.split(","):
            match = re.fullmatch(r"\s*([A-Za-z-]+\s*[\d/]*/)(\d+)\s*(?:-\s*(\d+))?\s*", part)
            if not match:
                return []
            low = int(match.group(2))
            high = int(match.group(3) or low)
            for number in range(low, high + 1):
                name = cfg.normalize_interface(f"{match.group(1)}{number}")
                if name is None or name not in self.device.ports():
                    return []
                names.append(f"interface {name}")
        return names

    def _line_blocks(self, line: str) -> list[str]:
        match = re.fullmatch(r"line (con|console|vty) (\d+)(?: (\d+))?", line)
        if not match:
            return []
        if match.group(1).startswith("con"):
            return ["line con 0"]
        low, high = int(match.group(2)), int(match.group(3) or match.group(2))
        existing = []
        for entry in self.device.running:
            found = re.fullmatch(r"line vty (\d+)(?: (\d+))?", entry["line"])
            if found:
                a, b = int(found.group(1)), int(found.group(2) or found.group(1))
                if a <= high and b >= low:
                    existing.append(entry["line"])
        return existing or [line]

    def _default(self, text: str, words: list[str]) -> Reply:
        if not words or not words[0].lower().startswith("int"):
            return Reply(self._invalid(text, 1))
        name = cfg.normalize_interface(" ".join(words[1:]))
        entry = cfg.find_entry(self.device.running, f"interface {name}") if name else None
        if entry is None:
            return Reply(self._invalid(text, 2))
        entry["children"] = []
        self.device.changed(self.username)
        return Reply(f"Interface {name} set to default configuration")


_CONFIG_MODE_WORDS = frozenset(["end", "exit", "do"])
_STP_WORDS = frozenset(
    ["portfast", "bpduguard", "bpdufilter", "guard", "link-type", "cost", "port-priority", "vlan"]
)


def _portfast_warning(context: list[cfg.Entry]) -> str:
    """What IOS answers to `spanning-tree portfast [edge]` (public Catalyst transcripts,
    `find_string "%Warning: portfast should only be enabled on ports"`)."""
    warning = (
        "%Warning: portfast should only be enabled on ports connected to a single\n"
        " host. Connecting hubs, concentrators, switches, bridges, etc... to this\n"
        " interface  when portfast is enabled, can cause temporary bridging loops.\n"
        " Use with CAUTION\n\n"
    )
    if len(context) > 1:
        return warning + (
            f"%Portfast will be configured in {len(context)} interfaces due to the range command\n"
            " but will only have effect when the interfaces are in a non-trunking mode."
        )
    name = context[0]["line"].split(" ", 1)[1] if context else ""
    return warning + (
        f"%Portfast has been configured on {name} but will only\n"
        " have effect when the interface is in a non-trunking mode."
    )


_SWITCHPORT_WORDS = frozenset(
    ["mode", "access", "trunk", "voice", "nonegotiate", "port-security", "protected", "host"]
)
_TRUNK_WORDS = frozenset(["allowed", "native", "encapsulation", "pruning"])
_ALLOWED_VERBS = frozenset(["add", "remove", "except"])
_IP_WORDS = frozenset(["address", "access-group", "helper-address", "dhcp", "arp", "verify"])
_VTP_WORDS = frozenset(["mode", "domain", "version", "password", "pruning", "file"])
_VTP_MODES = frozenset(["server", "client", "transparent", "off"])


def _is_child(kind: str, words: list[str]) -> bool:
    """Whether a line (without its `no`) is a command of the block being edited."""
    if not words:
        return False
    child_words = cfg.CHILD_WORDS.get(kind, frozenset())
    first = words[0].lower()
    if first not in child_words:
        if first in cfg.GLOBAL_WORDS:
            return False
        first = _expand(first, child_words)
        if first not in child_words:
            return False
    seconds = cfg.CHILD_SECOND_WORDS.get(kind, {}).get(first)
    if seconds is None:
        return True
    return len(words) == 1 or _expand(words[1].lower(), seconds) in seconds


def _expand(word: str, keywords: frozenset[str]) -> str:
    """A unique-prefix abbreviation to its keyword (`int` -> `interface`); else the word."""
    if word in keywords:
        return word
    matches = [k for k in keywords if k.startswith(word)]
    return matches[0] if len(matches) == 1 else word


def _flash_name(text: str) -> str:
    name = text.replace(":/", ":")
    return name if name.startswith("flash:") else "flash:" + name


def _copy_location(text: str) -> str | None:
    lowered = text.lower()
    for full in ("running-config", "startup-config"):
        if len(lowered) >= 3 and full.startswith(lowered):
            return full
        if lowered in ("system:running-config", "nvram:startup-config") and full in lowered:
            return full
    if lowered.startswith("flash:") and len(text) > 6:
        return _flash_name(text)
    return None


def _pipe(text: str, pipe: str) -> str:
    """`| include X`, `| exclude X`, `| begin X`, `| section X` on command output."""
    match = re.fullmatch(r"(\w+)\s+(.+)", pipe)
    if not match:
        return text
    verb, pattern = match.group(1).lower(), match.group(2)
    lines = text.split("\n")
    if "include".startswith(verb):
        return "\n".join(line for line in lines if re.search(pattern, line))
    if "exclude".startswith(verb):
        return "\n".join(line for line in lines if not re.search(pattern, line))
    if "begin".startswith(verb):
        for index, line in enumerate(lines):
            if re.search(pattern, line):
                return "\n".join(lines[index:])
        return ""
    if "section".startswith(verb):
        out: list[str] = []
        keep = False
        for line in lines:
            if not line.startswith(" "):
                keep = bool(re.search(pattern, line))
            if keep:
                out.append(line)
        return "\n".join(out)
    return text


def _stamp(iso: str) -> str:
    """`15:40:00 UTC Mon Nov 30 2026`, the time format of IOS's configuration comments."""
    return dt.datetime.fromisoformat(iso).strftime("%H:%M:%S UTC %a %b %d %Y")
