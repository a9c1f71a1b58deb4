"""The `digikel` command line: parses arguments and renders output, holds no domain logic."""

from __future__ import annotations

import gc
import sys
from pathlib import Path
from typing import Annotated

import typer

from digikel import __version__
from digikel.cli import history as history_cmd
from digikel.cli import inventory as inventory_cmd
from digikel.cli import lab as lab_cmd
from digikel.cli import labsvc as labsvc_cmd
from digikel.cli import network as network_cmd
from digikel.cli import report as report_cmd
from digikel.cli import rollout as rollout_cmd
from digikel.cli import site as site_cmd
from digikel.cli import status as status_cmd
from digikel.cli.common import Context, default_inventory_path
from digikel.errors import DigikelError

app = typer.Typer(
    name="digikel",
    help="Roll out and track the standard IT package of Samarinda's 59 kelurahan offices.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(inventory_cmd.app, name="inventory")
app.add_typer(network_cmd.app, name="network")
app.add_typer(lab_cmd.app, name="lab")
lab_cmd.app.add_typer(labsvc_cmd.app, name="services")
app.add_typer(site_cmd.app, name="site")
app.add_typer(report_cmd.app, name="report")
app.command(name="status")(status_cmd.status)
app.command(name="rollout")(rollout_cmd.rollout)
app.add_typer(history_cmd.app, name="history")


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
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """Roll out and track the standard IT package of Samarinda's 59 kelurahan offices."""
    ctx.obj = Context(
        json=json_output,
        verbose=verbose,
        debug=debug,
        inventory_path=inventory or default_inventory_path(),
    )


def main() -> None:
    """Entry point: Typer handles usage errors (exit 2); known errors become clear messages."""
    # A command starts by importing SQLAlchemy, pydantic and typer: ~10^5 objects that live
    # until exit. Python's default, a collection every 700 new objects, ran ~160 collections
    # over them in `digikel status` (~30 ms, a tenth of it); every 10,000 still collects a
    # long rollout's garbage in good time.
    gc.set_threshold(10_000)
    debug = "--debug" in sys.argv
    try:
        app()
    except DigikelError as exc:  # commands wear @handles_errors; this catches the callback's
        if debug:
            raise
        sys.stderr.write(f"error: {exc}\n")
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(130)
    except Exception as exc:  # the last line of defence: no traceback for operators
        if debug:
            raise
        sys.stderr.write(f"error: {type(exc).__name__}: {exc} (run with --debug for details)\n")
        sys.exit(1)
    finally:
        # The process is about to end: spare the interpreter's shutdown from garbage-collecting
        # the ~10^5 objects of SQLAlchemy, pydantic and typer cycle by cycle (30-50 ms of
        # `digikel status`). Python does not promise finalizers at exit anyway, and the
        # commands close their files and the store themselves.
        gc.freeze()
