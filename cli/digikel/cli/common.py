"""State, output and input helpers shared by every command group.

Input validators (parse_duration, parse_timeout, check_note, output_path) raise InputError
(exit 2) with the option's name and what was expected; commands of every group use them so
that bad input reads the same everywhere.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

# Durations and timeouts are parsed below the CLI (digikel.durations) so domain code can use them.
from digikel.durations import MAX_DURATION, MAX_TIMEOUT_SECONDS, parse_duration, parse_timeout
from digikel.errors import InputError

if TYPE_CHECKING:
    from rich.console import Console

    from digikel.inventory.model import Inventory
    from digikel.project import Project

DEFAULT_INVENTORY = Path("inventory") / "lab" / "digikel.yml"
# A note is a sentence or two kept with a record; 4 KiB holds a paragraph of Bahasa Indonesia
# and keeps a pasted log (or an attacker's 100 KB) out of the store and the reports.
MAX_NOTE_BYTES = 4096
# Longest accepted duration: ten years covers any readiness window; a larger figure is a typo
# (and beyond ~2.7 million years timedelta overflows).
# Longest accepted network timeout: an hour per command is already far beyond any device.
# Width of output that goes to a file or pipe without COLUMNS: wide enough that no table is cut.
PIPE_WIDTH = 10_000


class Context:
    """What the callback parsed: global options every command may read.

    The global options may also follow any command (`digikel inventory list --json`); the
    root group (digikel.cli) then sets them here while parsing that command's arguments, so
    the Project is found on first use, once every option is known.
    """

    def __init__(
        self,
        json: bool = False,
        verbose: bool = False,
        debug: bool = False,
        inventory_path: Path | None = None,
        project_path: Path | None = None,
        cwd: Path | None = None,
    ) -> None:
        self.json, self.verbose, self.debug = json, verbose, debug
        self.inventory_option = inventory_path  # --inventory / -i as given
        self.project_option = project_path  # --project as given
        self.cwd = cwd  # where the command runs: only to find a project, as a last resort
        self._project: Project | None = None

    def set_option(self, name: str, value: Any) -> None:
        """A global option given after the command (see digikel.cli._late_global)."""
        if name == "inventory":
            self.inventory_option, self._project = Path(value), None
        elif name == "project":
            self.project_option, self._project = Path(value), None
        else:
            setattr(self, {"json_output": "json"}.get(name, name), True)
        if name == "verbose":
            show_logs(True)

    @property
    def project(self) -> Project:
        """--project, else the project holding the inventory, else the one above the cwd."""
        if self._project is None:
            from digikel.project import Project

            inventory = self.inventory_option or _env_inventory()
            self._project = Project.discover(
                explicit=self.project_option, inventory=inventory, cwd=self.cwd or Path.cwd()
            )
        return self._project

    @property
    def inventory_path(self) -> Path:
        if self.inventory_option is not None:
            return self.inventory_option
        env = _env_inventory()
        if env is not None:
            return env
        project = self.project
        candidate = project.root / DEFAULT_INVENTORY
        return candidate if candidate.exists() or self.project_option else DEFAULT_INVENTORY

    @inventory_path.setter
    def inventory_path(self, value: Path) -> None:
        self.set_option("inventory", value)

    def load_inventory(self) -> Inventory:
        from digikel.inventory import load_inventory

        return load_inventory(self.inventory_path)

    def export_project(self, ctx: Any) -> None:
        """Until the command's context closes, the Project's folders in the environment.

        The rollout's stages open their own backup store and render templates without being
        handed a path; through these variables (which the lower modules honour) they use this
        project's, never the checkout's or a default. Set only where unset; restored after."""
        ctx.with_resource(_exported(self.project.environment()))


@contextlib.contextmanager
def _exported(variables: dict[str, str]) -> Iterator[None]:
    added = {k: v for k, v in variables.items() if k not in os.environ}
    os.environ.update(added)
    try:
        yield
    finally:
        for name in added:
            os.environ.pop(name, None)


def _env_inventory() -> Path | None:
    env = os.environ.get("DIGIKEL_INVENTORY")
    return Path(env) if env else None


# --- output ----------------------------------------------------------------------------------


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Log records on whatever sys.stderr is when they are emitted (a test's runner swaps it)."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def show_logs(on: bool = True) -> None:
    """--verbose: digikel's own log records (network/, rollout/, ...) on stderr, from DEBUG;
    without it only warnings (Python's default). Set for every command, not once per process:
    in-process tests run many commands, with and without --verbose."""
    logger = logging.getLogger("digikel")
    ours = [h for h in logger.handlers if isinstance(h, _StderrHandler)]
    if not on:
        for handler in ours:
            logger.removeHandler(handler)
        logger.setLevel(logging.NOTSET)
        return
    logger.setLevel(logging.DEBUG)
    if not ours:
        handler = _StderrHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)


def emit_json(obj: Any) -> None:
    """Print one JSON document on stdout (logs and progress go to stderr)."""
    sys.stdout.write(json.dumps(obj, indent=2, sort_keys=False, default=str) + "\n")


def _columns() -> int | None:
    try:
        value = int(os.environ.get("COLUMNS", ""))
    except ValueError:
        return None
    return value if value > 0 else None


def _console(*, stderr: bool) -> Console:
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    if stream.isatty():
        return Console(stderr=stderr)
    # A log or a pipe: plain text (no colour, no box drawing: _plain_table), as wide as
    # COLUMNS says, else wide enough that no value is ever cut.
    return plain_console(stderr=stderr, width=_columns() or PIPE_WIDTH, color_system=None)


def stderr_console() -> Console:
    """Progress, prompts and messages for the operator."""
    return _console(stderr=True)


def stdout_console() -> Console:
    """The command's output: on a terminal rich tables, in a pipe plain aligned text."""
    return _console(stderr=False)


def _plain_table(table: Any) -> Any:
    """The same table as plain aligned columns with full values (folded, never cut)."""
    from rich.box import Box

    # Columns separated by spaces, the header underlined with '-': greppable, and awk splits it.
    table.box = Box("    \n    \n -- \n    \n    \n    \n    \n    \n", ascii=True)
    table.show_edge = False
    table.pad_edge = False
    table.safe_box = True
    table.expand = False
    for column in table.columns:
        column.no_wrap = False
        column.overflow = "fold"
        column.max_width = None
    return table


def _make_plain_console_class() -> type[Console]:
    from rich.console import Console
    from rich.table import Table

    class _PlainConsole(Console):
        """A Console for logs and pipes: every rich Table it prints is rendered plain."""

        def print(self, *objects: Any, **kwargs: Any) -> None:
            objects = tuple(_plain_table(o) if isinstance(o, Table) else o for o in objects)
            kwargs.setdefault("soft_wrap", True)
            with self.capture() as captured:
                super().print(*objects, **kwargs)
            # No trailing blanks from padded cells: logs diff and grep cleanly.
            self.file.write("\n".join(line.rstrip() for line in captured.get().split("\n")))
            self.file.flush()

    return _PlainConsole


_PLAIN_CONSOLE: list[type[Console]] = []  # built on first use: rich is imported lazily


def plain_console(**kwargs: Any) -> Console:
    if not _PLAIN_CONSOLE:
        _PLAIN_CONSOLE.append(_make_plain_console_class())
    return _PLAIN_CONSOLE[0](**kwargs)


def confirm(question: str) -> bool:
    """Ask the operator on stderr (stdout stays the command's output); refuses without a tty."""
    import typer

    if not sys.stdin.isatty():
        raise InputError(f"{question} needs a terminal to answer; expected --yes")
    return bool(typer.confirm(question, err=True))


# --- errors ----------------------------------------------------------------------------------


def error_document(message: str, code: int, **extra: Any) -> dict[str, Any]:
    """The JSON form of an error: {"error": {"message", "code", "type", ...}}."""
    kind = {1: "failure", 2: "input", 3: "partial", 130: "interrupted"}.get(code, "failure")
    return {"error": {"message": message, "code": code, "type": kind, **extra}}


def report_error(message: str, code: int, *, json_output: bool, **extra: Any) -> None:
    """Say what went wrong: one line on stderr, and with --json also a JSON document on stdout."""
    sys.stderr.write(f"error: {message}\n")
    if json_output:
        emit_json(error_document(message, code, **extra))


def error_extra(exc: BaseException) -> dict[str, Any]:
    """Machine-readable details of a known error for its JSON document."""
    problems = getattr(exc, "problems", None)
    if problems:
        return {"problems": [p.as_dict() for p in problems]}
    return {}


def _state_of(kwargs: dict[str, Any]) -> Context | None:
    ctx = kwargs.get("ctx")
    state = getattr(ctx, "obj", None)
    return state if isinstance(state, Context) else None


def handles_errors(func: Any) -> Any:
    """Turn DigikelError into a clear message and its exit code, inside Typer's own run.

    Commands wear this so that CliRunner tests of a command group alone and the console
    script behave the same; under the root app the same report_error() handles everything
    else (usage errors, unexpected exceptions).
    """
    import functools

    import typer

    from digikel.errors import DigikelError

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except DigikelError as exc:
            state = _state_of(kwargs)
            if state is not None and state.debug:
                raise
            json_output = state.json if state else False
            report_error(str(exc), exc.exit_code, json_output=json_output, **error_extra(exc))
            raise typer.Exit(exc.exit_code) from None

    return wrapper


# --- input validators ------------------------------------------------------------------------

__all__ = ["MAX_DURATION", "MAX_TIMEOUT_SECONDS", "parse_duration", "parse_timeout"]

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def check_note(
    text: str | None, *, option: str = "--note", max_bytes: int = MAX_NOTE_BYTES
) -> str | None:
    """A note as given, if it is valid UTF-8 within `max_bytes`; else InputError (exit 2).

    Arguments that are not UTF-8 reach Python as lone surrogates (PEP 383): the position of
    the first such byte is named. Control characters are allowed in the store and escaped
    on display (escape_control).
    """
    if text is None:
        return None
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError as exc:
        raise InputError(
            f"{option}: byte {_raw_byte(text[exc.start])} at character {exc.start + 1} is not "
            f"UTF-8; expected text in UTF-8"
        ) from None
    if size > max_bytes:
        raise InputError(
            f"{option}: {size} bytes; expected at most {max_bytes} bytes (a short note)"
        )
    return text


def _raw_byte(char: str) -> str:
    code = ord(char)
    return f"0x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"U+{code:04X}"


def escape_control(text: str) -> str:
    """Text safe to print on a terminal: control characters (ANSI escapes included) and
    bidirectional overrides become visible escapes such as \\x1b; newlines and tabs stay."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def output_path(path: Path, *, option: str = "--output") -> Path:
    """Check that a report can be written at `path` before any work: not a directory, its
    folder creatable and writable. Raises InputError naming `option` and the path."""
    if str(path) == "-":
        return path
    if path.is_dir():
        raise InputError(f"{option} {path}: is a directory; expected a file name")
    folder = path.parent
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise InputError(f"{option} {path}: {existing} is not a directory; expected a folder")
    return path


def write_failed(path: Path, exc: OSError, *, option: str = "--output") -> InputError:
    """The InputError for an OSError while writing an output file (read-only folder, full
    disk, a directory in the way): names the file and the reason, never a raw exception."""
    reason = exc.strerror or type(exc).__name__
    return InputError(f"{option} {path}: cannot write: {reason}; expected a writable file path")
