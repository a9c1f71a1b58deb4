"""Hostile and careless input to the real CLI, one row per case: each is refused with exit 2
and a message that names the place and what was expected, leaves the store as it was, shows
no traceback and no SQL, and with --json (given after the command) also answers with a JSON
error document on stdout.

Real parts only: the root app through CliRunner (and the console script in a subprocess
where the process boundary matters), SQLite files, PostgreSQL when DIGIKEL_TEST_PG_URL is set.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

Setup = Callable[[Path, pytest.MonkeyPatch, str], "Path | None"]


@contextmanager
def read_only(path: Path) -> Iterator[None]:
    """Make `path` read-only for this process, for real: root ignores permission bits, so
    as root the file or folder is made immutable (chattr +i), otherwise chmod takes it."""
    if os.geteuid() != 0:
        mode = path.stat().st_mode
        path.chmod(0o555 if path.is_dir() else 0o444)
        try:
            yield
        finally:
            path.chmod(mode)
        return
    if shutil.which("chattr") is None:
        pytest.skip("root without chattr cannot make a path read-only")
    done = subprocess.run(["chattr", "+i", str(path)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"chattr +i not supported here: {done.stderr.strip()}")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


@dataclass(frozen=True)
class Case:
    id: str
    args: list[str]
    message: str  # must appear in the error line on stderr (and in the JSON document)
    code: int = 2
    setup: Setup | None = None
    sqlite_only: bool = False
    hold_read_only: str | None = None  # "folder": <tmp>/locked, "store": the SQLite file
    json_own_document: bool = False  # the command answers --json with its own document
    secrets: list[str] = field(default_factory=list)  # must never appear in any output


def _env(name: str, value: str) -> Setup:
    def setup(tmp: Path, monkeypatch: pytest.MonkeyPatch, url: str) -> Path | None:
        monkeypatch.setenv(name, value.format(tmp=tmp))
        return None

    return setup


def _corrupt_store(tmp: Path, monkeypatch: pytest.MonkeyPatch, url: str) -> Path:
    # A file that is not a database where the store should be (a copy gone wrong, a typo).
    path = tmp / "broken" / "digikel.db"
    path.parent.mkdir()
    path.write_bytes(b"this is not an SQLite database, just 64 bytes of text, padded..\n")
    monkeypatch.setenv("DIGIKEL_DB_URL", f"sqlite:///{path}")
    return path


def _corrupt_page(tmp: Path, monkeypatch: pytest.MonkeyPatch, url: str) -> Path:
    # A real store whose header was overwritten: SQLite's "file is not a database".
    source = Path(url.removeprefix("sqlite:///"))
    path = tmp / "damaged.db"
    data = bytearray(source.read_bytes())
    data[0:16] = b"XXXXXXXXXXXXXXXX"
    path.write_bytes(bytes(data))
    monkeypatch.setenv("DIGIKEL_DB_URL", f"sqlite:///{path}")
    return path


def _read_only_uri(tmp: Path, monkeypatch: pytest.MonkeyPatch, url: str) -> Path:
    # SQLite's own read-only mode on the real store file.
    path = Path(url.removeprefix("sqlite:///"))
    monkeypatch.setenv("DIGIKEL_DB_URL", f"sqlite:///file:{path}?mode=ro&uri=true")
    return path


def _directory_in_the_way(tmp: Path, monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    (tmp / "laporan.html").mkdir()
    (tmp / "pack.html").mkdir()


def _config_bytes(tmp: Path, monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    config = tmp / "config.toml"
    config.write_bytes(data)
    monkeypatch.setenv("DIGIKEL_CONFIG", str(config))


def _config(text: str) -> Setup:
    def setup(tmp: Path, monkeypatch: pytest.MonkeyPatch, url: str) -> None:
        config = tmp / "config.toml"
        config.write_text(text)
        monkeypatch.setenv("DIGIKEL_CONFIG", str(config))

    return setup


def _config_store(url: str) -> Setup:
    def setup(tmp: Path, monkeypatch: pytest.MonkeyPatch, store_url: str) -> None:
        monkeypatch.delenv("DIGIKEL_DB_URL")
        _config(f'[store]\nurl = "{url}"\n')(tmp, monkeypatch, store_url)

    return setup


def _backup_dir_is_a_file(tmp: Path, monkeypatch: pytest.MonkeyPatch, url: str) -> Path:
    path = tmp / "backups"
    path.write_text("a file where the backup folder should be\n")
    monkeypatch.setenv("DIGIKEL_BACKUP_DIR", str(path))
    return path


def _broken_router_template(tmp: Path, monkeypatch: pytest.MonkeyPatch, url: str) -> Path:
    # A template edit gone wrong: a tag left unclosed. Nothing may reach any device.
    from digikel.network import render

    templates = tmp / "templates"
    shutil.copytree(render.templates_dir(), templates)
    router = templates / "routeros" / "router.rsc.j2"
    router.write_text(router.read_text().replace("{% endfor %}", "{% endfor", 1))
    monkeypatch.setattr(render, "templates_dir", lambda: templates)
    return router


SITE = "loa-bakung"
NOTE_SECRET = "catatan-rahasia-8841"

CASES = [
    # --- notes: valid UTF-8 only, and short --------------------------------------------------
    Case(
        "note-not-utf8",
        ["site", "mark", SITE, "inaugurated", "--note", "peresmian \udcff\udcfe oleh camat"],
        "--note: byte 0xff at character 11 is not UTF-8; expected text in UTF-8",
    ),
    Case(
        "note-100kb",
        ["site", "mark", SITE, "inaugurated", "--note", "x" * 100_000],
        "--note: 100000 bytes; expected at most 4096 bytes",
    ),
    Case(
        "note-just-too-long-in-utf8",
        # 2049 two-byte characters: 2049 characters but 4098 bytes.
        ["site", "unmark", SITE, "physical-done", "--note", "é" * 2049],
        "--note: 4098 bytes; expected at most 4096 bytes",
    ),
    # --- durations: positive and bounded -----------------------------------------------------
    Case(
        "max-age-overflow",
        ["status", "--max-age", "99999999999999d"],
        "--max-age '99999999999999d': too long; expected at most 3653 days",
    ),
    Case(
        "max-age-hours-overflow",
        ["site", "show", SITE, "--max-age", "1000000h"],
        "--max-age '1000000h': too long; expected at most 3653 days",
    ),
    Case("max-age-zero", ["status", "--max-age", "0d"], "expected a positive age"),
    Case("max-age-negative", ["status", "--max-age=-3d"], "expected a positive age"),
    Case("max-age-inf", ["status", "--max-age", "inf"], "expected a positive age"),
    Case("max-age-nan", ["report", "--max-age", "nan", "-o", "x.csv"], "expected a positive age"),
    Case(
        "config-max-age-inf",
        ["status"],
        "readiness.max_age_days: expected a positive number of days, at most 3653",
        setup=_config("[readiness]\nmax_age_days = inf\n"),
    ),
    Case(
        "config-not-utf8",
        ["status"],
        "config.toml: byte 2 is not UTF-8; expected a TOML file (UTF-8 text)",
        setup=lambda tmp, mp, url: _config_bytes(tmp, mp, b"a=\xbf\xfe\n"),
    ),
    Case(
        "config-is-a-directory",
        ["status"],
        "the config file is a directory; expected a TOML file",
        setup=_env("DIGIKEL_CONFIG", "{tmp}"),
    ),
    Case(
        "config-not-toml",
        ["status"],
        "config.toml: cannot read the config file:",
        setup=_config("[store\nurl = \n"),
    ),
    Case(
        "config-store-url-not-a-string",
        ["status"],
        "store.url: expected an SQLAlchemy URL string",
        setup=lambda tmp, mp, url: (
            mp.delenv("DIGIKEL_DB_URL"),
            _config("[store]\nurl = 5\n")(tmp, mp, url),
        )[1],
    ),
    Case(
        "config-max-age-huge",
        ["status"],
        "readiness.max_age_days: expected a positive number of days, at most 3653",
        setup=_config("[readiness]\nmax_age_days = 1e300\n"),
    ),
    # --- report outputs ----------------------------------------------------------------------
    Case(
        "report-into-read-only-folder",
        ["report", "-o", "locked/laporan.html"],
        "--output locked/laporan.html: cannot write:",
        hold_read_only="folder",
    ),
    Case(
        "pack-into-read-only-folder",
        ["report", "acceptance", SITE, "-o", "locked/pack.html"],
        "--output locked/pack.html: cannot write:",
        hold_read_only="folder",
    ),
    Case(
        "report-onto-a-directory",
        ["report", "-o", "laporan.html"],
        "--output laporan.html: is a directory; expected a file name",
        setup=_directory_in_the_way,
    ),
    Case(
        "pack-onto-a-directory",
        ["report", "acceptance", SITE, "-o", "pack.html"],
        "--output pack.html: is a directory; expected a file name",
        setup=_directory_in_the_way,
    ),
    Case(
        "report-under-a-file",
        ["report", "-o", "no-folder.txt/laporan.csv"],
        "no-folder.txt is not a directory; expected a folder",
        setup=_config(""),  # config.toml only; the file in the way is made below
    ),
    Case(
        "report-format-contradicts-extension",
        ["report", "-o", "x.xlsx", "--format", "csv"],
        "--format csv contradicts --output x.xlsx (a xlsx file)",
    ),
    Case(
        "report-extension-names-no-format",
        ["report", "-o", "x.pdf"],
        "--output x.pdf: .pdf names no format of this report",
    ),
    Case(
        "pack-format-contradicts-extension",
        ["report", "acceptance", SITE, "-o", "x.pdf", "--format", "html"],
        "--format html contradicts --output x.pdf (a pdf file)",
    ),
    Case(
        "pack-extension-names-no-format",
        ["report", "acceptance", SITE, "-o", "x.xlsx"],
        "--output x.xlsx: .xlsx names no format of this report",
    ),
    Case(
        "report-output-given-twice",
        ["report", "-o", "a.html", "acceptance", SITE, "-o", "b.html"],
        "--output given twice (a.html before 'acceptance', b.html after it)",
    ),
    Case(
        "report-city-format-to-pack",
        ["report", "--format", "xlsx", "acceptance", SITE],
        "--format xlsx: the evidence pack is html or pdf",
    ),
    Case("report-xlsx-to-stdout", ["report", "-o", "-", "-f", "xlsx"], "xlsx needs a file"),
    Case("pack-to-stdout", ["report", "acceptance", SITE, "-o", "-"], "needs a file"),
    # --- stores ------------------------------------------------------------------------------
    Case(
        "store-in-memory",
        ["site", "mark", SITE, "inaugurated", "--note", "will vanish"],
        "store URL 'sqlite://' (DIGIKEL_DB_URL): an in-memory database keeps nothing",
        setup=_env("DIGIKEL_DB_URL", "sqlite://"),
    ),
    Case(
        "store-memory-path",
        ["status"],
        "store URL 'sqlite:///:memory:' (DIGIKEL_DB_URL): an in-memory database",
        setup=_env("DIGIKEL_DB_URL", "sqlite:///:memory:"),
    ),
    Case(
        "store-memory-uri",
        ["status"],
        "an in-memory database keeps nothing",
        setup=_env("DIGIKEL_DB_URL", "sqlite:///file:x?mode=memory&uri=true"),
    ),
    Case(
        "store-memory-in-config",
        ["status"],
        "config.toml): an in-memory database keeps nothing",
        setup=_config_store("sqlite://"),
    ),
    Case(
        "store-postgres-port-99999",
        ["status"],
        "store URL 'postgresql+psycopg://digikel:***@localhost:99999/digikel' "
        "(DIGIKEL_DB_URL): port 99999: expected a TCP port from 1 to 65535",
        setup=_env(
            "DIGIKEL_DB_URL", "postgresql+psycopg://digikel:pw-9931@localhost:99999/digikel"
        ),
        secrets=["pw-9931"],
    ),
    Case(
        "store-port-not-a-number",
        ["status"],
        "expected an SQLAlchemy URL such as sqlite:///path/digikel.db",
        setup=_env("DIGIKEL_DB_URL", "postgresql+psycopg://digikel:pw-7713@localhost:port/x"),
        secrets=["pw-7713"],
    ),
    Case(
        "store-not-a-url",
        ["status"],
        "store URL 'digikel.db' (DIGIKEL_DB_URL): expected an SQLAlchemy URL",
        setup=_env("DIGIKEL_DB_URL", "digikel.db"),
    ),
    Case(
        "store-unknown-driver",
        ["status"],
        "unknown database dialect or driver 'oracle+nosuch'",
        setup=_env("DIGIKEL_DB_URL", "oracle+nosuch://u@h/db"),
    ),
    Case(
        "store-not-a-database",
        ["site", "mark", SITE, "inaugurated", "--note", NOTE_SECRET],
        "/broken/digikel.db: it is not an SQLite database",
        setup=_corrupt_store,
        secrets=[NOTE_SECRET, "INSERT", "SELECT", "PRAGMA"],
    ),
    Case(
        "store-header-overwritten",
        ["status"],
        "damaged.db: it is not an SQLite database",
        setup=_corrupt_page,
        sqlite_only=True,
        secrets=["SELECT"],
    ),
    Case(
        "store-read-only-uri",
        ["site", "mark", SITE, "inaugurated", "--note", NOTE_SECRET],
        "/store/digikel.db: it is read-only; expected write access to the file and its folder",
        setup=_read_only_uri,
        sqlite_only=True,
        secrets=[NOTE_SECRET, "INSERT", "site_marks", "sari"],
    ),
    Case(
        "store-read-only-file",
        ["site", "mark", SITE, "inaugurated", "--note", NOTE_SECRET],
        "/store/digikel.db: it is read-only; expected write access to the file and its folder",
        sqlite_only=True,
        hold_read_only="store",
        secrets=[NOTE_SECRET, "INSERT", "site_marks"],
    ),
    # --- sites, dates, languages, runs, inventories, usage -----------------------------------
    Case("unknown-site", ["site", "mark", "atlantis", "inaugurated"], "unknown site 'atlantis'"),
    Case(
        "date-malformed",
        ["site", "mark", SITE, "inaugurated", "--date", "31/05/2024"],
        "--date '31/05/2024': expected a date as YYYY-MM-DD",
    ),
    Case(
        "date-future",
        ["site", "mark", SITE, "physical-done", "--date", "2999-01-01"],
        "--date 2999-01-01: lies in the future",
    ),
    Case("lang-unknown", ["status", "--lang", "jv"], "--lang 'jv'"),
    Case("history-unknown-run", ["history", "show", "987654"], "unknown run 987654"),
    Case(
        "history-run-beyond-64-bits",
        ["history", "show", "99999999999999999999"],
        "unknown run 99999999999999999999: expected the id of a recorded run",
    ),
    Case(
        "history-limit-beyond-64-bits",
        ["history", "-n", "99999999999999999999"],
        "'--limit' / '-n': Input should be less than or equal to 10000",
    ),
    Case("history-limit-zero", ["history", "--limit", "0"], "'--limit' / '-n'"),
    Case(
        "unknown-kecamatan",
        ["status", "-k", "Atlantis"],
        "unknown kecamatan 'Atlantis': expected one of Loa Janan Ilir",
    ),
    Case(
        "date-before-programme",
        ["site", "mark", SITE, "inaugurated", "--date", "0001-01-01"],
        "--date 0001-01-01: before the programme began; expected 2020 or later",
    ),
    Case(
        "inventory-missing-after-command",
        ["inventory", "validate", "-i", "nowhere/digikel.yml"],
        "nowhere/digikel.yml: file not found",
        json_own_document=True,
    ),
    Case(
        "inventory-missing-for-status",
        ["status", "--inventory", "nowhere/digikel.yml"],
        "nowhere/digikel.yml: file not found",
    ),
    Case("unknown-option", ["status", "--colour"], "No such option: --colour"),
    Case("unknown-mark-word", ["site", "mark", SITE, "painted"], "painted"),
    # --- network: refused before any device is contacted, anything locked or recorded --------
    Case("network-timeout-nan", ["network", "diff", "-s", SITE, "--timeout", "nan"], "--timeout"),
    Case("network-timeout-inf", ["network", "push", "-s", SITE, "--timeout", "inf"], "--timeout"),
    Case("network-timeout-zero", ["network", "backup", "-s", SITE, "--timeout", "0"], "--timeout"),
    Case(
        "network-backup-dir-is-a-file",
        ["network", "backup", "-s", SITE],
        "expected a folder, found a file",
        setup=_backup_dir_is_a_file,
    ),
    Case(
        "network-render-broken-template",
        ["network", "render", "-s", SITE, "-o", "build/never-written"],
        "router.rsc.j2:",
        setup=_broken_router_template,
    ),
    Case(
        "network-push-broken-template",
        ["network", "push", "-s", SITE, "--yes"],
        "template syntax error",
        setup=_broken_router_template,
    ),
    Case("network-unknown-host", ["network", "diff", "-H", "atlantis-rtr01"], "atlantis-rtr01"),
    Case("network-no-target", ["network", "push", "--yes"], "--all"),
]


def _prepare(case: Case, tmp: Path, monkeypatch: pytest.MonkeyPatch, url: str) -> Path | None:
    if case.id == "report-under-a-file":
        (tmp / "no-folder.txt").write_text("a file where a folder should be\n")
    if case.setup is not None:
        return case.setup(tmp, monkeypatch, url)
    return None


@pytest.mark.parametrize("mode", ["plain", "json"])
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_input_is_refused_cleanly(
    case: Case, mode: str, digikel, cli_env: str, tmp_path: Path, monkeypatch, snapshot
):
    is_sqlite = cli_env.startswith("sqlite")
    if case.sqlite_only and not is_sqlite:
        pytest.skip("an SQLite file case")
    before = snapshot(cli_env)
    hostile_file = _prepare(case, tmp_path, monkeypatch, cli_env)
    hostile_bytes = hostile_file.read_bytes() if hostile_file else None

    args = [*case.args, "--json"] if mode == "json" else list(case.args)
    if case.hold_read_only == "folder":
        locked = tmp_path / "locked"
        locked.mkdir()
        with read_only(locked):
            result = digikel(*args)
        assert list(locked.iterdir()) == [], "a refused report left a file behind"
    elif case.hold_read_only == "store":
        with read_only(Path(cli_env.removeprefix("sqlite:///"))):
            result = digikel(*args)
    else:
        result = digikel(*args)

    everything = result.stdout + result.stderr
    assert result.exit_code == case.code, (
        f"{case.args} -> {result.exit_code}\nstdout: {result.stdout}\nstderr: {result.stderr}"
    )
    assert case.message in result.stderr, result.stderr
    assert "Traceback" not in everything
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    for secret in case.secrets:
        assert secret not in everything, f"{secret!r} shown to the operator"
    if mode == "json":
        document = json.loads(result.stdout)
        if not case.json_own_document:
            assert document["error"]["code"] == case.code
            assert case.message in document["error"]["message"]
    else:
        assert result.stdout == "", "an error must not write the command's output"

    # Nothing recorded, nothing lost; the hostile file itself is left as it was.
    assert snapshot(cli_env) == before
    if hostile_file is not None and hostile_bytes is not None:
        assert hostile_file.read_bytes() == hostile_bytes


def test_the_snapshot_sees_a_change(digikel, cli_env, snapshot):
    """The store check above can fail: a successful mark changes the snapshot."""
    before = snapshot(cli_env)
    result = digikel("site", "mark", SITE, "inaugurated", "--note", "diresmikan camat")
    assert result.exit_code == 0, result.stderr
    assert snapshot(cli_env) != before


def test_a_note_with_terminal_escapes_is_kept_but_shown_escaped(digikel, cli_env):
    note = "\x1b[2J\x1b[31mdibatalkan\x1b[0m [bold]x[/bold]\u202eterbalik"
    assert digikel("site", "mark", SITE, "inaugurated", "--note", note).exit_code == 0
    shown = digikel("site", "show", SITE)
    assert shown.exit_code == 0, shown.stderr
    assert "\x1b" not in shown.stdout and "\u202e" not in shown.stdout
    assert "\\x1b[31mdibatalkan\\x1b[0m [bold]x[/bold]\\u202eterbalik" in shown.stdout
    # The record keeps the note exactly; JSON carries it escaped by JSON's own rules.
    document = json.loads(digikel("site", "show", SITE, "--json").stdout)
    assert document["components"]["inaugurated"]["note"] == note


def test_an_operator_name_is_printed_as_text(digikel, cli_env, monkeypatch):
    monkeypatch.setenv("DIGIKEL_OPERATOR", "[red]ana\x1b[1m")
    result = digikel("site", "mark", SITE, "inaugurated")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.rstrip().endswith("[red]ana\\x1b[1m")


def test_a_note_at_the_limit_is_accepted(digikel, cli_env):
    assert digikel("site", "mark", SITE, "inaugurated", "--note", "é" * 2048).exit_code == 0


def test_the_console_script_refuses_a_non_utf8_argument(cli_env, tmp_path, snapshot):
    """Through a real process: the bytes of a Latin-1 terminal, as the kernel passes them."""
    digikel = Path(sys.executable).with_name("digikel")
    before = snapshot(cli_env)
    done = subprocess.run(
        [
            os.fsencode(digikel),
            b"site",
            b"mark",
            SITE.encode(),
            b"inaugurated",
            b"--note",
            "Peresmian oleh Camat Loa Janan Ilir \xe9".encode("latin-1"),
            b"--json",
        ],
        capture_output=True,
        env={**os.environ, "LC_ALL": "C.UTF-8"},
        cwd=tmp_path,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    assert b"--note: byte 0xe9 at character 37 is not UTF-8" in done.stderr
    assert b"Traceback" not in done.stderr + done.stdout
    assert json.loads(done.stdout)["error"]["code"] == 2
    assert snapshot(cli_env) == before


def test_the_console_script_never_echoes_sql(cli_env, tmp_path):
    """A read-only store through a real process, with --debug absent: no statement, no
    values, the file named."""
    if not cli_env.startswith("sqlite"):
        pytest.skip("an SQLite file case")
    path = cli_env.removeprefix("sqlite:///")
    digikel = Path(sys.executable).with_name("digikel")
    done = subprocess.run(
        [str(digikel), "site", "mark", SITE, "inaugurated", "--note", NOTE_SECRET],
        capture_output=True,
        text=True,
        env={**os.environ, "DIGIKEL_DB_URL": f"sqlite:///file:{path}?mode=ro&uri=true"},
        cwd=tmp_path,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr == (
        f"error: store {path}: it is read-only; expected write access to the file and its folder\n"
    )
    assert NOTE_SECRET not in done.stdout + done.stderr
