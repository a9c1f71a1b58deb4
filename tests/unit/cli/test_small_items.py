"""Issue 14's small items, each through the real command line: the rollout's question on stderr
(so --json stays one document), `report -o FILE acceptance SITE` writes FILE, --debug and
--verbose as parsed (never read from sys.argv), and --verbose shows the executor's log."""

from __future__ import annotations

import json
import os
import pty
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from digikel.cli import app

DIGIKEL = Path(sys.executable).with_name("digikel")


def _digikel(*args: str, cwd: Path, **kw) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(DIGIKEL), *args], cwd=cwd, capture_output=True, text=True, timeout=120, **kw
    )


@pytest.fixture
def offline_inventory(tmp_path: Path, repo: Path) -> Path:
    """The lab inventory with its devices on a port nothing listens on (9, discard)."""
    shutil.copytree(repo / "inventory", tmp_path / "inventory")
    env_file = tmp_path / "inventory" / "lab" / "digikel.yml"
    env_file.write_text(env_file.read_text() + "lab_ssh_port: 9\n")
    return env_file


def test_the_rollout_asks_on_stderr_and_json_stays_parseable(
    lab_inventory_path: Path, tmp_path: Path
) -> None:
    controller, terminal = pty.openpty()  # the operator's terminal: stdin only
    os.write(controller, b"n\n")
    try:
        done = _digikel(
            "--json", "-i", str(lab_inventory_path), "rollout", "--site", "loa-bakung",
            cwd=tmp_path, stdin=terminal,
        )  # fmt: skip
    finally:
        os.close(terminal)
        os.close(controller)
    assert "Roll out 1 site(s) (loa-bakung)" in done.stderr
    assert "Roll out" not in done.stdout
    assert json.loads(done.stdout)["error"]["message"] == "aborted"
    assert done.returncode == 1


def test_report_output_before_acceptance_is_the_file_written(
    lab_inventory_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DIGIKEL_DB_URL", f"sqlite:///{tmp_path / 'digikel.db'}")
    monkeypatch.chdir(tmp_path)
    args = ["-i", str(lab_inventory_path), "report", "-o", "x", "acceptance", "loa-bakung"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "x").read_text().lstrip().lower().startswith("<!doctype html")
    assert not list(tmp_path.glob("berita-acara-*"))


def test_debug_is_the_parsed_option_not_a_word_in_argv(
    lab_inventory_path: Path, tmp_path: Path
) -> None:
    # "--debug" as the VALUE of -i: a missing file, reported plainly.
    plain = _digikel("-i", "--debug", "inventory", "validate", cwd=tmp_path)
    assert plain.returncode == 2
    assert "--debug: file not found" in plain.stderr and "Traceback" not in plain.stderr
    # --debug as an option, after the command: the traceback the operator asked for.
    missing = str(tmp_path / "nope.yml")
    traced = _digikel("-i", missing, "inventory", "show", "loa-bakung", "--debug", cwd=tmp_path)
    assert "Traceback" in traced.stderr


def test_verbose_shows_the_network_executors_log(offline_inventory: Path, tmp_path: Path) -> None:
    args = ["-i", str(offline_inventory), "network", "diff", "--host", "loa-bakung-rtr01"]
    quiet = _digikel("--json", *args, "--timeout", "1", cwd=tmp_path)
    loud = _digikel("--json", *args, "--timeout", "1", "--verbose", cwd=tmp_path)
    line = "INFO digikel.network.runner: diff: 1 device(s) at 1 site(s)"
    assert line in loud.stderr and line not in quiet.stderr
    assert json.loads(loud.stdout)["results"][0]["device"] == "loa-bakung-rtr01"
