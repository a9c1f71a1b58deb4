"""Start-up is cheap by design: the command tree is a table (digikel.cli.COMMANDS) whose modules
load only when their command runs, help is Click's plain formatter (no rich.markdown), and
option values that need no validation skip Typer's pydantic validators. Module lists, never
timings: a timed assertion fails on a busy machine and proves nothing on an idle one."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from digikel.cli import COMMANDS, app

COMMAND_MODULES = sorted({module for module, _, _ in COMMANDS.values()})
NEVER_FOR_HELP = ["typer.rich_utils", "rich", "markdown_it", "pydantic", "sqlalchemy", "yaml"]


def _imported(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> list[str]:
    """The modules a real `digikel ARGS` run had imported when it finished."""
    watched = [*COMMAND_MODULES, *NEVER_FOR_HELP, "typer._adapters", "digikel.store"]
    code = (
        "import atexit, json, sys\n"
        f"watched = {watched!r}\n"
        "atexit.register(lambda: sys.__stderr__.write('\\nIMPORTED ' + json.dumps("
        "[m for m in watched if m in sys.modules]) + '\\n'))\n"
        f"sys.argv = ['digikel', *{args!r}]\n"
        "from digikel.cli import main\n"
        "main()\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, env=env
    )
    line = next(x for x in run.stderr.splitlines() if x.startswith("IMPORTED "))
    return list(json.loads(line.removeprefix("IMPORTED ")))


def test_help_imports_no_command_and_no_help_renderer(tmp_path: Path) -> None:
    assert _imported(["--help"], tmp_path) == []


def test_a_command_imports_its_own_module_only(lab_inventory_path: Path, tmp_path: Path) -> None:
    loaded = _imported(["-i", str(lab_inventory_path), "--json", "inventory", "list"], tmp_path)
    assert [m for m in loaded if m in COMMAND_MODULES] == ["digikel.cli.inventory"]
    # Listing the inventory needs no store, no rich, and no Typer validators for its defaults.
    for module in ("sqlalchemy", "digikel.store", "rich", "typer._adapters"):
        assert module not in loaded


def test_status_with_defaults_builds_no_typer_validator(
    lab_inventory_path: Path, tmp_path: Path
) -> None:
    import os

    env = {**os.environ, "DIGIKEL_DB_URL": f"sqlite:///{tmp_path / 'digikel.db'}"}
    loaded = _imported(["-i", str(lab_inventory_path), "--json", "status"], tmp_path, env)
    assert "typer._adapters" not in loaded and "rich" not in loaded
    assert "digikel.cli.status" in loaded


@pytest.mark.parametrize("name", list(COMMANDS))
def test_the_tables_one_liner_is_the_commands_own_help(name: str) -> None:
    module, attribute, line = COMMANDS[name]
    target = getattr(importlib.import_module(module), attribute)
    if isinstance(target, typer.Typer):
        own = target.info.help
    else:
        own = (target.__doc__ or "").strip().splitlines()[0]
    assert own == line


def test_values_are_still_checked_where_they_need_it(lab_inventory_path: Path) -> None:
    runner = CliRunner()
    base = ["-i", str(lab_inventory_path), "network", "diff", "--all"]
    for bad in (["--workers", "many"], ["--workers", "0"]):
        result = runner.invoke(app, [*base, *bad])
        assert result.exit_code == 2 and "--workers" in result.stderr, result.output
    result = runner.invoke(app, [*base, "--timeout", "soon"])
    assert result.exit_code == 2 and "--timeout" in result.stderr
