"""`digikel lab services`: the lab's stand-ins for everything outside this machine except the
network devices: IPP printers, the data-centre HTTPS services, endpoint containers and the data
centre's package cache."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from digikel.cli.common import (
    Context,
    emit_json,
    handles_errors,
    stderr_console,
)
from digikel.cli.options import AllOpt, KecamatanOpt, SiteOpt, WaveOpt

if TYPE_CHECKING:
    from digikel.inventory.model import Inventory, Site

app = typer.Typer(
    help="Lab stand-ins outside this machine: IPP printers (ippeveprinter), the data centre's "
    "applications and queue pages (HTTPS, lab CA), endpoint containers (podman) and the data "
    "centre's package cache (apt-cacher-ng).",
    no_args_is_help=True,
)
fault_app = typer.Typer(
    help="Make one data-centre application (or `queue`) unreachable or failing, and back.",
    no_args_is_help=True,
)
app.add_typer(fault_app, name="app")

# The cache last: it listens on the podman bridge, which the containers' start creates.
COMPONENTS = ("printers", "datacentre", "containers", "cache")

OnlyOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--only",
        help="Only this component (repeatable): printers, datacentre, containers, cache.",
    ),
]
# Not the shared --host (a network device added to the sites): endpoint containers, exactly these.
ContainerOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--host", help="Containers: exactly these hosts (counters, displays, dc-portal01)."
    ),
]
StateDirOpt = Annotated[
    Path | None,
    typer.Option(
        "--state-dir",
        help="Where pid files, logs, certificates and spools live "
        "[env DIGIKEL_LABSVC_DIR; default <project>/.digikel/labsvc].",
        show_default=False,
    ),
]


def _obj(ctx: typer.Context) -> Context:
    if isinstance(ctx.obj, Context):
        return ctx.obj
    return Context()


def _state_dir(ctx: typer.Context, option: Path | None) -> Path:
    return (option or _obj(ctx).project.labsvc_state).resolve()


def _components(only: list[str] | None) -> list[str]:
    from digikel.errors import InputError

    for item in only or []:
        if item not in COMPONENTS:
            raise InputError(f"--only {item!r}: expected one of {', '.join(COMPONENTS)}")
    return [c for c in COMPONENTS if not only or c in only]


def _sites(
    inv: Inventory, site: list[str] | None, kecamatan: list[str] | None, wave: list[str] | None
) -> list[Site]:
    return inv.select(sites=site, kecamatan=kecamatan, wave=wave)


@app.command()
@handles_errors
def up(
    ctx: typer.Context,
    site: SiteOpt = None,
    kecamatan: KecamatanOpt = None,
    wave: WaveOpt = None,
    all_sites: AllOpt = False,
    only: OnlyOpt = None,
    host: ContainerOpt = None,
    portal: Annotated[
        bool,
        typer.Option(
            "--portal/--no-portal",
            help="Containers: also dc-portal01, the real portal role's host; it then serves the "
            "portal address, which the data-centre stand-in serves otherwise.",
        ),
    ] = False,
    state_dir: StateDirOpt = None,
) -> None:
    """Start the stand-ins; what already runs is kept.

    Printers of the chosen sites (every site without a filter), the data-centre services, the
    endpoint containers of the chosen sites (only with a site filter or --host; at most 3
    sites), and the package cache the endpoints' apt fetches through (inventory
    digikel_package_cache_url).
    """
    from digikel.errors import InputError
    from digikel.labsvc import (
        container_specs,
        containers_up,
        printer_specs,
        start_datacentre,
        start_printers,
    )

    obj = _obj(ctx)
    components = _components(only)
    directory = _state_dir(ctx, state_dir)
    inv = obj.load_inventory()
    filtered = bool(site or kecamatan or wave)
    sites = inv.sites if all_sites else _sites(inv, site, kecamatan, wave)
    out = stderr_console()
    doc: dict[str, Any] = {"state_dir": str(directory)}
    exit_code = 0
    if "containers" in components and not (filtered or host) and only:
        raise InputError("containers: choose the sites (--site/--kecamatan/--wave) or --host")
    if "printers" in components:
        printers = start_printers(printer_specs(inv, sites), directory)
        doc["printers"] = [p.as_dict() for p in printers]
        out.print(f"printers: {sum(p.up for p in printers)}/{len(printers)} up")
    if "datacentre" in components:
        portal_container = portal and "containers" in components and bool(filtered or host)
        dc = start_datacentre(inv, directory, portal=not portal_container)
        doc["datacentre"] = dc.as_dict()
        up_count = sum(item.state == "up" for item in dc.listeners)
        out.print(f"datacentre: {up_count}/{len(dc.listeners)} listeners up (CA {dc.ca})")
    if "containers" in components:
        if filtered or host:
            specs = container_specs(inv, sites, hosts=host, portal=portal)
            root = inv.root.parent
            result = containers_up(specs, repo_root=root, state_dir=directory)
            doc["containers"] = result.as_dict()
            if result.skipped:
                exit_code = 3
                out.print(f"containers: SKIPPED, nothing started: {result.skipped}")
            else:
                names = ", ".join(c.name for c in result.containers)
                out.print(f"containers: {len(result.containers)} running ({names})")
        else:
            reason = "no sites chosen (pass --site to boot a site's endpoints)"
            doc["containers"] = {"skipped": reason, "containers": []}
            out.print(f"containers: not started: {reason}")
    if "cache" in components:
        exit_code = _cache_up(directory, doc) or exit_code
    if obj.json:
        emit_json(doc)
    if exit_code:
        raise typer.Exit(exit_code)


def _cache_up(directory: Path, doc: dict[str, Any]) -> int:
    """Start the package cache; 3 when it cannot run here (the endpoints then fetch directly,
    as the inventory's fallback allows), so the other stand-ins still come up."""
    from digikel.errors import DigikelError
    from digikel.labsvc.pkgcache import start_cache

    out = stderr_console()
    try:
        cache = start_cache(directory)
    except DigikelError as exc:
        doc["cache"] = {"skipped": str(exc)}
        out.print(f"cache: NOT started: {exc}")
        return 3
    doc["cache"] = cache.as_dict()
    out.print(f"cache: {cache.url} ({cache.note or f'pid {cache.pid}'})")
    return 0


@app.command()
@handles_errors
def down(
    ctx: typer.Context,
    site: SiteOpt = None,
    kecamatan: KecamatanOpt = None,
    wave: WaveOpt = None,
    all_sites: AllOpt = False,
    only: OnlyOpt = None,
    state_dir: StateDirOpt = None,
) -> None:
    """Stop the stand-ins: everything, or the printers and containers of the chosen sites.

    With a site filter the data-centre services (and the package cache) stay up.
    """
    from digikel.labsvc import containers_down, stop_datacentre, stop_printers
    from digikel.labsvc.pkgcache import stop_cache

    obj = _obj(ctx)
    components = _components(only)
    directory = _state_dir(ctx, state_dir)
    filtered = bool(site or kecamatan or wave) and not all_sites
    slugs: list[str] | None = None
    printer_names: list[str] | None = None
    if filtered:
        inv = obj.load_inventory()
        chosen = _sites(inv, site, kecamatan, wave)
        slugs = [s.slug for s in chosen]
        printer_names = [d.name for s in chosen for d in s.devices_of("printer")]
    out = stderr_console()
    doc: dict[str, Any] = {"state_dir": str(directory)}
    if "printers" in components:
        doc["printers_stopped"] = stop_printers(directory, printer_names)
        out.print(f"printers: {len(doc['printers_stopped'])} stopped")
    if "datacentre" in components and not filtered:
        doc["datacentre_stopped"] = stop_datacentre(directory)
        out.print("datacentre: stopped" if doc["datacentre_stopped"] else "datacentre: not running")
    if "containers" in components:
        doc["containers_removed"] = containers_down(sites=slugs, state_dir=directory)
        out.print(f"containers: {len(doc['containers_removed'])} removed")
    if "cache" in components and not filtered:
        doc["cache_stopped"] = stop_cache(directory)
        out.print("cache: stopped" if doc["cache_stopped"] else "cache: not running")
    if obj.json:
        emit_json(doc)


@app.command()
@handles_errors
def status(ctx: typer.Context, state_dir: StateDirOpt = None) -> None:
    """What runs: each printer, each data-centre listener (with faults), each container, and
    the package cache with its hit figures."""
    from digikel.labsvc import (
        containers_status,
        datacentre_status,
        podman_problem,
        printers_status,
    )
    from digikel.labsvc.pkgcache import cache_status

    obj = _obj(ctx)
    directory = _state_dir(ctx, state_dir)
    problem = podman_problem()
    doc: dict[str, Any] = {
        "state_dir": str(directory),
        "printers": [p.as_dict() for p in printers_status(directory)],
        "datacentre": datacentre_status(directory).as_dict(),
        "containers": {
            "podman": problem or "ok",
            "containers": [c.as_dict() for c in containers_status(state_dir=directory)]
            if not problem
            else [],
        },
        "cache": cache_status(directory).as_dict(),
    }
    if obj.json:
        emit_json(doc)
        return
    _print_status(doc)


def _print_status(doc: dict[str, Any]) -> None:
    from rich.table import Table

    from digikel.cli.common import stdout_console

    console = stdout_console()
    printers = Table(title="printers (ippeveprinter)")
    for column in ("printer", "uri", "pid", "up"):
        printers.add_column(column)
    for p in doc["printers"]:
        printers.add_row(p["name"], p["uri"], str(p["pid"] or "-"), "up" if p["up"] else "DOWN")
    console.print(printers)
    dc = doc["datacentre"]
    title = f"datacentre ({'pid ' + str(dc['pid']) if dc['running'] else 'not running'})"
    listeners = Table(title=title)
    for column in ("id", "address", "url", "state", "fault"):
        listeners.add_column(column)
    for item in dc["listeners"]:
        listeners.add_row(
            item["id"],
            f"{item['address']}:{item['port']}",
            item["url"],
            item["state"],
            item["fault"] or "-",
        )
    console.print(listeners)
    containers = Table(title=f"containers (podman: {doc['containers']['podman']})")
    for column in ("container", "role", "site", "state", "systemd", "ports"):
        containers.add_column(column)
    for c in doc["containers"]["containers"]:
        containers.add_row(
            c["name"], c["role"], c["site"], c["state"], c["systemd"] or "-", " ".join(c["ports"])
        )
    console.print(containers)
    _print_cache(doc["cache"])


def _print_cache(cache: dict[str, Any]) -> None:
    from digikel.cli.common import stdout_console

    figures = cache["figures"]
    state = f"pid {cache['pid']}" if cache["running"] else "not running"
    if cache["url"]:
        state += f", {cache['url']} {'answers' if cache['answers'] else 'DOES NOT ANSWER'}"
    stdout_console().print(
        f"package cache (apt-cacher-ng, {state}): {figures['packages_served']} package files "
        f"served, {figures['packages_fetched']} fetched from outside, {figures['hits']} from "
        f"the cache; {figures['bytes_fetched']} bytes fetched, {figures['bytes_served']} served"
    )


def _fault(ctx: typer.Context, app_id: str, mode: str | None, state_dir: Path | None) -> None:
    from digikel.labsvc import set_application_fault

    obj = _obj(ctx)
    status = set_application_fault(app_id, mode, _state_dir(ctx, state_dir))
    item = next(i for i in status.listeners if i.id == app_id)
    if obj.json:
        emit_json({"running": status.running, **item.as_dict()})
    else:
        note = "" if status.running else " (stand-in not running: applies at its next start)"
        stderr_console().print(f"datacentre: {app_id} is {item.state}{note}")


@fault_app.command("down")
@handles_errors
def app_down(
    ctx: typer.Context,
    app_id: Annotated[str, typer.Argument(help="Application id (applications.yml) or `queue`.")],
    mode: Annotated[
        str,
        typer.Option(
            "--mode", help="refuse: connections refused; error: every request answers HTTP 503."
        ),
    ] = "refuse",
    state_dir: StateDirOpt = None,
) -> None:
    """Make an application unreachable (default) or failing."""
    _fault(ctx, app_id, mode, state_dir)


@fault_app.command("up")
@handles_errors
def app_up(
    ctx: typer.Context,
    app_id: Annotated[str, typer.Argument(help="Application id (applications.yml) or `queue`.")],
    state_dir: StateDirOpt = None,
) -> None:
    """Serve an application normally again."""
    _fault(ctx, app_id, None, state_dir)


@app.command()
@handles_errors
def probe(
    ctx: typer.Context,
    target: Annotated[
        str, typer.Argument(help="Application id, or an https URL (application, queue, portal).")
    ],
    path: Annotated[
        str | None, typer.Option("--path", help="Request this path instead, e.g. /health.")
    ] = None,
    state_dir: StateDirOpt = None,
) -> None:
    """Check an application as the rollout's verify does (TLS verified against the lab CA)."""
    from digikel.labsvc import probe as run_probe

    obj = _obj(ctx)
    result = run_probe(
        target, inventory=obj.load_inventory(), state_dir=_state_dir(ctx, state_dir), path=path
    )
    if obj.json:
        emit_json(result.as_dict())
    else:
        verdict = f"HTTP {result.status}" if result.ok else f"FAILED: {result.error}"
        stderr_console().print(f"{result.url} via {result.connected_to}: {verdict}")
    if not result.ok:
        raise typer.Exit(1)
