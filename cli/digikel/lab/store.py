"""Where the lab keeps device state: one JSON file per device in the state directory."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

STATE_ENV = "DIGIKEL_LAB_DIR"


def default_state_dir(project_root: Path | None = None) -> Path:
    """DIGIKEL_LAB_DIR, else <project_root>/.digikel/lab (without a project given: the checkout
    this package runs from, never the current directory)."""
    configured = os.environ.get(STATE_ENV)
    if configured:
        return Path(configured)
    from digikel.errors import InputError
    from digikel.project import checkout_root

    root = project_root or checkout_root()
    if root is None:
        raise InputError(f"no lab state folder: expected --state-dir or {STATE_ENV}")
    return root / ".digikel" / "lab"


DIR_MODE = 0o700
FILE_MODE = 0o600


class StateStore:
    """Reads and atomically writes `<dir>/devices/<name>.json`.

    The state holds device secrets (passwords, keys, backups): directories are created 0700 and
    files 0600, whatever the umask (issue 17)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.devices_dir = directory / "devices"

    def ensure_directory(self) -> None:
        for path in (self.directory, self.devices_dir):
            path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
            path.chmod(DIR_MODE)

    def path(self, name: str) -> Path:
        return self.devices_dir / f"{name}.json"

    def load(self, name: str) -> dict[str, Any] | None:
        path = self.path(name)
        if not path.is_file():
            return None
        try:
            data = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError):
            return None  # an unreadable state file is a device back at factory state
        return data if isinstance(data, dict) else None

    def save(self, name: str, state: dict[str, Any]) -> None:
        if not self.devices_dir.is_dir():
            self.ensure_directory()
        path = self.path(name)
        tmp = path.with_suffix(".json.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
        with os.fdopen(fd, "w") as handle:
            os.fchmod(handle.fileno(), FILE_MODE)
            handle.write(json.dumps(state, indent=1, sort_keys=False))
        os.replace(tmp, path)

    @staticmethod
    def write_private(path: Path, text: str, append: bool = False) -> None:
        """Write a file of the state directory readable by its owner only."""
        flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if append else os.O_TRUNC)
        fd = os.open(path, flags, FILE_MODE)
        with os.fdopen(fd, "w") as handle:
            os.fchmod(handle.fileno(), FILE_MODE)
            handle.write(text)

    def mark_factory(self, name: str, factory: str) -> None:
        """A stopped lab's RouterOS device comes back in this factory state at the next start."""
        self.save(name, {"pending_factory": factory})

    def remove(self, name: str) -> bool:
        path = self.path(name)
        if path.exists():
            path.unlink()
            return True
        return False

    @property
    def pid_file(self) -> Path:
        return self.directory / "lab.pid"

    @property
    def log_file(self) -> Path:
        return self.directory / "lab.log"

    @property
    def socket_path(self) -> Path:
        return self.directory / "control.sock"
