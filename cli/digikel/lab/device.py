"""What every simulated device shares: its spec, its persistent state and the shell contract.

A device's CLI is pure logic (text in, text out) so that unit tests drive it without SSH. Effects
that need time or the network (timers, reboot, persistence) go through a `Host`, which the SSH
server implements; `OfflineHost` records them for tests.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class DeviceSpec:
    """One simulated device: what the inventory and the vault say about it."""

    name: str
    platform: str  # routeros | ios
    model: str
    host: str
    port: int
    username: str
    password: str
    hostkey_seed: str
    role: str = ""
    site: str = ""
    enable_secret: str = ""  # IOS `enable`; the device password is accepted as well
    # The inventory's own (plan) address of the device: the address management sessions arrive on
    # (RouterOS drops them when a command removes or blocks it). "" = not known.
    mgmt_address: str = ""
    version: str = ""  # RouterOS version the device runs ("" = the lab's default)
    # RouterOS: where the device answers while it is on its factory configuration (a real one
    # on 192.168.88.1; the lab gives each device its own loopback address). "" = no such address.
    factory_host: str = ""
    factory_port: int = 0


@dataclass
class Reply:
    """What a shell answers to one line: text to print, and whether the session ends."""

    text: str = ""
    close: bool = False


@dataclass
class Question:
    """An interactive question ("Reboot, yes? [y/N]:"): answered by one key or one line."""

    mode: str  # "char" | "line"
    answer: Callable[[str], Reply]
    secret: bool = False  # a password question: typed characters are not echoed


class Host(ABC):
    """Effects of a device beyond its own state; the SSH server provides the real one."""

    time_scale: float = 1.0

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC).replace(microsecond=0)

    @abstractmethod
    def set_timer(
        self, device: str, key: str, seconds: float, fire: Callable[[], None]
    ) -> None: ...

    @abstractmethod
    def cancel_timer(self, device: str, key: str) -> None: ...

    @abstractmethod
    def reboot(self, device: str, after_down: Callable[[], None] | None = None) -> None: ...

    @abstractmethod
    def persist(self, device: str) -> None: ...


@dataclass
class OfflineHost(Host):
    """A host for unit tests: remembers timers and reboots instead of acting on them."""

    time_scale: float = 1.0
    timers: dict[tuple[str, str], tuple[float, Callable[[], None]]] = field(default_factory=dict)
    reboots: list[str] = field(default_factory=list)
    saves: int = 0

    def set_timer(self, device: str, key: str, seconds: float, fire: Callable[[], None]) -> None:
        self.timers[(device, key)] = (seconds, fire)

    def cancel_timer(self, device: str, key: str) -> None:
        self.timers.pop((device, key), None)

    def fire(self, device: str, key: str) -> None:
        _, fire = self.timers.pop((device, key))
        fire()

    def reboot(self, device: str, after_down: Callable[[], None] | None = None) -> None:
        self.reboots.append(device)
        if after_down:
            after_down()

    def persist(self, device: str) -> None:
        self.saves += 1


class Shell(ABC):
    """One interactive CLI session on a device."""

    def banner(self) -> str:
        return ""

    @abstractmethod
    def prompt(self) -> str: ...

    @abstractmethod
    def handle_line(self, line: str) -> Reply: ...

    def handle_control(self, char: str) -> Reply | None:
        """A control key (Ctrl-X, Ctrl-Z...); None when the shell ignores it."""
        return None

    @abstractmethod
    def is_config_command(self, line: str) -> bool:
        """Whether the line changes configuration (counts for the drop-mid-push fault)."""

    @abstractmethod
    def error_reply(self, line: str, message: str | None) -> Reply:
        """How this platform reports a failing command (the command-error fault)."""

    def close(self) -> None:  # noqa: B027  (optional hook: most shells keep nothing to close)
        """The session ended (quit, dropped connection, reboot)."""

    pending: Question | None = None
    # Set by the SSH terminal: show a message to this session at once (another session's action),
    # and cut its TCP connection (the device lost the path the session arrived on).
    notify: Callable[[str], None] | None = None
    abort: Callable[[], None] | None = None


class SimDevice(ABC):
    """Base of the simulated platforms: state as a JSON-able dict, saved through the host."""

    platform = ""
    factories: tuple[str, ...] = ("blank",)  # the factory states the platform starts from

    @classmethod
    def check_factory(cls, factory: str) -> str:
        if factory not in cls.factories:
            raise ValueError(f"unknown factory state {factory!r}: expected one of {cls.factories}")
        return factory

    @classmethod
    def starting_state(
        cls, state: dict[str, Any] | None, factory: str
    ) -> tuple[dict[str, Any] | None, str]:
        """The saved state and factory a device starts from: `lab reset --factory` on a stopped
        lab leaves only `pending_factory` in the state, and the device starts from that."""
        if state is not None and "pending_factory" in state:
            factory, state = str(state["pending_factory"]), None
        return state, cls.check_factory(factory)

    def __init__(self, spec: DeviceSpec, state: dict[str, Any] | None, host: Host) -> None:
        self.spec = spec
        self.host = host
        self.state: dict[str, Any] = state if state is not None else self.factory_state()
        self.booted_at = host.now()
        self.shells: list[Shell] = []

    @property
    def name(self) -> str:
        return self.spec.name

    @abstractmethod
    def factory_state(self) -> dict[str, Any]: ...

    def reset(self) -> None:
        self.state = self.factory_state()
        self.save()

    def save(self) -> None:
        self.host.persist(self.name)

    @abstractmethod
    def open_shell(self, username: str) -> Shell: ...

    def on_boot(self) -> None:
        """Called when the device comes up (lab start, after a reboot)."""
        self.booted_at = self.host.now()

    def uptime(self) -> str:
        seconds = int((self.host.now() - self.booted_at).total_seconds())
        return format_duration(seconds)


def format_duration(seconds: int) -> str:
    """RouterOS-style duration: 1w2d3h4m5s, only the non-zero parts."""
    parts = []
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    if seconds or not parts:
        parts.append(f"{seconds}s")
    return "".join(parts)


def parse_duration(text: str) -> float | None:
    """Seconds in a RouterOS duration ("5m", "1h30m", "00:05:00", "30"); None if unreadable."""
    import re

    text = text.strip()
    if re.fullmatch(r"\d+:\d{2}:\d{2}", text):
        h, m, s = (int(x) for x in text.split(":"))
        return float(h * 3600 + m * 60 + s)
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return float(text)
    total = 0.0
    units = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1, "ms": 0.001}
    matched = re.findall(r"(\d+(?:\.\d+)?)(ms|w|d|h|m|s)", text)
    if not matched or "".join(a + b for a, b in matched) != text:
        return None
    for amount, unit in matched:
        total += float(amount) * units[unit]
    return total
