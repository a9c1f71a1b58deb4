"""`digikel status`: placeholder until the readiness issue lands."""

from __future__ import annotations

import typer


def status(ctx: typer.Context) -> None:
    """Show every site's readiness against the targets."""
    raise typer.Exit(1)
