"""Running the lab: in a thread for tests (`running_lab`), in the foreground, or as a background
process controlled through a unix socket in the state directory.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from digikel.lab.device import DeviceSpec
from digikel.lab.store import StateStore

if TYPE_CHECKING:
    from digikel.inventory.model import Inventory
    from digikel.lab.server import LabServer

log = logging.getLogger("digikel.lab")
TIME_SCALE_ENV = "DIGIKEL_LAB_TIME_SCALE"


def time_scale_from_env(default: float = 1.0) -> float:
    value = os.environ.get(TIME_SCALE_ENV)
    if not value:
        return default
    try:
        scale = float(value)
    except ValueError:
        from digikel.errors import InputError

        raise InputError(f"{TIME_SCALE_ENV}={value!r}: expected a number such as 0.01") from None
    return scale


# ----- the control protocol: one JSON request per line, one JSON answer per line -----
async def _serve_control(
    server: LabServer, path: Path, stopping: asyncio.Event
) -> asyncio.AbstractServer:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            line = await reader.readline()
            request = json.loads(line or b"{}")
            answer = await _dispatch(server, request, stopping)
        except Exception as exc:  # report, never crash the lab on a bad request
            answer = {"ok": False, "error": str(exc)}
        writer.write(json.dumps(answer).encode() + b"\n")
        with contextlib.suppress(Exception):
            await writer.drain()
            writer.close()

    if path.exists():
        path.unlink()
    control = await asyncio.start_unix_server(handle, path=str(path))
    path.chmod(0o600)  # the socket resets devices: its owner only (the directory is 0700 too)
    return control


async def _dispatch(server: LabServer, request: dict[str, Any], stopping: asyncio.Event) -> Any:
    op = request.get("op")
    if op == "status":
        return {"ok": True, "status": server.status()}
    if op == "inject":
        result = await server.inject(
            request["device"], request["kind"], **request.get("options", {})
        )
        return {"ok": True, "device": result}
    if op == "clear":
        return {"ok": True, "device": await server.clear(request["device"], request.get("kind"))}
    if op == "reset":
        devices = request.get("devices") or None
        return {"ok": True, "reset": await server.reset(devices, request.get("factory"))}
    if op == "console":
        return {"ok": True, "path": await server.open_console(request["device"])}
    if op == "stop":
        stopping.set()
        return {"ok": True}
    return {"ok": False, "error": f"unknown request {op!r}"}


def control_request(state_dir: Path, request: dict[str, Any], timeout: float = 15.0) -> Any:
    """Send one request to the running lab; ConnectionError when no lab listens."""
    import socket

    path = StateStore(state_dir).socket_path
    if not path.exists():
        raise ConnectionError(f"no lab is running with state directory {state_dir}")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        try:
            sock.connect(str(path))
        except OSError as exc:
            raise ConnectionError(f"the lab at {state_dir} does not answer ({exc})") from None
        sock.sendall(json.dumps(request).encode() + b"\n")
        data = b""
        while not data.endswith(b"\n"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    answer = json.loads(data or b"{}")
    if not answer.get("ok"):
        raise RuntimeError(answer.get("error", "the lab refused the request"))
    return answer


async def serve(
    specs: list[DeviceSpec],
    state_dir: Path,
    delay_ms: float = 0.0,
    time_scale: float = 1.0,
    ready: threading.Event | None = None,
    stopping: asyncio.Event | None = None,
    holder: dict[str, Any] | None = None,
    reboot_seconds: float | None = None,
    factory: str = "blank",
) -> None:
    """Run the lab until `stopping` is set (or SIGTERM/SIGINT in the foreground).

    `factory` is the RouterOS factory state (`blank` or `defconf`) of devices without state."""
    from digikel.lab.server import REBOOT_SECONDS, LabServer

    # Clients hang up right after `quit`; asyncio's "socket.send() raised exception" warnings
    # about the last echo say nothing useful.
    logging.getLogger("asyncio").setLevel(logging.ERROR)
    store = StateStore(state_dir)
    store.ensure_directory()
    server = LabServer(
        specs,
        store,
        delay_ms=delay_ms,
        time_scale=time_scale,
        reboot_seconds=REBOOT_SECONDS if reboot_seconds is None else reboot_seconds,
        factory=factory,
    )
    stopping = stopping or asyncio.Event()
    if holder is not None:
        holder["server"] = server
        holder["loop"] = asyncio.get_running_loop()
        holder["stopping"] = stopping
    await server.start()
    control = await _serve_control(server, store.socket_path, stopping)
    if ready is not None:
        ready.set()
    try:
        await stopping.wait()
    finally:
        control.close()
        await server.stop()
        with contextlib.suppress(FileNotFoundError):
            store.socket_path.unlink()


class RunningLab:
    """A lab serving in a background thread of this process (tests, benchmarks)."""

    def __init__(self, specs: list[DeviceSpec], state_dir: Path, holder: dict[str, Any]) -> None:
        self.specs = {s.name: s for s in specs}
        self.state_dir = state_dir
        self._holder = holder

    @property
    def server(self) -> LabServer:
        server: LabServer = self._holder["server"]
        return server

    def _call(self, coro: Any) -> Any:
        future = asyncio.run_coroutine_threadsafe(coro, self._holder["loop"])
        return future.result(timeout=30)

    def spec(self, name: str) -> DeviceSpec:
        return self.specs[name]

    def inject(self, device: str, kind: str, **options: Any) -> dict[str, Any]:
        """Set a fault: auth, drop(after=N), error(match=..., message=...), slow(ms=N),
        hostkey, reboot(seconds=S)."""
        result: dict[str, Any] = self._call(self.server.inject(device, kind, **options))
        return result

    def clear(self, device: str, kind: str | None = None) -> dict[str, Any]:
        result: dict[str, Any] = self._call(self.server.clear(device, kind))
        return result

    def reset(self, devices: list[str] | None = None, factory: str | None = None) -> list[str]:
        """Back to factory state: `factory` = blank | defconf (RouterOS), else the lab's own."""
        result: list[str] = self._call(self.server.reset(devices, factory))
        return result

    def console(self, device: str) -> str:
        """The path of the device's console (a pseudo-terminal), for pyserial or Netmiko's
        cisco_ios_serial."""
        path: str = self._call(self.server.open_console(device))
        return path

    def status(self) -> dict[str, Any]:
        async def get() -> dict[str, Any]:
            return self.server.status()

        result: dict[str, Any] = self._call(get())
        return result

    def wait_up(self, device: str, timeout: float = 30.0) -> None:
        """Block until a device accepts sessions again (after a reboot)."""
        import time

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            runtime = self.server.runtimes[device]
            if runtime.up and not runtime.rebooting:
                return
            time.sleep(0.05)
        raise TimeoutError(f"{device} did not come back within {timeout} s")

    def device_state(self, device: str) -> dict[str, Any]:
        async def get() -> dict[str, Any]:
            return json.loads(json.dumps(self.server.runtimes[device].device.state))  # type: ignore[no-any-return]

        result: dict[str, Any] = self._call(get())
        return result

    def netmiko_params(self, device: str, known_hosts: Path | None = None) -> dict[str, Any]:
        """ConnectHandler arguments for a device, verifying its host key when a file is given."""
        spec = self.specs[device]
        params: dict[str, Any] = {
            "device_type": "mikrotik_routeros" if spec.platform == "routeros" else "cisco_ios",
            "host": spec.host,
            "port": spec.port,
            "username": spec.username,
            "password": spec.password,
            "secret": spec.password,
            "fast_cli": False,
        }
        if known_hosts is not None:
            params.update(
                ssh_strict=True,
                system_host_keys=False,
                alt_host_keys=True,
                alt_key_file=str(known_hosts),
            )
        return params


@contextlib.contextmanager
def running_lab(
    inv: Inventory | None = None,
    *,
    sites: list[str] | None = None,
    specs: list[DeviceSpec] | None = None,
    state_dir: Path,
    delay_ms: float = 0.0,
    time_scale: float = 1.0,
    secrets: dict[str, Any] | None = None,
    reboot_seconds: float | None = None,
    factory: str = "blank",
) -> Iterator[RunningLab]:
    """Serve lab devices in a thread for the duration of the block.

    Give an inventory (and optionally `sites`) or explicit `specs`. The state directory holds the
    devices' JSON state, so two blocks with the same directory see the same configurations.
    """
    if specs is None:
        if inv is None:
            raise ValueError("running_lab needs an inventory or device specs")
        from digikel.lab.specs import lab_specs

        specs = lab_specs(inv, sites=sites, secrets=secrets)
    holder: dict[str, Any] = {}
    ready = threading.Event()
    errors: list[BaseException] = []

    def main() -> None:
        try:
            asyncio.run(
                serve(
                    specs,
                    state_dir,
                    delay_ms,
                    time_scale,
                    ready=ready,
                    holder=holder,
                    reboot_seconds=reboot_seconds,
                    factory=factory,
                )
            )
        except BaseException as exc:  # surface start-up failures in the caller's thread
            errors.append(exc)
            ready.set()

    thread = threading.Thread(target=main, name="digikel-lab", daemon=True)
    thread.start()
    ready.wait(timeout=60)
    if errors:
        raise errors[0]
    lab = RunningLab(specs, state_dir, holder)
    try:
        yield lab
    finally:
        loop = holder["loop"]
        loop.call_soon_threadsafe(holder["stopping"].set)
        thread.join(timeout=30)


# ----- background process management (the CLI's start/stop/status) -----
def read_pid(state_dir: Path) -> int | None:
    path = StateStore(state_dir).pid_file
    try:
        pid = int(path.read_text().strip())
    except (OSError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        return pid
    return pid


def stop_background(state_dir: Path, timeout: float = 15.0) -> bool:
    """Ask the background lab to stop; SIGTERM its pid if the socket does not answer."""
    import time

    pid = read_pid(state_dir)
    if pid is None:
        return False
    try:
        control_request(state_dir, {"op": "stop"})
    except (ConnectionError, RuntimeError, OSError):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and read_pid(state_dir) is not None:
        time.sleep(0.1)
    if read_pid(state_dir) is not None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        # Its listening sockets close only when it is gone: a lab started next on the same
        # addresses must not find them taken.
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not _exited(pid):
            time.sleep(0.05)
    with contextlib.suppress(FileNotFoundError):
        StateStore(state_dir).pid_file.unlink()
    return True


def _exited(pid: int) -> bool:
    """Whether `pid` has exited (a zombie has: the kernel closed its sockets)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] in ("Z", "X")
