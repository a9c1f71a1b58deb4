"""Fixtures shared by every test: the repository, its lab inventory, and editable copies of it."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
LAB_INVENTORY = REPO / "inventory" / "lab" / "digikel.yml"


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def lab_inventory_path() -> Path:
    return LAB_INVENTORY


@pytest.fixture(scope="session")
def inv():
    from digikel.inventory import load_inventory

    return load_inventory(LAB_INVENTORY)


InventoryCopy = Callable[..., Path]


@pytest.fixture
def inventory_copy(tmp_path: Path) -> InventoryCopy:
    """A copy of the real inventory under tmp_path; returns its lab environment file.

    Keyword arguments name a file ("sites", "city", "applications", "env") and give a list of
    (old, new) text replacements, each of which must apply: a test that edits nothing proves nothing.
    """

    def make(**edits: list[tuple[str, str]]) -> Path:
        target = tmp_path / "inventory"
        shutil.copytree(REPO / "inventory", target, dirs_exist_ok=True)
        files = {
            "sites": target / "sites.yml",
            "city": target / "city.yml",
            "applications": target / "applications.yml",
            "env": target / "lab" / "digikel.yml",
        }
        for name, replacements in edits.items():
            path = files[name]
            text = path.read_text()
            for old, new in replacements:
                assert old in text, f"test edit does not apply to {path.name}: {old!r}"
                text = text.replace(old, new, 1)
            path.write_text(text)
        return files["env"]

    return make


@pytest.fixture(scope="session", autouse=True)
def state_of_their_own(tmp_path_factory: pytest.TempPathFactory):
    """Tests never share a store, locks or backups with an operator's lab or a quickstart
    running on the same machine (they would see its site locks, and it would see their runs).
    A test that needs other values sets them itself."""
    root = tmp_path_factory.mktemp("digikel-state")
    patch = pytest.MonkeyPatch()
    patch.setenv("DIGIKEL_DB_URL", f"sqlite:///{root / 'digikel.db'}")
    patch.setenv("DIGIKEL_BACKUP_DIR", str(root / "backups"))
    yield root
    patch.undo()


# Under pytest-xdist (scripts/test runs two workers) each of these folders stays on one worker, in
# order: the roles' Molecule scenarios share one apt archive cache and take the Molecule lock, so
# two at once would only wait for each other; the benchmarks' quick runs measure, one after the
# other. Every other test file stays whole too. xdist hands out the groups with the most tests
# first, so the long roles' group starts early while the files share both workers. (xdist's own
# --dist loadgroup does not group under pytest 9: the marks never reach its scheduler.)
SERIAL_FOLDERS = ("tests/integration/roles/", "tests/integration/bench/")


def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    from xdist.scheduler import LoadScopeScheduling

    class SerialFolders(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            # Every other test file stays whole on one worker: its module-scoped labs carry
            # state from one test to the next (a rerun after a rollout changes nothing).
            folder = next((f for f in SERIAL_FOLDERS if nodeid.startswith(f)), None)
            return folder or nodeid.split("::", 1)[0]

    return SerialFolders(config, log)
