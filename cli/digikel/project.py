"""The project a command works on: one root and every folder of state derived from it.

Found once, by the CLI, and passed down: lower modules take the paths they need and never
look at the current directory (a push run from $HOME and a rollback run from the repository
must meet in the same backup store, or the rollback restores the wrong configuration).

A project root is a folder holding `ansible.cfg` and `inventory/`. The environment variables
that predate the Project (DIGIKEL_BACKUP_DIR, DIGIKEL_LAB_DIR, DIGIKEL_LABSVC_DIR,
DIGIKEL_TEMPLATES_DIR, DIGIKEL_DB_URL) still win over the folders derived from the root.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from digikel.errors import InputError

STATE = Path(".digikel")
INVENTORY_DIR = "inventory"


def find_project_root(start: Path) -> Path | None:
    """The nearest folder at or above `start` that holds the project's ansible.cfg and inventory."""
    here = start.resolve()
    for folder in (here, *here.parents):
        if (folder / "ansible.cfg").is_file() and (folder / INVENTORY_DIR).is_dir():
            return folder
    return None


def checkout_root() -> Path | None:
    """The project this package is part of when it runs from a checkout (None for a wheel).

    Only for library calls that were given no project; never the current directory."""
    return find_project_root(Path(__file__).parent)


def root_of_inventory(inventory: Path) -> Path | None:
    """The folder holding `inventory/` that contains `inventory` (a file or folder in it)."""
    here = inventory.resolve()
    for folder in (here, *here.parents):
        if folder.name == INVENTORY_DIR and folder.parent != folder:
            return folder.parent
    return None


def packaged_templates() -> Path:
    """The device templates shipped inside the package (a checkout links them, a wheel copies)."""
    from importlib.resources import files

    return Path(str(files("digikel") / "templates"))


def _env_path(name: str) -> Path | None:
    value = os.environ.get(name)
    return Path(value) if value else None


@dataclass(frozen=True)
class Project:
    """A project's root and the folders of its state (see the module's docstring)."""

    root: Path
    store_url: str | None  # its own URL; None: the configured (DIGIKEL_DB_URL, config, per-user)
    backups: Path
    artifacts: Path
    lab_state: Path
    labsvc_state: Path
    templates: Path

    @classmethod
    def at(cls, root: Path) -> Project:
        root = root.resolve()
        state = root / STATE
        own_templates = root / "templates"
        return cls(
            root=root,
            store_url=None,
            backups=_env_path("DIGIKEL_BACKUP_DIR") or state / "backups",
            artifacts=state / "artifacts",
            lab_state=_env_path("DIGIKEL_LAB_DIR") or state / "lab",
            labsvc_state=(_env_path("DIGIKEL_LABSVC_DIR") or state / "labsvc").resolve(),
            templates=_env_path("DIGIKEL_TEMPLATES_DIR")
            or (own_templates if own_templates.is_dir() else packaged_templates()),
        )

    def environment(self) -> dict[str, str]:
        """The variables through which lower modules and child processes that open their own
        backup store, lab state or templates (the rollout's stages) find this project's."""
        return {
            "DIGIKEL_BACKUP_DIR": str(self.backups),
            "DIGIKEL_LAB_DIR": str(self.lab_state),
            "DIGIKEL_LABSVC_DIR": str(self.labsvc_state),
            "DIGIKEL_TEMPLATES_DIR": str(self.templates),
        }

    @classmethod
    def discover(cls, *, explicit: Path | None, inventory: Path | None, cwd: Path) -> Project:
        """--project if given; else the project holding the inventory; else the one at or
        above `cwd`; else `cwd` itself (a project without ansible.cfg yet, as before)."""
        if explicit is not None:
            if not explicit.is_dir():
                raise InputError(
                    f"--project {explicit}: not a folder; expected the project's root "
                    "(the folder holding inventory/)"
                )
            return cls.at(explicit)
        if inventory is not None:
            root = root_of_inventory(inventory)
            if root is not None:
                return cls.at(root)
        return cls.at(find_project_root(cwd) or cwd)
