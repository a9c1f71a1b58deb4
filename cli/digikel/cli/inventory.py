"""`digikel inventory`: validate, list and show the city's inventory."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from digikel.cli.common import Context, emit_json, handles_errors, stdout_console
from digikel.cli.options import AllOpt, KecamatanOpt, SiteOpt, WaveOpt

app = typer.Typer(help="Validate, list and show the inventory.", no_args_is_help=True)


@app.command()
@handles_errors
def validate(ctx: typer.Context) -> None:
    """Check every file of the inventory and report every problem at once (exit 2 if any)."""
    from digikel.inventory import build_inventory

    state: Context = ctx.obj
    inventory, problems = build_inventory(state.inventory_path)
    if state.json:
        emit_json(
            {
                "inventory": str(state.inventory_path),
                "valid": not problems,
                "problems": [p.as_dict() for p in problems],
                "sites": len(inventory.sites) if inventory and not problems else None,
            }
        )
    if problems:
        # Plain lines, never wrapped: operators grep them and editors jump to file:line. Also
        # with --json, whose document above carries the same problems for programs.
        lines = [f"{state.inventory_path}: {len(problems)} problem(s)"]
        lines += [f"  - {problem}" for problem in problems]
        sys.stderr.write("\n".join(lines) + "\n")
        raise typer.Exit(2)
    assert inventory is not None
    if not state.json:
        kecamatan = {s.kecamatan for s in inventory.sites}
        stdout_console().print(
            f"{state.inventory_path}: valid — {len(inventory.sites)} sites in {len(kecamatan)} "
            f"kecamatan, {len(inventory.devices)} devices, environment {inventory.environment}",
            highlight=False,
        )


@app.command("list")
@handles_errors
def list_sites(
    ctx: typer.Context,
    site: SiteOpt = None,
    kecamatan: KecamatanOpt = None,
    wave: WaveOpt = None,
    all_sites: AllOpt = False,
) -> None:
    """List sites, filtered by site, kecamatan or wave."""
    state: Context = ctx.obj
    inventory = state.load_inventory()
    sites = inventory.sites if all_sites else inventory.select(site, kecamatan, wave)
    if state.json:
        emit_json([s.summary() for s in sites])
        return
    from rich.table import Table  # only for the table: --json needs no rich

    table = Table(title=f"{len(sites)} site(s) — {inventory.environment}")
    for column in (
        "#",
        "slug",
        "kelurahan",
        "kecamatan",
        "wave",
        "physical",
        "uplink",
        "block",
        "devices",
    ):
        table.add_column(column, justify="right" if column in ("#", "devices") else "left")
    for s in sites:
        table.add_row(
            str(s.number),
            s.slug,
            s.name,
            s.kecamatan,
            s.wave,
            s.physical_works.status,
            s.uplink.type,
            str(s.block),
            str(len(s.devices)),
        )
    stdout_console().print(table)


@app.command()
@handles_errors
def show(
    ctx: typer.Context,
    site: Annotated[str, typer.Argument(help="Site slug, number or kelurahan name.")],
) -> None:
    """Show one site: its devices, addresses and segments."""
    from rich.table import Table

    state: Context = ctx.obj
    inventory = state.load_inventory()
    chosen = inventory.site(site)
    detail = {
        **chosen.summary(),
        "physical_works": chosen.physical_works.model_dump(mode="json", exclude_none=True),
        "uplink": chosen.uplink.model_dump(mode="json", exclude_none=True),
        "tunnel_address": str(chosen.tunnel_address),
        "segments": {name: seg.as_dict() for name, seg in chosen.segments.items()},
        "devices": [
            {**d.as_dict(), "connect": f"{d.connect_host}:{d.connect_port}"} for d in chosen.devices
        ],
    }
    if state.json:
        emit_json(detail)
        return
    out = stdout_console()
    out.print(
        f"[bold]{chosen.name}[/] (#{chosen.number}, {chosen.slug}) — kecamatan {chosen.kecamatan}, "
        f"wave {chosen.wave}, physical works {chosen.physical_works.status}\n"
        f"block {chosen.block}, uplink {chosen.uplink.type} via {chosen.uplink.isp}, "
        f"tunnel {chosen.tunnel_address}",
        highlight=False,
    )
    segments = Table(title="segments")
    for column in ("segment", "vlan", "network", "gateway"):
        segments.add_column(column)
    for name, seg in chosen.segments.items():
        segments.add_row(name, str(seg.vlan), str(seg.network), str(seg.gateway))
    out.print(segments)
    devices = Table(title=f"devices ({inventory.environment})")
    for column in ("host", "role", "platform", "model", "address", "segment", "connect"):
        devices.add_column(column)
    for d in chosen.devices:
        devices.add_row(
            d.name,
            d.role + (f" ({d.kind})" if d.kind else ""),
            d.platform,
            d.model,
            str(d.address),
            d.segment,
            f"{d.connect_host}:{d.connect_port}",
        )
    out.print(devices)


@app.command()
@handles_errors
def hostvars(
    ctx: typer.Context,
    host: Annotated[str, typer.Argument(help="Host name, e.g. loa-bakung-pc01.")],
) -> None:
    """Print the variables Ansible gets for one host (JSON), as the plugin sets them."""
    state: Context = ctx.obj
    emit_json(state.load_inventory().hostvars(host))
