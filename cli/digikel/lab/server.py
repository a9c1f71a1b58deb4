"""The lab's SSH side: one asyncio loop serving every simulated device on its own loopback address.

Each device gets an asyncssh listener with its derived host key and the inventory's credentials.
A session is a raw terminal (no line editor): characters are echoed as a device echoes them, Enter
runs the line through the device's shell, and control keys (Ctrl-X safe mode, Ctrl-Z) act at once.
Faults sit between the terminal and the shell, so the device logic never knows about them.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import asyncssh

from digikel.lab import hostkeys
from digikel.lab.device import DeviceSpec, Host, Reply, Shell, SimDevice
from digikel.lab.ios import FACTORIES as IOS_FACTORIES
from digikel.lab.ios import IosDevice
from digikel.lab.routeros import RouterOsDevice
from digikel.lab.store import StateStore

log = logging.getLogger("digikel.lab")

REBOOT_SECONDS = 3.0
FAULT_KINDS = ("auth", "drop", "error", "slow", "hostkey", "reboot")


def build_device(
    spec: DeviceSpec, state: dict[str, Any] | None, host: Host, factory: str = "blank"
) -> SimDevice:
    if spec.platform == "routeros":
        return RouterOsDevice(spec, state, host, factory=factory)
    if spec.platform == "ios":
        return IosDevice(spec, state, host)
    raise ValueError(f"{spec.name}: the lab simulates routeros and ios, not {spec.platform!r}")


@dataclass
class DeviceRuntime:
    """A device as the server runs it: its listener, sessions, faults and timers."""

    spec: DeviceSpec
    device: SimDevice
    up: bool = False
    listener: Any = None
    factory_listener: Any = None  # RouterOS: the factory address (answers while on defconf)
    connections: set[Any] = field(default_factory=set)
    faults: dict[str, dict[str, Any]] = field(default_factory=dict)
    timers: dict[str, asyncio.TimerHandle] = field(default_factory=dict)
    rebooting: bool = False
    console: Any = None  # _Console once opened

    def status(self) -> dict[str, Any]:
        return {
            "name": self.spec.name,
            "platform": self.spec.platform,
            "model": self.spec.model,
            "site": self.spec.site,
            "address": self.spec.host,
            "port": self.spec.port,
            "factory_address": self.spec.factory_host or None,
            "up": self.up,
            "sessions": len(self.connections),
            "faults": {k: dict(v) for k, v in self.faults.items()},
        }


class LabServer(Host):
    """All simulated devices of one lab run, served from the current asyncio loop."""

    def __init__(
        self,
        specs: list[DeviceSpec],
        store: StateStore,
        delay_ms: float = 0.0,
        time_scale: float = 1.0,
        reboot_seconds: float = REBOOT_SECONDS,
        factory: str = "blank",
    ) -> None:
        self.store = store
        self.factory = factory  # RouterOS factory state of devices without a state file
        self.delay_ms = delay_ms
        self.time_scale = time_scale
        self.reboot_seconds = reboot_seconds
        self.runtimes: dict[str, DeviceRuntime] = {}
        self.specs = specs
        self.started_at = self.now()
        self._tasks: set[asyncio.Task[Any]] = set()

    # ----- Host -----
    def persist(self, device: str) -> None:
        runtime = self.runtimes.get(device)
        if runtime is not None:  # a device saving while it is built is saved right after
            self.store.save(device, runtime.device.state)

    def set_timer(self, device: str, key: str, seconds: float, fire: Callable[[], None]) -> None:
        runtime = self.runtimes[device]
        self.cancel_timer(device, key)

        def run() -> None:
            runtime.timers.pop(key, None)
            try:
                fire()
            except Exception:  # a timer must never take the lab down
                log.exception("%s: timer %s failed", device, key)

        runtime.timers[key] = asyncio.get_running_loop().call_later(max(0.0, seconds), run)

    def cancel_timer(self, device: str, key: str) -> None:
        handle = self.runtimes[device].timers.pop(key, None)
        if handle is not None:
            handle.cancel()

    def reboot(self, device: str, after_down: Callable[[], None] | None = None) -> None:
        self._spawn(self.reboot_device(device, self.reboot_seconds, after_down))

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # ----- lifecycle -----
    async def start(self) -> None:
        for spec in self.specs:
            device = build_device(spec, self.store.load(spec.name), self, self.factory)
            self.runtimes[spec.name] = DeviceRuntime(spec, device)
            self.persist(spec.name)
        for runtime in self.runtimes.values():
            runtime.device.on_boot()
            await self.listen(runtime)
        log.info("lab up: %d devices", len(self.runtimes))

    async def stop(self) -> None:
        for runtime in self.runtimes.values():
            await self.close_listener(runtime)
            self._drop_sessions(runtime)
            for key in list(runtime.timers):
                self.cancel_timer(runtime.spec.name, key)
        await asyncio.sleep(0.05)  # let sessions run their close handlers (safe-mode revert)
        for task in list(self._tasks):
            task.cancel()

    async def listen(self, runtime: DeviceRuntime) -> None:
        spec = runtime.spec
        seed = spec.hostkey_seed
        if "hostkey" in runtime.faults:
            seed = hostkeys.impostor_seed(seed)
        key = asyncssh.import_private_key(hostkeys.private_key_openssh(seed, spec.name))
        runtime.listener = await asyncssh.create_server(
            lambda: _SshServer(self, runtime),
            spec.host,
            spec.port,
            server_host_keys=[key],
            process_factory=lambda process: self._session(runtime, process),
            line_editor=False,
            reuse_address=True,
            login_timeout=30,
        )
        if spec.factory_host and isinstance(runtime.device, RouterOsDevice):
            # The same device (same host key) on its factory address: it takes connections only
            # while the device is on its factory configuration, and checks logins against the
            # device's own /user table (admin with an empty password out of the box).
            runtime.factory_listener = await asyncssh.create_server(
                lambda: _SshServer(self, runtime, factory=True),
                spec.factory_host,
                spec.factory_port or spec.port,
                server_host_keys=[key],
                process_factory=lambda process: self._session(runtime, process),
                line_editor=False,
                reuse_address=True,
                login_timeout=30,
            )
        runtime.up = True

    async def close_listener(self, runtime: DeviceRuntime) -> None:
        runtime.up = False
        for listener in (runtime.listener, runtime.factory_listener):
            if listener is not None:
                listener.close()
                with contextlib.suppress(Exception):
                    await listener.wait_closed()
        runtime.listener = runtime.factory_listener = None

    def _drop_sessions(self, runtime: DeviceRuntime) -> None:
        for conn in list(runtime.connections):
            conn.abort()
        # close the shells now (safe-mode revert) rather than when their tasks notice
        for shell in list(runtime.device.shells):
            shell.close()

    async def reboot_device(
        self, name: str, down_seconds: float, after_down: Callable[[], None] | None = None
    ) -> None:
        runtime = self.runtimes[name]
        if runtime.rebooting:
            return
        runtime.rebooting = True
        try:
            await self.close_listener(runtime)
            self._drop_sessions(runtime)
            await asyncio.sleep(0.05)
            for key in list(runtime.timers):
                self.cancel_timer(name, key)
            if after_down is not None:
                after_down()
            elif isinstance(runtime.device, IosDevice):
                runtime.device.reload()
            self.persist(name)
            await asyncio.sleep(down_seconds)
            runtime.device.on_boot()
            await self.listen(runtime)
        finally:
            runtime.rebooting = False

    # ----- control -----
    async def inject(self, name: str, kind: str, **options: Any) -> dict[str, Any]:
        runtime = self._runtime(name)
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r}: expected one of {', '.join(FAULT_KINDS)}")
        if kind == "reboot":
            seconds = float(options.get("seconds", self.reboot_seconds))
            self._spawn(self.reboot_device(name, seconds))
            await asyncio.sleep(0.1)
            return runtime.status()
        if kind == "drop":
            options = {"after": int(options.get("after", 0))}
        if kind == "slow":
            options = {"ms": float(options.get("ms", 500))}
        if kind == "error":
            if not options.get("match"):
                raise ValueError("the error fault needs match=<command substring>")
            options = {"match": str(options["match"]), "message": options.get("message")}
        runtime.faults[kind] = options
        if kind == "hostkey" and not runtime.rebooting:
            await self.close_listener(runtime)
            await self.listen(runtime)
        return runtime.status()

    async def clear(self, name: str, kind: str | None = None) -> dict[str, Any]:
        runtime = self._runtime(name)
        had_hostkey = "hostkey" in runtime.faults
        if kind is None or kind == "all":
            runtime.faults.clear()
        else:
            runtime.faults.pop(kind, None)
        if had_hostkey and "hostkey" not in runtime.faults and not runtime.rebooting:
            await self.close_listener(runtime)
            await self.listen(runtime)
        return runtime.status()

    async def reset(self, names: list[str] | None = None, factory: str | None = None) -> list[str]:
        chosen = names or list(self.runtimes)
        for name in chosen:
            runtime = self._runtime(name)
            self._drop_sessions(runtime)
        await asyncio.sleep(0.05)
        for name in chosen:
            runtime = self._runtime(name)
            for key in list(runtime.timers):
                self.cancel_timer(name, key)
            if isinstance(runtime.device, RouterOsDevice):
                runtime.device.reset("defconf" if factory == "unboxed" else factory or self.factory)
            elif isinstance(runtime.device, IosDevice):
                runtime.device.reset(factory if factory in IOS_FACTORIES else None)
            else:
                runtime.device.reset()
            runtime.device.on_boot()
        return chosen

    async def open_console(self, name: str) -> str:
        """The device's console as a pseudo-terminal: the path of its slave side (what a USB
        serial adapter is to a real switch), served by the device's shell on the master side.
        One console per device, kept for the lab's lifetime."""
        runtime = self._runtime(name)
        if runtime.console is None:
            runtime.console = _Console(self, runtime)
            runtime.console.start()
        return str(runtime.console.path)

    def status(self) -> dict[str, Any]:
        return {
            "started_at": self.started_at.isoformat(),
            "delay_ms": self.delay_ms,
            "time_scale": self.time_scale,
            "devices": [r.status() for r in self.runtimes.values()],
        }

    def _runtime(self, name: str) -> DeviceRuntime:
        try:
            return self.runtimes[name]
        except KeyError:
            raise ValueError(f"no lab device named {name!r} in this lab") from None

    # ----- sessions -----
    async def _session(self, runtime: DeviceRuntime, process: Any) -> None:
        username = process.get_extra_info("username") or ""
        shell = runtime.device.open_shell(username)
        terminal = _Terminal(self, runtime, process, shell)
        try:
            await terminal.run()
        except (asyncssh.Error, ConnectionError, asyncio.CancelledError, BrokenPipeError):
            pass
        except Exception:  # a simulator bug must show in the log, not hang the client
            log.exception("%s: session failed", runtime.spec.name)
            with contextlib.suppress(Exception):
                process.get_extra_info("connection").abort()
        finally:
            shell.close()
            with contextlib.suppress(Exception):
                process.exit(0)


class _SshServer(asyncssh.SSHServer):
    def __init__(self, lab: LabServer, runtime: DeviceRuntime, factory: bool = False) -> None:
        self.lab = lab
        self.runtime = runtime
        self.factory = factory
        self.conn: Any = None

    def connection_made(self, conn: Any) -> None:
        self.conn = conn
        device = self.runtime.device
        if not self.runtime.up:
            # Accepted just before the listener closed for a reboot: asyncio runs this a loop
            # turn after the accept, too late for the reboot's drop of every session. A device
            # that goes down keeps no connection; this one would otherwise open a shell on the
            # state the reboot loads and answer while the device is down.
            conn.abort()
            return
        if self.factory and not (isinstance(device, RouterOsDevice) and device.factory_reachable()):
            conn.abort()  # nothing answers on the factory address any more
            return
        if isinstance(device, RouterOsDevice) and device.redialling():
            conn.abort()  # the WAN is redialling: nothing from outside gets through yet
            return
        if isinstance(device, IosDevice) and not device.rsa_key:
            conn.abort()  # no RSA key, no SSH server: only the console answers
            return
        self.runtime.connections.add(conn)

    def connection_lost(self, exc: Exception | None) -> None:
        self.runtime.connections.discard(self.conn)

    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return True

    async def validate_password(self, username: str, password: str) -> bool:
        spec = self.runtime.spec
        ms = self.lab.delay_ms + float(self.runtime.faults.get("slow", {}).get("ms", 0))
        if ms > 0:  # the login's round trip, like every other
            await asyncio.sleep(ms / 1000)
        if "auth" in self.runtime.faults:
            return False
        # RouterOS reads terminal options after '+' in the login name (netmiko sends +ct511w4098h)
        user = username.split("+", 1)[0] if spec.platform == "routeros" else username
        device = self.runtime.device
        if self.factory and isinstance(device, RouterOsDevice):
            return device.factory_reachable() and device.login_allowed(user, password)
        return user == spec.username and password == spec.password


class _Terminal:
    """Raw terminal of one session: echo, line assembly, control keys, faults, delay."""

    def __init__(self, lab: LabServer, runtime: DeviceRuntime, process: Any, shell: Shell) -> None:
        self.lab = lab
        self.runtime = runtime
        self.process = process
        self.shell = shell
        self.buffer = ""
        self.after_cr = False
        self.closed = False
        shell.notify = self.notify
        shell.abort = self.abort

    def notify(self, text: str) -> None:
        """A message from elsewhere (another session took safe mode): shown, then the prompt."""
        if not self.closed:
            self.write("\r\n" + text.replace("\n", "\r\n") + "\r\n" + self.shell.prompt())

    def abort(self) -> None:
        """The device lost the session's path: the TCP connection ends, nothing more is written."""
        if self.closed:
            return
        self.closed = True
        with contextlib.suppress(Exception):
            self.process.get_extra_info("connection").abort()

    def write(self, text: str) -> None:
        if text:
            self.process.stdout.write(text)

    async def run(self) -> None:
        self.write(self.shell.banner().replace("\r\n", "\n").replace("\n", "\r\n"))
        self.write(self.shell.prompt())
        while not self.closed:
            data = await self.process.stdin.read(4096)
            if not data:
                break
            if any(c in data for c in "\r\n\x18\x1a\x03\x04"):
                await self._delay()
            for char in data:
                if self.closed:
                    break
                self._key(char)

    async def _delay(self) -> None:
        ms = self.lab.delay_ms + float(self.runtime.faults.get("slow", {}).get("ms", 0))
        if ms > 0:
            await asyncio.sleep(ms / 1000)

    def _key(self, char: str) -> None:
        after_cr, self.after_cr = self.after_cr, char == "\r"
        question = self.shell.pending
        if char == "\n" and after_cr:
            return  # the second half of a CR LF enter
        if question is not None and question.mode == "char":
            self.shell.pending = None
            self.write(char if char.isprintable() else "")
            self._reply(question.answer(char), "\r\n")
            return
        if char in "\r\n":
            line, self.buffer = self.buffer, ""
            self.write("\r\n")
            if question is not None:
                self.shell.pending = None
                self._reply(question.answer(line), "")
            else:
                self._line(line)
            return
        if char in "\x7f\x08":
            if self.buffer:
                self.buffer = self.buffer[:-1]
                self.write("\b \b")
            return
        if char == "\x03":
            self.buffer = ""
            self.write("\r\n" + self.shell.prompt())
            return
        if char == "\x04" and self.buffer:
            return  # Ctrl-D only acts on an empty line (RouterOS: log out; safe mode undone)
        if char in "\x18\x1a\x04":
            reply = self.shell.handle_control(char)
            if reply is not None:
                self.buffer = ""
                prefix = "^Z\r\n" if char == "\x1a" else "\r\n"
                self._reply(reply, prefix)
            return
        if not char.isprintable() and char != "\t":
            return
        self.buffer += char
        if not (question is not None and question.secret):
            self.write(char)

    def _line(self, line: str) -> None:
        faults = self.runtime.faults
        if line.strip() and self.shell.is_config_command(line):
            drop = faults.get("drop")
            if drop is not None:
                if drop["after"] <= 0:
                    faults.pop("drop", None)  # one shot: the reconnect that follows must work
                    log.info("%s: fault drop fired at %r", self.runtime.spec.name, line)
                    self.closed = True
                    self.process.get_extra_info("connection").abort()
                    return
                drop["after"] -= 1
        error = faults.get("error")
        if error is not None and error["match"] in line:
            self._reply(self.shell.error_reply(line, error.get("message")), "")
            return
        self._reply(self.shell.handle_line(line), "")

    def _reply(self, reply: Reply, prefix: str) -> None:
        if self.closed:
            return  # the command cut this session's own path (or the device rebooted)
        text = reply.text.replace("\r\n", "\n").replace("\n", "\r\n")
        self.write(prefix)
        if text:
            self.write(text)
        if reply.close:
            self.closed = True
            if text:
                self.write("\r\n")
            self.process.exit(0)
            return
        if self.shell.pending is not None:
            return
        if text and not text.endswith("\r\n"):
            self.write("\r\n")
        self.write(self.shell.prompt())


class _Console:
    """A console line on a pseudo-terminal (os.openpty): bytes from the slave side (pyserial,
    `screen /dev/pts/N`, Netmiko's cisco_ios_serial) reach the device's shell through the same
    terminal logic as SSH sessions (echo, Enter, control keys, faults); a session that ends
    (`exit`) is followed by a fresh one, as a console line is always there."""

    def __init__(self, lab: LabServer, runtime: DeviceRuntime) -> None:
        import os
        import tty

        self.lab, self.runtime = lab, runtime
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)  # the line discipline must not echo or translate: the device does
        os.set_blocking(self.master, False)
        self.path = os.ttyname(self.slave)
        self.queue: asyncio.Queue[str] = asyncio.Queue()
        self.stdin, self.stdout = self, self
        self.task: asyncio.Task[Any] | None = None

    # the parts of an asyncssh process _Terminal uses
    async def read(self, n: int) -> str:
        return await self.queue.get()

    def write(self, text: str) -> None:
        import os

        with contextlib.suppress(OSError):
            os.write(self.master, text.encode())

    def get_extra_info(self, key: str) -> Any:
        return self if key == "connection" else ""

    def abort(self) -> None:
        self.queue.put_nowait("")

    def exit(self, code: int) -> None:
        self.queue.put_nowait("")

    def _readable(self) -> None:
        import os

        try:
            data = os.read(self.master, 4096)
        except OSError:
            return
        if data:
            self.queue.put_nowait(data.decode(errors="replace"))

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        loop.add_reader(self.master, self._readable)
        self.task = loop.create_task(self.serve())
        self.lab._tasks.add(self.task)

    async def serve(self) -> None:
        while True:
            device = self.runtime.device
            shell = (
                device.open_shell("", console=True)
                if isinstance(device, IosDevice)
                else device.open_shell("")
            )
            terminal = _Terminal(self.lab, self.runtime, self, shell)
            try:
                await terminal.run()
            except Exception:
                log.exception("%s: console session failed", self.runtime.spec.name)
            finally:
                shell.close()
                with contextlib.suppress(ValueError):
                    device.shells.remove(shell)
            while not self.queue.empty():
                self.queue.get_nowait()
            self.write("\r\n\r\nPress RETURN to get started.\r\n")
            await self.queue.get()


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
