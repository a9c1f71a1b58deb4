"""Where the lab services keep their files, and the pid files of their background processes."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path

STATE_ENV = "DIGIKEL_LABSVC_DIR"


def project_state_dir(project_root: Path | None = None) -> Path:
    """<project_root>/.digikel/labsvc: the operator's own lab. Without a project given, the
    checkout this package runs from (never the current directory)."""
    from digikel.errors import InputError
    from digikel.project import checkout_root

    root = project_root or checkout_root()
    if root is None:
        raise InputError(f"no lab services folder: expected --state-dir or {STATE_ENV}")
    return (root / ".digikel" / "labsvc").resolve()


def default_state_dir(project_root: Path | None = None) -> Path:
    """DIGIKEL_LABSVC_DIR, else <project_root>/.digikel/labsvc."""
    configured = os.environ.get(STATE_ENV)
    if configured:
        return Path(configured).resolve()
    return project_state_dir(project_root)


def resolve_state_dir(state_dir: Path | str | None, project_root: Path | None = None) -> Path:
    if state_dir is not None:
        return Path(state_dir).resolve()
    return default_state_dir(project_root)


def _cmdline(pid: int) -> str:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return ""
    return raw.replace(b"\0", b" ").decode(errors="replace")


def _is_zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[-1].split()[0] == "Z"


def live_pid(pid_file: Path, marker: str) -> int | None:
    """The pid recorded in `pid_file` if that process still runs and its command line holds
    `marker`: a pid reused by an unrelated process after a reboot or crash is not ours."""
    try:
        pid = int(pid_file.read_text().strip())
    except (OSError, ValueError):
        return None
    if pid <= 0 or _is_zombie(pid) or marker not in _cmdline(pid):
        return None
    return pid


def write_pid(pid_file: Path, pid: int) -> None:
    pid_file.parent.mkdir(parents=True, exist_ok=True)
    tmp = pid_file.with_suffix(".tmp")
    tmp.write_text(f"{pid}\n")
    os.replace(tmp, pid_file)


def terminate(pid_file: Path, marker: str, timeout: float = 10.0) -> bool:
    """Stop the recorded process (SIGTERM, then SIGKILL after `timeout`); False if none ran."""
    pid = live_pid(pid_file, marker)
    if pid is not None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and live_pid(pid_file, marker) is not None:
            _reap(pid)
            time.sleep(0.05)
        if live_pid(pid_file, marker) is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            _reap(pid)
    with contextlib.suppress(FileNotFoundError):
        pid_file.unlink()
    return pid is not None


def _reap(pid: int) -> None:
    """Collect the exit status when we are the parent, so a stopped child is not a zombie."""
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


def tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
