"""The Project: found once (--project, the inventory's folder, the cwd's), its folders, and the
rule that nothing below the CLI finds state from the current directory."""

from __future__ import annotations

import ast
import json
import os
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from digikel.cli import app
from digikel.project import Project, find_project_root, packaged_templates

PACKAGE = Path(__file__).resolve().parents[3] / "cli" / "digikel"


def _project(root: Path) -> Path:
    (root / "inventory" / "lab").mkdir(parents=True)
    (root / "ansible.cfg").write_text("[defaults]\n")
    return root


@pytest.fixture(autouse=True)
def _no_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "DIGIKEL_BACKUP_DIR",
        "DIGIKEL_LAB_DIR",
        "DIGIKEL_LABSVC_DIR",
        "DIGIKEL_INVENTORY",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("DIGIKEL_TEMPLATES_DIR", raising=False)


def test_the_inventorys_project_wins_over_the_current_folder(tmp_path: Path) -> None:
    here, there = _project(tmp_path / "here"), _project(tmp_path / "there")
    inventory = there / "inventory" / "lab" / "digikel.yml"
    project = Project.discover(explicit=None, inventory=inventory, cwd=here / "inventory")
    assert project.root == there.resolve()
    assert project.backups == there.resolve() / ".digikel" / "backups"
    assert project.lab_state == there.resolve() / ".digikel" / "lab"
    assert project.labsvc_state == there.resolve() / ".digikel" / "labsvc"
    assert project.artifacts == there.resolve() / ".digikel" / "artifacts"


def test_an_explicit_project_wins_over_the_inventory(tmp_path: Path) -> None:
    here, there = _project(tmp_path / "here"), _project(tmp_path / "there")
    inventory = there / "inventory" / "lab" / "digikel.yml"
    project = Project.discover(explicit=here, inventory=inventory, cwd=tmp_path)
    assert project.root == here.resolve()


def test_without_either_the_project_is_found_above_the_current_folder(tmp_path: Path) -> None:
    root = _project(tmp_path / "p")
    deep = root / "inventory" / "lab"
    assert find_project_root(deep) == root.resolve()
    assert Project.discover(explicit=None, inventory=None, cwd=deep).root == root.resolve()
    # An inventory outside any inventory/ folder says nothing about the project.
    loose = tmp_path / "loose.yml"
    assert Project.discover(explicit=None, inventory=loose, cwd=deep).root == root.resolve()


def test_the_environment_still_overrides_a_folder(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("DIGIKEL_BACKUP_DIR", str(tmp_path / "elsewhere"))
    project = Project.at(_project(tmp_path / "p"))
    assert project.backups == tmp_path / "elsewhere"


def test_templates_come_from_the_project_else_from_the_package(tmp_path: Path) -> None:
    bare = Project.at(_project(tmp_path / "bare"))
    assert bare.templates == packaged_templates()
    assert (packaged_templates() / "routeros" / "router.rsc.j2").is_file()
    own = _project(tmp_path / "own")
    (own / "templates").mkdir()
    assert Project.at(own).templates == own.resolve() / "templates"


def test_a_missing_project_folder_is_bad_input(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["--json", "--project", str(tmp_path / "nope"), "inventory", "validate"]
    )
    assert result.exit_code == 2
    assert "--project" in result.stderr and "expected the project's root" in result.stderr
    assert "Traceback" not in result.output


def test_project_given_after_the_command_picks_the_inventory(tmp_path: Path, repo: Path) -> None:
    import shutil

    root = tmp_path / "p"
    shutil.copytree(repo / "inventory", root / "inventory")
    result = CliRunner().invoke(app, ["inventory", "validate", "--json", "--project", str(root)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["inventory"] == str(root / "inventory/lab/digikel.yml")


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_nothing_below_the_cli_imports_it_or_reads_the_current_folder() -> None:
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE)
        if relative.parts[0] == "cli" or relative.name == "__main__.py":
            continue  # the CLI itself, and `python -m` entry points (they run the CLI)
        if any(name == "digikel.cli" or name.startswith("digikel.cli.") for name in _imports(path)):
            offenders.append(f"{relative}: imports digikel.cli")
    stateful = ["network/store.py", "lab/store.py", "labsvc/state.py", "network/render.py"]
    offenders += [f"{s}: Path.cwd()" for s in stateful if "cwd()" in (PACKAGE / s).read_text()]
    assert not offenders


def test_a_commands_project_reaches_the_stages_only_while_it_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rollout's stages open their own backup store (BackupStore() in the network stage):
    while the command runs they find the project's, and nothing is left behind after it."""
    from digikel.cli.common import Context
    from digikel.network.store import default_backup_dir

    root = _project(tmp_path / "p")
    seen: list[Path] = []
    probe = typer.Typer()

    @probe.command()
    def run(ctx: typer.Context) -> None:
        ctx.obj.export_project(ctx)
        seen.append(default_backup_dir())

    @probe.command()
    def other() -> None:  # two commands: a group, as under the root
        pass

    result = CliRunner().invoke(probe, ["run"], obj=Context(project_path=root))
    assert result.exit_code == 0, result.output
    assert seen == [root.resolve() / ".digikel" / "backups"]
    assert "DIGIKEL_BACKUP_DIR" not in os.environ
