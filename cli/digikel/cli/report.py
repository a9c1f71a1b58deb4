"""`digikel report`: placeholder until the readiness issue lands."""

from __future__ import annotations

import typer

app = typer.Typer(help="report commands.", no_args_is_help=True)
