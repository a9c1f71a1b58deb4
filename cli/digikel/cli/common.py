"""State and output helpers shared by every command group."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

    from digikel.inventory.model import Inventory

DEFAULT_INVENTORY = Path("inventory") / "lab" / "digikel.yml"


def find_project_root(start: Path | None = None) -> Path | None:
    """The nearest folder at or above `start` that holds the project's ansible.cfg and inventory."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "ansible.cfg").is_file() and (folder / "inventory").is_dir():
            return folder
    return None


def default_inventory_path() -> Path:
    env = os.environ.get("DIGIKEL_INVENTORY")
    if env:
        return Path(env)
    root = find_project_root()
    return (root / DEFAULT_INVENTORY) if root else DEFAULT_INVENTORY


@dataclass
class Context:
    """What the callback parsed: global options every command may read."""

    json: bool = False
    verbose: bool = False
    debug: bool = False
    inventory_path: Path = DEFAULT_INVENTORY

    def load_inventory(self) -> Inventory:
        from digikel.inventory import load_inventory

        return load_inventory(self.inventory_path)


def emit_json(obj: Any) -> None:
    """Print one JSON document on stdout (logs and progress go to stderr)."""
    sys.stdout.write(json.dumps(obj, indent=2, sort_keys=False, default=str) + "\n")


def stderr_console() -> Console:
    from rich.console import Console

    return Console(stderr=True)


def stdout_console() -> Console:
    from rich.console import Console

    return Console()


def handles_errors(func: Any) -> Any:
    """Turn DigikelError into a clear message and its exit code, inside Typer's own run.

    Commands wear this so that CliRunner tests and the console script behave the same.
    """
    import functools

    import typer

    from digikel.errors import DigikelError

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except DigikelError as exc:
            if "--debug" in sys.argv:
                raise
            sys.stderr.write(f"error: {exc}\n")
            raise typer.Exit(exc.exit_code) from None

    return wrapper
