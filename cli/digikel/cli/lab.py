"""`digikel lab`: simulated RouterOS and IOS devices on loopback (tests, demos, benchmarks)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from digikel.cli.common import Context, emit_json, handles_errors, stderr_console, stdout_console
from digikel.cli.options import AllOpt, KecamatanOpt, SiteOpt, WaveOpt

if TYPE_CHECKING:
    from digikel.inventory.model import Inventory

app = typer.Typer(
    help="Simulated network devices (RouterOS, IOS) over real SSH on 127.64.x.y.",
    no_args_is_help=True,
)

StateDirOpt = Annotated[
    Path | None,
    typer.Option(
        "--state-dir",
        help="Where device state, pid, log and control socket live "
        "[env DIGIKEL_LAB_DIR; default <project>/.digikel/lab].",
        show_default=False,
    ),
]


def _state_dir(ctx: typer.Context, option: Path | None) -> Path:
    return (option or _obj(ctx).project.lab_state).resolve()


def _obj(ctx: typer.Context) -> Context:
    obj = ctx.obj if isinstance(ctx.obj, Context) else Context()
    return obj


def _lab_error(message: str) -> Exception:
    from digikel.errors import DigikelError

    return DigikelError(message)


def _running(state_dir: Path) -> dict[str, Any] | None:
    from digikel.lab.daemon import running_status

    return running_status(state_dir)


@app.command()
@handles_errors
def start(
    ctx: typer.Context,
    site: SiteOpt = None,
    kecamatan: KecamatanOpt = None,
    wave: WaveOpt = None,
    all_sites: AllOpt = False,
    foreground: Annotated[
        bool, typer.Option("--foreground", help="Serve in this process until Ctrl-C.")
    ] = False,
    delay_ms: Annotated[
        float, typer.Option("--delay-ms", min=0, help="Extra delay per round trip (WAN stand-in).")
    ] = 0.0,
    time_scale: Annotated[
        float | None,
        typer.Option(
            "--time-scale",
            min=0,
            help="Multiply device timers (IOS revert timer, scheduler) "
            "[env DIGIKEL_LAB_TIME_SCALE; default 1].",
            show_default=False,
        ),
    ] = None,
    state_dir: StateDirOpt = None,
) -> None:
    """Start the lab's devices for the chosen sites (every site without a filter)."""
    from digikel.lab.runner import read_pid, time_scale_from_env
    from digikel.lab.specs import lab_specs

    obj = _obj(ctx)
    directory = _state_dir(ctx, state_dir)
    scale = time_scale if time_scale is not None else time_scale_from_env()
    pid = read_pid(directory)
    if pid is not None and pid != os.getpid():
        raise _lab_error(
            f"a lab is already running from {directory} (pid {pid}); run `digikel lab stop` first"
        )
    inv = obj.load_inventory()
    specs = lab_specs(inv, sites=site, kecamatan=kecamatan, wave=wave)
    if not specs:
        raise _lab_error("no RouterOS or IOS device in the chosen sites")
    if foreground:
        from digikel.lab.daemon import serve_foreground

        console = stderr_console()
        console.print(
            f"lab: serving {len(specs)} devices (state {directory}); Ctrl-C or `digikel lab stop`"
        )
        serve_foreground(specs, directory, delay_ms, scale)
        console.print("lab: stopped")
        return
    from digikel.lab.daemon import start_background

    filters = {"--site": site, "--kecamatan": kecamatan, "--wave": wave}
    started = start_background(obj.inventory_path, directory, filters, delay_ms, scale)
    summary = {
        "running": True,
        "pid": started.pid,
        "state_dir": str(directory),
        "log": str(started.log),
        "devices": len(specs),
    }
    if obj.json:
        emit_json(summary)
    else:
        stderr_console().print(
            f"lab: {len(specs)} devices up (pid {started.pid}, state {directory}, "
            f"log {started.log})"
        )


@app.command()
@handles_errors
def stop(ctx: typer.Context, state_dir: StateDirOpt = None) -> None:
    """Stop the background lab (sessions drop; device state stays in the state directory)."""
    from digikel.lab.runner import stop_background

    directory = _state_dir(ctx, state_dir)
    stopped = stop_background(directory)
    if _obj(ctx).json:
        emit_json({"stopped": stopped, "state_dir": str(directory)})
    else:
        stderr_console().print("lab: stopped" if stopped else "lab: not running")


@app.command()
@handles_errors
def status(ctx: typer.Context, state_dir: StateDirOpt = None) -> None:
    """Whether the lab runs, and each device's address, up/down state, sessions and faults."""
    from digikel.lab.runner import read_pid

    directory = _state_dir(ctx, state_dir)
    current = _running(directory)
    doc: dict[str, Any] = {
        "running": current is not None,
        "pid": read_pid(directory),
        "state_dir": str(directory),
        "devices": current["devices"] if current else [],
    }
    if current:
        doc["delay_ms"] = current["delay_ms"]
        doc["time_scale"] = current["time_scale"]
    if _obj(ctx).json:
        emit_json(doc)
        return
    from rich.table import Table

    out = stderr_console()
    if not current:
        out.print(f"lab: not running (state {directory})")
        return
    table = Table(title=f"lab (pid {doc['pid']}, delay {doc['delay_ms']} ms)")
    for column in ("device", "platform", "address", "up", "sessions", "faults"):
        table.add_column(column)
    for device in doc["devices"]:
        faults = ", ".join(
            k + (f"({', '.join(f'{a}={b}' for a, b in v.items() if b is not None)})" if v else "")
            for k, v in device["faults"].items()
        )
        table.add_row(
            device["name"],
            device["platform"],
            f"{device['address']}:{device['port']}",
            "up" if device["up"] else "DOWN",
            str(device["sessions"]),
            faults or "-",
        )
    from digikel.cli.common import stdout_console

    stdout_console().print(table)


@app.command()
@handles_errors
def reset(
    ctx: typer.Context,
    site: SiteOpt = None,
    kecamatan: KecamatanOpt = None,
    wave: WaveOpt = None,
    all_sites: AllOpt = False,
    state_dir: StateDirOpt = None,
    factory: Annotated[
        str | None,
        typer.Option(
            "--factory",
            help="Factory state: blank (no defaults; the lab's default), defconf (MikroTik's "
            "default configuration of the model) or unboxed (defconf, and a Cisco switch "
            "without an RSA key: no SSH until bootstrapped over its console).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Return devices to factory state (running lab: at once; stopped lab: at next start)."""
    from digikel.lab.runner import control_request
    from digikel.lab.specs import lab_devices, select_sites
    from digikel.lab.store import StateStore

    obj = _obj(ctx)
    if factory is not None and factory not in ("blank", "defconf", "unboxed"):
        from digikel.errors import InputError

        raise InputError(
            f"--factory {factory!r}: expected blank or defconf, or unboxed (defconf, and a "
            "Cisco switch without an RSA key)"
        )
    directory = _state_dir(ctx, state_dir)
    filtered = bool(site or kecamatan or wave) and not all_sites
    names: list[str] | None = None
    platforms: dict[str, str] = {}
    if filtered:
        inv = obj.load_inventory()
        chosen = lab_devices(inv, select_sites(inv, site, kecamatan, wave))
        names = [d.name for d in chosen]
        platforms = {d.name: d.platform for d in chosen}
    current = _running(directory)
    if current is not None:
        served = {d["name"] for d in current["devices"]}
        wanted = [n for n in names if n in served] if names is not None else None
        request = {"op": "reset", "devices": wanted, "factory": factory}
        done = control_request(directory, request)["reset"]
    else:
        store = StateStore(directory)
        if names is None:
            names = sorted(p.stem for p in store.devices_dir.glob("*.json"))
        done = []
        for name in names:
            state = store.load(name) or {}
            platform = platforms.get(name) or state.get("platform")
            if factory is not None and (platform == "routeros" or "pending_factory" in state):
                mark = "defconf" if factory == "unboxed" else factory
                store.mark_factory(name, mark)  # the factory state is built at next start
                done.append(name)
            elif factory == "unboxed" and platform == "ios":
                store.mark_factory(name, factory)
                done.append(name)
            elif store.remove(name):
                done.append(name)
    if obj.json:
        emit_json({"reset": done, "running": current is not None})
    else:
        stderr_console().print(f"lab: {len(done)} devices back to factory state")


@app.command()
@handles_errors
def console(
    ctx: typer.Context,
    device: Annotated[str, typer.Argument(help="A lab device (a Cisco switch).")],
    state_dir: StateDirOpt = None,
) -> None:
    """Print the path of a device's console (a pseudo-terminal), e.g. for `digikel network
    bootstrap --console PATH` or `screen PATH`."""
    from digikel.lab.runner import control_request

    obj = _obj(ctx)
    directory = _state_dir(ctx, state_dir)
    if _running(directory) is None:
        raise _lab_error(f"no lab is running with state directory {directory}")
    path = control_request(directory, {"op": "console", "device": device})["path"]
    if obj.json:
        emit_json({"device": device, "console": path})
    else:
        sys.stdout.write(path + "\n")


@app.command()
@handles_errors
def fault(
    ctx: typer.Context,
    device: Annotated[str, typer.Argument(help="Device name, e.g. loa-bakung-rtr01.")],
    kind: Annotated[
        str,
        typer.Argument(help="auth | drop | error | slow | hostkey | reboot | clear"),
    ],
    clear_kind: Annotated[
        str | None, typer.Argument(help="With `clear`: only this fault kind.")
    ] = None,
    after: Annotated[
        int, typer.Option("--after", min=0, help="drop: config commands still applied first.")
    ] = 0,
    match: Annotated[
        str | None, typer.Option("--match", help="error: command substring that fails.")
    ] = None,
    message: Annotated[
        str | None, typer.Option("--message", help="error: the device's answer.")
    ] = None,
    ms: Annotated[float, typer.Option("--ms", min=0, help="slow: delay per round trip.")] = 500,
    seconds: Annotated[
        float, typer.Option("--seconds", min=0, help="reboot: time unreachable.")
    ] = 3.0,
    state_dir: StateDirOpt = None,
) -> None:
    """Inject a fault into a running lab device, or clear its faults."""
    from digikel.errors import InputError
    from digikel.lab.runner import control_request
    from digikel.lab.server import FAULT_KINDS

    obj = _obj(ctx)
    directory = _state_dir(ctx, state_dir)
    if kind not in (*FAULT_KINDS, "clear"):
        raise InputError(f"fault kind {kind!r}: expected one of {', '.join(FAULT_KINDS)}, clear")
    if kind == "error" and not match:
        raise InputError("the error fault needs --match <command substring>")
    if clear_kind is not None and (kind != "clear" or clear_kind not in FAULT_KINDS):
        raise InputError(f"unexpected argument {clear_kind!r}: only `clear` takes a fault kind")
    current = _running(directory)
    if current is None:
        raise _lab_error(f"no lab is running from {directory}; start it with `digikel lab start`")
    if device not in {d["name"] for d in current["devices"]}:
        raise InputError(f"device {device!r} is not served by the running lab")
    choices: dict[str, dict[str, Any]] = {
        "drop": {"after": after},
        "error": {"match": match, "message": message},
        "slow": {"ms": ms},
        "reboot": {"seconds": seconds},
    }
    options = choices.get(kind, {})
    if kind == "clear":
        request: dict[str, Any] = {"op": "clear", "device": device, "kind": clear_kind}
    else:
        request = {"op": "inject", "device": device, "kind": kind, "options": options}
    try:
        answer = control_request(directory, request)
    except RuntimeError as exc:
        raise _lab_error(str(exc)) from None
    if obj.json:
        emit_json(answer["device"])
    else:
        faults = answer["device"]["faults"]
        stderr_console().print(f"lab: {device} faults: {', '.join(faults) or 'none'}")


@app.command("known-hosts")
@handles_errors
def known_hosts(
    ctx: typer.Context,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write here instead of the inventory's known_hosts."),
    ] = None,
) -> None:
    """Write the inventory's known_hosts with every lab network device's host key."""
    from digikel.lab.hostkeys import write_known_hosts
    from digikel.lab.specs import lab_specs

    obj = _obj(ctx)
    inv: Inventory = obj.load_inventory()
    specs = lab_specs(inv)
    path = output or inv.known_hosts_path
    count = write_known_hosts(path, specs)
    if obj.json:
        emit_json({"path": str(path), "entries": count})
    else:
        stderr_console().print(f"lab: wrote {count} host keys to {path}")


DRIFT_KINDS = ("firewall-rule", "vlan-rename", "browser-policy", "printer-queue")


@app.command()
@handles_errors
def drift(
    ctx: typer.Context,
    site: Annotated[str, typer.Argument(help="The lab site to change by hand.")],
    kind: Annotated[
        list[str] | None,
        typer.Option(
            "--kind",
            help="Which hand change (repeatable): firewall-rule, vlan-rename (the router), "
            "browser-policy, printer-queue (a counter PC's container); none: all four (the "
            "endpoint ones only where the site's containers run).",
        ),
    ] = None,
    labsvc_dir: Annotated[
        Path | None,
        typer.Option("--labsvc-dir", help="The lab services' state (its containers)."),
    ] = None,
) -> None:
    """Change a lab site by hand, as a field engineer would: for `digikel watch` to find and a
    rollout to put back. Never on a real site: only the lab environment."""
    from digikel.errors import InputError
    from digikel.inventory.secrets import load_secrets
    from digikel.lab.drift import NETWORK_DRIFTS, drift_network

    obj = _obj(ctx)
    inv: Inventory = obj.load_inventory()
    if inv.environment != "lab":
        raise InputError(
            f"{obj.inventory_path}: lab drift changes lab sites only (environment "
            f"{inv.environment!r})"
        )
    for item in kind or []:
        if item not in DRIFT_KINDS:
            raise InputError(f"--kind {item!r}: expected one of {', '.join(DRIFT_KINDS)}")
    chosen = inv.site(site)
    network = tuple(k for k in (kind or DRIFT_KINDS) if k in NETWORK_DRIFTS)
    endpoint = tuple(k for k in (kind or DRIFT_KINDS) if k not in NETWORK_DRIFTS)
    made = [c.as_dict() for c in drift_network(inv, chosen, load_secrets(inv), network)]
    skipped = ""
    if endpoint:
        from digikel.labsvc.drift import drift_endpoints, running_counter

        directory = (labsvc_dir or obj.project.labsvc_state).resolve()
        try:
            host = running_counter(chosen, directory)
        except InputError as exc:
            if kind:  # asked for by name: say why it cannot be done
                raise
            skipped = str(exc)
        else:
            made += [c.as_dict() for c in drift_endpoints(host, endpoint, directory)]
    if obj.json:
        emit_json({"site": chosen.slug, "changes": made, "skipped": skipped or None})
        return
    for change in made:
        stdout_console().print(f"{change['target']}: {change['kind']}: {change['detail']}")
    if skipped:
        stderr_console().print(f"endpoint changes skipped: {skipped}")


def _services() -> None:
    """`digikel lab services`: loaded with `digikel lab`, the only way to reach it."""
    from digikel.cli import labsvc

    app.add_typer(labsvc.app, name="services")


_services()
