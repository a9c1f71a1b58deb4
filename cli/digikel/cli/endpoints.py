"""`digikel endpoints`: day 0 of counter PCs and displays (the Debian installer's answers)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from digikel.cli.common import Context, emit_json, handles_errors, stdout_console

app = typer.Typer(help="Day 0 of counter PCs and displays.", no_args_is_help=True)


@app.command()
@handles_errors
def installer(
    ctx: typer.Context,
    site: Annotated[str, typer.Option("--site", "-s", help="Site slug, number or name.")],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Folder for <site>/<host>.cfg.")
    ] = Path("build/installer"),
    base_url: Annotated[
        str | None,
        typer.Option(
            "--base-url",
            help="Where the folder is served over HTTP (for the netboot menus), e.g. "
            "http://10.84.32.50:8000",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Write a Debian 12 preseed file per counter PC and display of a site (docs/endpoints.md)."""
    from digikel.endpoints.installer import endpoint_key, write_installer
    from digikel.errors import InputError
    from digikel.inventory.secrets import load_secrets, vault_path

    state: Context = ctx.obj
    inv = state.load_inventory()
    chosen = inv.site(site)
    if base_url is not None and not base_url.startswith(("http://", "https://")):
        raise InputError(f"--base-url {base_url!r}: expected an http:// or https:// URL")
    if output.exists() and not output.is_dir():
        raise InputError(f"--output {output}: exists and is not a folder")
    key = endpoint_key(load_secrets(inv), str(vault_path(inv)))
    try:
        written = write_installer(inv, chosen, key, output, base_url)
    except OSError as exc:
        raise InputError(f"--output {output}: cannot write there: {exc}") from None
    if state.json:
        emit_json(
            {
                "site": chosen.slug,
                "files": [
                    {
                        **w.answers.as_dict(),
                        "file": str(w.path),
                        "pxe": str(w.pxe) if w.pxe else None,
                    }
                    for w in written
                ],
            }
        )
        return
    console = stdout_console()
    for w in written:
        note = "" if w.answers.mac else "  (no MAC recorded yet: no reservation, no PXE menu)"
        console.print(f"{w.path}  {w.answers.host} -> {w.answers.address}{note}", highlight=False)
