"""`digikel inventory`: validate, list and show the city's inventory."""

from __future__ import annotations

import typer

app = typer.Typer(help="Validate, list and show the inventory.", no_args_is_help=True)
