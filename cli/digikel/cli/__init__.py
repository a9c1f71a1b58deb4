"""The `digikel` command line: parses arguments and renders output, holds no domain logic."""

from __future__ import annotations

import copy
import gc
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer

# Typer 0.2x vendors Click; its usage errors are these classes (Click's own are not raised).
from typer._click.exceptions import ClickException, NoArgsIsHelpError
from typer.core import TyperGroup

from digikel import __version__
from digikel.cli.cheap_params import cheap_param, cheap_params
from digikel.cli.common import Context, error_extra, report_error, show_logs
from digikel.errors import DigikelError

GLOBAL_PANEL = "Global options (before or after the command)"
# The command tree, by name: module, attribute (a Typer group or a command function) and the
# one-line help `digikel --help` shows. A command's module is imported only when that command
# runs (or shows its own help): start-up pays for one group, never for the whole tree.
# tests/unit/cli/test_startup.py holds each line equal to the module's own help.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "status": (
        "digikel.cli.status",
        "status",
        "Readiness per kecamatan and per site, progress against the targets, and blockers.",
    ),
    "rollout": (
        "digikel.cli.rollout",
        "rollout",
        "Roll out sites through preflight, network, endpoints and verify.",
    ),
    "inventory": ("digikel.cli.inventory", "app", "Validate, list and show the inventory."),
    "network": (
        "digikel.cli.network",
        "app",
        "Network gear (RouterOS, IOS) through Netmiko: render, backup, diff, push, verify, "
        "rollback, trust.",
    ),
    "lab": (
        "digikel.cli.lab",
        "app",
        "Simulated network devices (RouterOS, IOS) over real SSH on 127.64.x.y.",
    ),
    "site": ("digikel.cli.site", "app", "Mark, unmark and show a site's readiness."),
    "endpoints": ("digikel.cli.endpoints", "app", "Day 0 of counter PCs and displays."),
    "report": (
        "digikel.cli.report",
        "app",
        "The city's readiness report (html, csv, json, xlsx) and handover evidence packs.",
    ),
    "history": (
        "digikel.cli.history",
        "app",
        "Recorded runs: who ran what, when, and what it changed.",
    ),
    "watch": (
        "digikel.cli.watch",
        "watch",
        "Watch sites read-only: network drift, endpoint drift, printers, portal and applications.",
    ),
    "drift": (
        "digikel.cli.drift",
        "drift",
        "What differs from what was delivered, per site and device or host, newest first.",
    ),
}
# The root's options that every command also accepts after its own name.
GLOBAL_OPTIONS = ("--json", "--verbose", "--debug", "--inventory", "--project")
# Metavars of value options whose name alone would read oddly in help.
_METAVARS = {
    "--inventory": "FILE",
    "--project": "DIR",
    "--output": "FILE",
    "--backup-dir": "DIR",
    "--date": "DATE",
    "--max-age": "AGE",
    "--timeout": "SECONDS",
    "--lang": "id|en",
}


def _late_global(ctx: Any, param: Any, value: Any) -> Any:
    """Callback of a global option given after a command: set it on the shared Context."""
    state = ctx.find_object(Context)
    if state is None or value in (None, False, ()):
        return value
    state.set_option(param.name, value)
    return value


def _metavar(param: Any) -> str:
    """`--site SITE`, `--workers N`, `--format html|csv`: what a value looks like, no <type>."""
    desc = getattr(param, "type_descriptor", None)
    if desc is not None and desc.is_choice and desc.choices:
        return "|".join(str(getattr(c, "value", c)) for c in desc.choices)
    if param.param_type_name == "argument":
        return str(param.name).upper()
    long = next((o for o in param.opts if o.startswith("--")), param.opts[0])
    if long in _METAVARS:
        return str(_METAVARS[long])
    if desc is not None and not desc.is_list and desc.annotation in (int,):
        return "N"
    return str(long).lstrip("-").replace("-", "_").upper()


def _tidy_help(command: Any) -> None:
    """Help without type noise: flags show no type, value options a metavar (`--site SITE`);
    and values that need no validation skip Typer's pydantic validators (cheap_params)."""
    cheap_params(command)
    for param in command.params:
        if param.metavar is not None:
            continue
        if param.param_type_name == "argument":
            # `SITE` in usage and help; the type column only lists choices (`a|b`).
            choices = _metavar(param) if param.type_descriptor.is_choice else None
            param.metavar = param.name.upper()
            param.display_type_rich = lambda ctx, shown=choices: shown
        elif param.param_type_name == "option":
            param.metavar = "" if (param.is_flag or param.count) else _metavar(param)
    original = command.get_help_option

    def help_option(ctx: Any) -> Any:
        option = original(ctx)
        if option is not None:
            option.metavar = ""
            cheap_param(option)
        return option

    command.get_help_option = help_option


def _load(name: str) -> Any:
    """The Click command of COMMANDS[name], built from its module on first use."""
    import importlib

    import typer.main

    module, attribute, _ = COMMANDS[name]
    target = getattr(importlib.import_module(module), attribute)
    command: Any
    if isinstance(target, typer.Typer):
        command = typer.main.get_group(target)
    else:  # a command function: a Typer of one command builds to that command itself
        single = typer.Typer(add_completion=False)
        single.command(name=name)(target)
        command = typer.main.get_command(single)
    command.name = name
    _plain_help(command)
    return command


def _plain_help(command: Any) -> None:
    """Click's own help formatter everywhere: Typer's rich one imports rich.markdown and
    markdown_it (~0.16 s) before a single line of help is written."""
    command.rich_markup_mode = None
    for sub in getattr(command, "commands", {}).values():
        _plain_help(sub)


def _spread_globals(root: Any, command: Any) -> None:
    """Give `command` and everything below it a copy of the root's global options, so that
    `digikel inventory validate -i FILE` and `digikel status --json` parse like their
    forms with the options first. Click parses the copies in the command's own context
    (option values are never mistaken for options) and _late_global stores them."""
    templates = [p for p in root.params if p.opts and p.opts[0] in GLOBAL_OPTIONS]
    taken = {o for p in command.params for o in (*p.opts, *p.secondary_opts)}
    for template in templates:
        opts = [o for o in template.opts if o not in taken]
        if not opts:  # the command has an option of that name itself: it wins
            continue
        late = copy.copy(template)
        late.opts = opts
        late.callback = _late_global
        late.expose_value = False
        late.rich_help_panel = GLOBAL_PANEL
        command.params.append(late)
    _tidy_help(command)
    for sub in getattr(command, "commands", {}).values():
        _spread_globals(root, sub)


class DigikelGroup(TyperGroup):
    """The root command: global options anywhere, and one way of reporting every error.

    Every error ends as `error: ...` on stderr with its exit code (2 for bad input and
    usage, 1 for failures); with --json also as {"error": {...}} on stdout. No traceback
    unless --debug.
    """

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        _tidy_help(self)
        self._spread: set[str] = set()
        # The global options as parsed (set once the root callback ran): how errors escaping
        # the command are reported (--debug, --json) comes from here, never from sys.argv.
        self.parsed: Context | None = None

    def list_commands(self, ctx: Any) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        # The command's module is imported here, when it is first looked up, and the command
        # gets the global options then: a run pays for its own group only.
        command = self.commands.get(cmd_name)
        if command is None and cmd_name in COMMANDS:
            command = self.commands[cmd_name] = _load(cmd_name)
        if command is not None and cmd_name not in self._spread:
            self._spread.add(cmd_name)
            _spread_globals(self, command)
        return command

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        """The command list from COMMANDS' one-liners: `digikel --help` imports no command."""
        rows = [(name, help_line) for name, (_, _, help_line) in COMMANDS.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            # Say so (Typer would exit 130 silently), on stderr and in --json's document.
            state = ctx.find_object(Context)
            report_error("interrupted", 130, json_output=bool(state and state.json))
            raise typer.Exit(130) from None
        finally:
            self.parsed = ctx.find_object(Context)

    # click declares main() with overloads per standalone_mode; one implementation serves both.
    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        argv = list(sys.argv[1:] if args is None else args)
        code = _run(self, argv, prog_name, complete_var, extra)
        if standalone_mode:
            sys.exit(code)
        return code


def _json_wanted(command: DigikelGroup, argv: list[str]) -> bool:
    """--json as parsed, or as written: an error while parsing (a bad value before a late
    --json) stops Click before it reaches --json, yet the program that asked for JSON is still
    owed an error document. (--debug is never taken from the words: see _debug.)"""
    if command.parsed is not None and command.parsed.json:
        return True
    return "--json" in (argv[: argv.index("--")] if "--" in argv else argv)


def _debug(command: DigikelGroup) -> bool:
    """--debug as parsed: a value that happens to read "--debug" (a note, a file) is not it."""
    return command.parsed is not None and command.parsed.debug


def _run(
    command: DigikelGroup,
    argv: list[str],
    prog_name: str | None,
    complete_var: str | None,
    extra: dict[str, Any],
) -> int:
    try:
        result = TyperGroup.main(
            command,
            args=argv,
            prog_name=prog_name or "digikel",
            complete_var=complete_var,
            standalone_mode=False,
            **extra,
        )
        return result if isinstance(result, int) else 0
    except NoArgsIsHelpError as exc:  # `digikel network`: the group's help, exit 2
        exc.show()
        return exc.exit_code
    except ClickException as exc:  # usage: unknown option, missing argument, bad choice
        ctx = getattr(exc, "ctx", None)
        if ctx is not None:  # the usage line and where to read more, then the error line
            sys.stderr.write(f"{ctx.get_usage()}\nTry '{ctx.command_path} --help' for help.\n")
        json_output = _json_wanted(command, argv)
        report_error(exc.format_message(), exc.exit_code, json_output=json_output, usage=True)
        return exc.exit_code
    except typer.Abort:
        report_error("aborted", 1, json_output=_json_wanted(command, argv))
        return 1
    except DigikelError as exc:
        if _debug(command):
            raise
        json_output = _json_wanted(command, argv)
        report_error(str(exc), exc.exit_code, json_output=json_output, **error_extra(exc))
        return exc.exit_code
    except KeyboardInterrupt:  # while parsing, before any command ran
        report_error("interrupted", 130, json_output=_json_wanted(command, argv))
        return 130
    except Exception as exc:  # the last line of defence: no traceback for operators
        if _debug(command):
            raise
        code = 1
        message = f"{_describe(exc)} (run with --debug for details)"
        if isinstance(exc, ModuleNotFoundError) and exc.name in LAB_EXTRA_MODULES:
            # The lab is an optional extra (digikel[lab]): say how to get it.
            code = 2
            message = (
                "this command needs the lab, an optional part of digikel not installed here "
                f"({exc.name} is missing): pip install 'digikel[lab]'"
            )
        report_error(message, code, json_output=_json_wanted(command, argv))
        return code


# What `pip install 'digikel[lab]'` adds: without it only the lab's commands fail.
LAB_EXTRA_MODULES = frozenset({"asyncssh"})


def _describe(exc: BaseException) -> str:
    """An unexpected exception in one line, never with SQL or its parameters."""
    if type(exc).__module__.startswith("sqlalchemy"):
        orig = getattr(exc, "orig", None)
        return f"database error: {orig if orig is not None else type(exc).__name__}"
    return f"{type(exc).__name__}: {exc}"


app = typer.Typer(
    name="digikel",
    help="Roll out and track the standard IT package of Samarinda's 59 kelurahan offices.",
    cls=DigikelGroup,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,  # see _plain_help
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"digikel {__version__}")
        raise typer.Exit()


@app.callback()
def callback(
    ctx: typer.Context,
    json_output: Annotated[
        bool, typer.Option("--json", help="Print one JSON document on stdout.")
    ] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Say more.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks.")] = False,
    inventory: Annotated[
        Path | None,
        typer.Option(
            "--inventory",
            "-i",
            help="Inventory file (env DIGIKEL_INVENTORY; default inventory/lab/digikel.yml).",
            show_default=False,
        ),
    ] = None,
    project: Annotated[
        Path | None,
        typer.Option(
            "--project",
            help="Project root: the folder holding inventory/ (default: the inventory's, "
            "else the nearest above the current folder). Backups and lab state live there.",
            show_default=False,
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """Roll out and track the standard IT package of Samarinda's 59 kelurahan offices."""
    show_logs(verbose)
    ctx.obj = Context(
        json=json_output,
        verbose=verbose,
        debug=debug,
        inventory_path=inventory,
        project_path=project,
        cwd=Path.cwd(),
    )


def main() -> None:
    """Entry point of the console script: the root group reports every error (DigikelGroup)."""
    # A command starts by importing SQLAlchemy, pydantic and typer: ~10^5 objects that live
    # until exit. Python's default, a collection every 700 new objects, ran ~160 collections
    # over them in `digikel status` (~30 ms, a tenth of it); every 10,000 still collects a
    # long rollout's garbage in good time.
    gc.set_threshold(10_000)
    try:
        app()
    finally:
        # The process is about to end: spare the interpreter's shutdown from garbage-collecting
        # the ~10^5 objects of SQLAlchemy, pydantic and typer cycle by cycle (30-50 ms of
        # `digikel status`). Python does not promise finalizers at exit anyway, and the
        # commands close their files and the store themselves.
        gc.freeze()
