"""Where the lab keeps device state: one JSON file per device in the state directory."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

STATE_ENV = "DIGIKEL_LAB_DIR"


def default_state_dir() -> Path:
    """DIGIKEL_LAB_DIR, else <project root>/.digikel/lab, else ./.digikel/lab."""
    configured = os.environ.get(STATE_ENV)
    if configured:
        return Path(configured)
    from digikel.cli.common import find_project_root

    root = find_project_root() or Path.cwd()
    return root / ".digikel" / "lab"


class StateStore:
    """Reads and atomically writes `<dir>/devices/<name>.json`."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.devices_dir = directory / "devices"

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
        self.devices_dir.mkdir(parents=True, exist_ok=True)
        path = self.path(name)
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(state, indent=1, sort_keys=False))
        os.replace(tmp, path)

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
