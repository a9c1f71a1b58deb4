"""The CLI's surface for every command group: global options anywhere, help without type
noise, errors as one line (and a JSON document with --json), plain full tables in pipes, and
the shared input validators."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer.main
from typer.testing import CliRunner

from digikel.cli import app
from digikel.cli.common import (
    MAX_NOTE_BYTES,
    check_note,
    escape_control,
    parse_duration,
    parse_timeout,
)
from digikel.cli.report import _PACK_EXTENSIONS, _REPORT_EXTENSIONS, choose_format
from digikel.errors import InputError

runner = CliRunner()
DIGIKEL = Path(sys.executable).with_name("digikel")


def every_command() -> list[list[str]]:
    """The path of every command and group below the root, e.g. ["lab", "services", "up"]."""
    found: list[list[str]] = []

    def visit(command, path: list[str]) -> None:
        # Through list_commands/get_command: the root loads its groups only when asked.
        if not hasattr(command, "list_commands"):
            return
        for name in command.list_commands(None):
            found.append([*path, name])
            visit(command.get_command(None, name), [*path, name])

    visit(typer.main.get_command(app), [])
    return found


COMMANDS = every_command()


def test_every_group_is_walked():
    # The tests below are only as good as this list: it holds the other teams' groups too.
    names = {" ".join(c) for c in COMMANDS}
    for expected in (
        "inventory validate",
        "network push",
        "lab services up",
        "rollout",
        "report acceptance",
        "site mark",
        "history show",
        "status",
    ):
        assert expected in names


@pytest.mark.parametrize("path", COMMANDS, ids=[" ".join(c) for c in COMMANDS])
def test_help_reads_like_the_ecosystem(path):
    result = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    for noise in ("<bool>", "<list[", "<str>", "<int>", "<float>", "<path>", "<text>"):
        assert noise not in result.stdout, f"{' '.join(path)} --help shows {noise}"
    # Every command lists the global options it accepts after its name.
    assert "--json" in result.stdout and "--inventory" in result.stdout


def test_value_options_show_a_metavar():
    out = runner.invoke(app, ["inventory", "list", "--help"], env={"COLUMNS": "200"}).stdout
    assert "SITE" in out and "KECAMATAN" in out
    out = runner.invoke(app, ["report", "--help"], env={"COLUMNS": "200"}).stdout
    assert "html|csv|json|xlsx" in out and "FILE" in out


@pytest.mark.parametrize("path", COMMANDS, ids=[" ".join(c) for c in COMMANDS])
def test_global_options_parse_after_every_command(path):
    """`--debug` and `-i FILE` after the command reach its Context: here through an
    inventory file that does not exist, which every command that reads the inventory names."""
    result = runner.invoke(app, [*path, "--json", "--debug", "-v", "-i", "x.yml", "--help"])
    assert result.exit_code == 0, result.output  # parsed, not "No such option"


def test_inventory_validate_takes_the_inventory_after_the_command(tmp_path):
    missing = tmp_path / "nowhere.yml"
    result = runner.invoke(app, ["inventory", "validate", "-i", str(missing), "--json"])
    assert result.exit_code == 2
    document = json.loads(result.stdout)
    assert document["inventory"] == str(missing) and document["valid"] is False
    assert f"{missing}: file not found" in result.stderr


def test_json_after_the_command_equals_json_before(lab_inventory_path):
    after = runner.invoke(
        app, ["inventory", "list", "-s", "1", "--json", "-i", str(lab_inventory_path)]
    )
    before = runner.invoke(
        app, ["--json", "-i", str(lab_inventory_path), "inventory", "list", "-s", "1"]
    )
    assert after.exit_code == before.exit_code == 0
    assert json.loads(after.stdout) == json.loads(before.stdout)
    assert json.loads(after.stdout)[0]["slug"] == "harapan-baru"


def test_a_usage_error_with_json_is_a_json_document():
    result = runner.invoke(app, ["inventory", "list", "--no-such-flag", "--json"])
    assert result.exit_code == 2
    error = json.loads(result.stdout)["error"]
    assert error["code"] == 2 and "No such option: --no-such-flag" in error["message"]
    assert "error: No such option: --no-such-flag" in result.stderr


def test_a_usage_error_without_json_keeps_stdout_empty():
    result = runner.invoke(app, ["inventory", "list", "--no-such-flag"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "No such option: --no-such-flag" in result.stderr


def _piped(*args: str, columns: str | None = None) -> str:
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    if columns:
        env["COLUMNS"] = columns
    done = subprocess.run(
        [str(DIGIKEL), *args], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_tables_in_a_pipe_are_full_plain_and_aligned(lab_inventory_path):
    out = _piped("-i", str(lab_inventory_path), "inventory", "list")
    assert "…" not in out, "a value was cut"
    for name in ("Sungai Keledang", "sungai-keledang", "Loa Janan Ilir", "pilot-2023"):
        assert name in out
    assert not any(ch in out for ch in "┃━│─┏╇"), "box drawing in a log"
    assert "\x1b[" not in out, "colour codes in a log"
    rows = [line for line in out.splitlines() if "sungai-keledang" in line]
    header = next(line for line in out.splitlines() if line.lstrip().startswith("#"))
    # Aligned: the slug column starts at the same place in the header and the row.
    assert rows[0].index("sungai-keledang") == header.index("slug")


def test_a_pipe_honours_columns_and_still_cuts_nothing(lab_inventory_path):
    out = _piped("-i", str(lab_inventory_path), "inventory", "list", columns="70")
    assert max(len(line) for line in out.splitlines()) <= 70
    assert "…" not in out, "a value was cut instead of folded"


# --- validators ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds"), [("30", 30.0), ("2.5", 2.5), ("90s", 90.0), ("2m", 120.0), (5, 5.0)]
)
def test_parse_timeout_accepts_finite_positive_seconds(text, seconds):
    assert parse_timeout(text) == seconds


@pytest.mark.parametrize(
    "text", ["inf", "nan", "0", "-1", "", "soon", "1e999", float("inf"), float("nan"), 0, 4000]
)
def test_parse_timeout_refuses_the_rest(text):
    with pytest.raises(InputError, match=r"--timeout .*expected a number of seconds above 0"):
        parse_timeout(text)


def test_parse_timeout_names_the_option_and_minimum():
    with pytest.raises(
        InputError, match=re.escape("--connect-timeout '0.5': expected a number of seconds above 1")
    ):
        parse_timeout("0.5", option="--connect-timeout", minimum=1.0)
    assert parse_timeout("1", minimum=1.0) == 1.0


@pytest.mark.parametrize(
    ("text", "expected"),
    [("7d", dt.timedelta(days=7)), ("36h", dt.timedelta(hours=36)), ("3", dt.timedelta(days=3))],
)
def test_parse_duration(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["99999999999999d", "1000000000d", "87700h", "3654d"])
def test_parse_duration_is_bounded_without_overflow(text):
    with pytest.raises(InputError, match="too long; expected at most 3653 days"):
        parse_duration(text)


def test_parse_duration_units_and_names_are_the_callers():
    assert parse_duration("45s", option="--wait", units="sm", default_unit="s") == dt.timedelta(
        seconds=45
    )
    with pytest.raises(
        InputError, match=r"--wait '2d': expected a positive duration such as 30s or 90m"
    ):
        parse_duration("2d", option="--wait", units="sm", default_unit="s")


def test_check_note():
    assert check_note(None) is None
    assert check_note("é" * (MAX_NOTE_BYTES // 2)) == "é" * (MAX_NOTE_BYTES // 2)
    with pytest.raises(InputError, match="4098 bytes; expected at most 4096"):
        check_note("é" * (MAX_NOTE_BYTES // 2 + 1))
    with pytest.raises(InputError, match="byte 0xfe at character 3 is not UTF-8"):
        check_note(b"ab\xfe".decode("utf-8", "surrogateescape"))


def test_escape_control_keeps_text_and_shows_escapes():
    assert escape_control("Loa Bakung\tselesai\n") == "Loa Bakung\tselesai\n"
    assert escape_control("a\x1b[31mb\x07\u202ec") == "a\\x1b[31mb\\x07\\u202ec"


@pytest.mark.parametrize(
    ("fmt", "output", "expected"),
    [
        (None, "x.xlsx", "xlsx"),
        (None, "X.CSV", "csv"),
        (None, "x", "html"),
        (None, None, "html"),
        ("json", "-", "json"),
        ("csv", "x.txt", "csv"),
        ("xlsx", "x.xlsx", "xlsx"),
    ],
)
def test_the_report_format_follows_the_extension(fmt, output, expected):
    path = Path(output) if output else None
    assert choose_format(fmt, path, _REPORT_EXTENSIONS, "html") == expected


def test_a_contradiction_is_refused():
    with pytest.raises(InputError, match=re.escape("--format html contradicts --output x.pdf")):
        choose_format("html", Path("x.pdf"), _PACK_EXTENSIONS, "html")
    assert choose_format(None, Path("x.pdf"), _PACK_EXTENSIONS, "html") == "pdf"


def test_ctrl_c_in_a_command_says_interrupted_and_exits_130(monkeypatch):
    from digikel.cli.common import Context

    def interrupted(self):
        raise KeyboardInterrupt  # what the operator's Ctrl-C raises in the middle of the work

    monkeypatch.setattr(Context, "load_inventory", interrupted)
    result = runner.invoke(app, ["inventory", "list", "--json"])
    assert result.exit_code == 130
    assert result.stderr == "error: interrupted\n"
    assert json.loads(result.stdout)["error"] == {
        "message": "interrupted",
        "code": 130,
        "type": "interrupted",
    }
