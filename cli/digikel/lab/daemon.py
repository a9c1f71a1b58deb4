"""The lab as a process of its own: served in the foreground until a signal, or started in the
background (a new session, so it outlives the terminal) and waited for until every device is up.

The background lab is the foreground one run by `python -m digikel.lab ... lab start
--foreground`: one way of serving, whichever way it was started.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from digikel.errors import DigikelError

START_TIMEOUT = 120.0  # seconds for every device of the city to listen, on a slow machine


def running_status(state_dir: Path) -> dict[str, Any] | None:
    """The running lab's status (its devices, up or not), or None when none answers."""
    from digikel.lab.runner import control_request, read_pid

    if read_pid(state_dir) is None:
        return None
    try:
        answer: dict[str, Any] = control_request(state_dir, {"op": "status"}, timeout=5)
    except (ConnectionError, RuntimeError, OSError):
        return None
    status: dict[str, Any] = answer["status"]
    return status


def serve_foreground(specs: list[Any], directory: Path, delay_ms: float, scale: float) -> None:
    """Serve `specs` in this process until SIGTERM or SIGINT, its pid in the state directory."""
    import asyncio
    import logging
    import signal

    from digikel.lab.runner import serve
    from digikel.lab.store import StateStore

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    store = StateStore(directory)
    store.ensure_directory()
    store.write_private(store.pid_file, f"{os.getpid()}\n")

    async def main() -> None:
        stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stopping.set)
        await serve(specs, directory, delay_ms, scale, stopping=stopping)

    try:
        asyncio.run(main())
    except OSError as exc:
        raise DigikelError(f"the lab cannot listen: {exc}") from None
    finally:
        # Only our own pid file: a lab started meanwhile from the same folder keeps its own.
        if store.pid_file.is_file() and store.pid_file.read_text().strip() == str(os.getpid()):
            store.pid_file.unlink()


@dataclass(frozen=True)
class Background:
    pid: int
    log: Path


def start_background(
    inventory: Path,
    directory: Path,
    filters: dict[str, list[str] | None],
    delay_ms: float,
    scale: float,
    timeout: float = START_TIMEOUT,
) -> Background:
    """Start the lab in the background and return once every device is up.

    `filters` maps --site, --kecamatan, --wave to their values. Raises DigikelError with the
    log's last lines if the lab exits, and stops it if it is not up within `timeout`."""
    # The devices' SSH server (the digikel[lab] extra): missing, the operator hears it here
    # (the CLI names the extra), not from a background process that dies at once.
    import asyncssh  # noqa: F401

    from digikel.lab.store import StateStore

    store = StateStore(directory)
    store.ensure_directory()
    args = [sys.executable, "-m", "digikel.lab", "-i", str(inventory.resolve())]
    args += ["lab", "start", "--foreground", "--state-dir", str(directory)]
    args += ["--delay-ms", str(delay_ms), "--time-scale", str(scale)]
    for flag, values in filters.items():
        for value in values or []:
            args += [flag, value]
    store.write_private(store.log_file, "", append=True)  # created 0600 before anyone writes
    with store.log_file.open("ab") as logf:
        process = subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=logf,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # survives the terminal; relative env paths keep working
        )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = store.log_file.read_text(errors="replace").splitlines()[-15:]
            raise DigikelError("the lab did not start:\n" + "\n".join(tail))
        status = running_status(directory)
        if status and all(d["up"] for d in status["devices"]):
            return Background(process.pid, store.log_file)
        time.sleep(0.2)
    process.terminate()
    raise DigikelError(f"the lab did not come up within {timeout:.0f} s (log: {store.log_file})")
