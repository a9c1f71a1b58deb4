"""`digikel network`: intended configs, backups, diff, push, verify, rollback of network gear."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from digikel.cli.common import emit_json, handles_errors, parse_timeout, stderr_console
from digikel.cli.options import AllOpt, HostOpt, KecamatanOpt, SiteOpt, WaveOpt

if TYPE_CHECKING:
    from digikel.cli.common import Context
    from digikel.network.results import DeviceResult

app = typer.Typer(
    help="Network gear (RouterOS, IOS) through Netmiko: render, backup, diff, push, verify, "
    "rollback, trust.",
    no_args_is_help=True,
)

WorkersOpt = Annotated[int, typer.Option("--workers", min=1, max=64, help="Parallel workers.")]
TimeoutOpt = Annotated[
    float,
    typer.Option(
        "--timeout",
        parser=lambda value: parse_timeout(value, minimum=1.0),
        metavar="SECONDS",
        help="Seconds per device command and to connect (1-3600; 90s, 2m).",
    ),
]
GuardOpt = Annotated[
    int,
    typer.Option(
        "--guard-minutes",
        min=1,
        max=30,
        help="RouterOS changes too long for safe mode: the device restores its backup by itself "
        "after this many minutes unless a new session confirms the change.",
    ),
]
PruneOpt = Annotated[
    bool,
    typer.Option(
        "--prune",
        help="Also remove what digikel does not manage (defconf leftovers, items made by hand); "
        "without it they are reported and left alone.",
    ),
]
BackupDirOpt = Annotated[
    Path | None,
    typer.Option(
        "--backup-dir",
        help="Backup store [env DIGIKEL_BACKUP_DIR; default <project>/.digikel/backups].",
        show_default=False,
    ),
]


def _targets(
    ctx: typer.Context,
    site: list[str] | None,
    kecamatan: list[str] | None,
    wave: list[str] | None,
    host: list[str] | None,
    all_sites: bool,
) -> tuple[Any, Any, Any]:
    from digikel.inventory.secrets import load_secrets
    from digikel.network.targets import select_devices

    state: Context = ctx.obj
    inv = state.load_inventory()
    state.export_project(ctx)  # templates (render) come from the project too
    chosen = select_devices(
        inv, sites=site, kecamatan=kecamatan, wave=wave, hosts=host, all_sites=all_sites
    )
    return inv, chosen, load_secrets(inv)


def _backups(ctx: typer.Context, option: Path | None) -> Path:
    """--backup-dir, else the project's backup store (DIGIKEL_BACKUP_DIR or <project>/.digikel)."""
    return option or ctx.obj.project.backups


def _options(
    *,
    check: bool = False,
    rotate: bool = False,
    timeout: float,
    backup_dir: Path,
    revision: str = "previous",
    prune: bool = False,
    guard_minutes: int = 5,
) -> Any:
    from digikel.network.connection import Timeouts
    from digikel.network.operations import Options
    from digikel.network.store import BackupStore

    return Options(
        check=check,
        rotate_secrets=rotate,
        timeouts=Timeouts(connect=min(timeout, 30.0), command=timeout),
        # The project's store (or --backup-dir; never one found from the current folder: a
        # rollback must see the push's backups), checked before contacting any device.
        store=BackupStore(backup_dir),
        revision=revision,
        prune=prune,
        guard_minutes=guard_minutes,
    )


def _run(
    ctx: typer.Context,
    operation: str,
    inv: Any,
    chosen: Any,
    secrets: Any,
    options: Any,
    workers: int,
    rendered: dict[str, str] | None = None,
) -> list[DeviceResult]:
    from digikel.network import interrupt

    interrupt.reset()
    with interrupt.undo_on_signals():  # Ctrl-C / SIGTERM undo the changes in progress
        from digikel.network.runner import run

        state: Context = ctx.obj
        total = sum(len(devices) for _, devices in chosen)
        console = stderr_console()
        if console.is_terminal and not state.json:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            with Progress(
                TextColumn(f"{operation}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.description}"),
                console=console,
                transient=True,
            ) as progress:
                task = progress.add_task("", total=total)

                def started(device: Any) -> None:
                    progress.update(task, description=f"{device.name} ...")

                def done(res: DeviceResult) -> None:
                    progress.advance(task)
                    console.print(_line(res))

                return run(
                    operation,
                    inv,
                    chosen,
                    secrets,
                    options,
                    workers=workers,
                    on_start=started,
                    on_result=done,
                    rendered=rendered,
                )

        def plain(res: DeviceResult) -> None:
            sys.stderr.write(_line(res, markup=False) + "\n")

        return run(
            operation,
            inv,
            chosen,
            secrets,
            options,
            workers=workers,
            on_result=plain,
            rendered=rendered,
        )


def _line(res: DeviceResult, markup: bool = True) -> str:
    if res.failed:
        state = "FAILED"
    elif not res.ok:
        state = "CHECKS FAILED"
    elif res.changed:
        state = "would change" if res.check else "changed"
    else:
        state = "ok"
    extra = f" ({len(res.commands)} commands)" if res.commands else ""
    text = f"{res.operation} {res.device}: {state}{extra}"
    if res.error:
        text += f": {res.error.splitlines()[0]}"
    if markup:
        colour = "red" if not res.ok else "yellow" if res.changed else "green"
        from rich.markup import escape

        return f"[{colour}]{escape(text)}[/{colour}]"
    return text


def _report(
    ctx: typer.Context, operation: str, results: list[DeviceResult], show: str = ""
) -> None:
    from digikel.network import interrupt
    from digikel.network.results import exit_code

    state: Context = ctx.obj
    if state.json:
        emit_json({"operation": operation, "results": [r.as_dict() for r in results]})
    else:
        out = sys.stdout
        for res in results:
            if show == "diff" and (res.diff or res.commands):
                out.write(f"=== {res.device}\n")
                if res.diff:
                    out.write(res.diff if res.diff.endswith("\n") else res.diff + "\n")
                if res.commands:
                    out.write("--- commands\n" + "\n".join(res.commands) + "\n")
            if show == "checks":
                for c in res.checks:
                    out.write(f"{res.device} {c.name}: {'ok' if c.ok else 'FAILED'} ({c.detail})\n")
            if show == "commands" and res.commands:
                out.write(f"=== {res.device}\n" + "\n".join(res.commands) + "\n")
            if res.failed:
                out.write(f"{res.device}: FAILED: {res.error}\n")
                if res.restored is not None:
                    out.write(
                        f"{res.device}: returned to its backup: {'yes' if res.restored else 'NO'}\n"
                    )
        bad = sum(1 for r in results if not r.ok)
        changed = sum(1 for r in results if r.changed)
        out.write(f"{operation}: {len(results)} device(s), {changed} changed, {bad} failed\n")
    if interrupt.ABORTED.is_set():
        sys.stderr.write(
            f"{operation}: interrupted; every device is on its configuration from before or "
            "after its change, as listed above\n"
        )
        raise typer.Exit(interrupt.EXIT_INTERRUPTED)
    raise typer.Exit(exit_code(results))


def _locked_run(
    ctx: typer.Context,
    operation: str,
    inv: Any,
    chosen: Any,
    secrets: Any,
    options: Any,
    workers: int,
) -> list[DeviceResult]:
    """A changing operation holds the lock of every site it touches (as `rollout` does) and is
    recorded as a run; a dry run (--check) changes nothing and takes no lock."""
    from digikel.network.runner import prerender

    # Bad templates or inventory values are found before anything is locked or recorded.
    rendered = prerender(operation, inv, chosen, secrets)
    if options.check:
        return _run(ctx, operation, inv, chosen, secrets, options, workers, rendered)
    from digikel.rollout.locks import holding_sites
    from digikel.store import open_store

    sites = [s.slug for s, _ in chosen]
    with holding_sites(open_store(), sites, f"network-{operation}") as held:
        results = _run(ctx, operation, inv, chosen, secrets, options, workers, rendered)
        held.status = _run_status(results)
    return results


def _run_status(results: list[DeviceResult]) -> str:
    from digikel.network import interrupt

    if interrupt.ABORTED.is_set():
        return "interrupted"
    failed = sum(1 for r in results if r.failed)
    return "ok" if not failed else "failed" if failed == len(results) else "partial"


@app.command()
@handles_errors
def render(
    ctx: typer.Context,
    site: SiteOpt = None,
    kecamatan: KecamatanOpt = None,
    wave: WaveOpt = None,
    host: HostOpt = None,
    all_sites: AllOpt = False,
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Folder for <site>/<device>.rsc|.cfg.")
    ] = Path("build/network"),
    show_secrets: Annotated[
        bool,
        typer.Option(
            "--show-secrets",
            help="Write the real vault values (files mode 0600) instead of VAULT:<name> markers.",
        ),
    ] = False,
) -> None:
    """Render intended configurations offline (no device needed); secrets masked by default."""
    from digikel.network.render import render_device

    inv, chosen, secrets = _targets(ctx, site, kecamatan, wave, host, all_sites)
    written = []
    # Everything is rendered before anything is written: a broken template writes nothing.
    renders = [
        (s, render_device(inv, device, secrets, masked=not show_secrets))
        for s, devices in chosen
        for device in devices
    ]
    for s, rendered in renders:
        path = output / s.slug / rendered.filename
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(rendered.text)
        if show_secrets:
            path.chmod(0o600)
        written.append({"device": rendered.device, "site": s.slug, "path": str(path)})
    state: Context = ctx.obj
    if state.json:
        emit_json({"operation": "render", "masked": not show_secrets, "files": written})
    else:
        for item in written:
            sys.stdout.write(f"{item['path']}\n")
        stderr_console().print(
            f"rendered {len(written)} configuration(s) into {output}"
            + ("" if show_secrets else " (secrets masked as VAULT:<name>; --show-secrets for real)")
        )


@app.command()
@handles_errors
def backup(
    ctx: typer.Context,
    site: SiteOpt = None,
    kecamatan: KecamatanOpt = None,
    wave: WaveOpt = None,
    host: HostOpt = None,
    all_sites: AllOpt = False,
    workers: WorkersOpt = 8,
    timeout: TimeoutOpt = 60.0,
    backup_dir: BackupDirOpt = None,
) -> None:
    """Fetch running configurations into the git backup store (one commit per changed device)."""
    inv, chosen, secrets = _targets(ctx, site, kecamatan, wave, host, all_sites)
    opts = _options(timeout=timeout, backup_dir=_backups(ctx, backup_dir))
    _report(ctx, "backup", _run(ctx, "backup", inv, chosen, secrets, opts, workers))


@app.command()
@handles_errors
def diff(
    ctx: typer.Context,
    site: SiteOpt = None,
    kecamatan: KecamatanOpt = None,
    wave: WaveOpt = None,
    host: HostOpt = None,
    all_sites: AllOpt = False,
    workers: WorkersOpt = 8,
    timeout: TimeoutOpt = 60.0,
    prune: PruneOpt = False,
) -> None:
    """Show intended against running per device, and the commands a push would send."""
    inv, chosen, secrets = _targets(ctx, site, kecamatan, wave, host, all_sites)
    opts = _options(timeout=timeout, backup_dir=_backups(ctx, None), prune=prune)
    _report(ctx, "diff", _run(ctx, "diff", inv, chosen, secrets, opts, workers), show="diff")


def _confirm(ctx: typer.Context, what: str, chosen: Any, yes: bool, check: bool) -> None:
    if yes or check:
        return
    state: Context = ctx.obj
    names = [d.name for _, devices in chosen for d in devices]
    if not sys.stdin.isatty() or state.json:
        from digikel.errors import InputError

        raise InputError(f"{what} needs confirmation: add --yes (or --check to only look)")
    typer.confirm(f"{what} {len(names)} device(s): {', '.join(names)}?", abort=True, err=True)


@app.command()
@handles_errors
def push(
    ctx: typer.Context,
    site: SiteOpt = None,
    kecamatan: KecamatanOpt = None,
    wave: WaveOpt = None,
    host: HostOpt = None,
    all_sites: AllOpt = False,
    check: Annotated[
        bool, typer.Option("--check", help="Show the commands; send nothing.")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    rotate_secrets: Annotated[
        bool,
        typer.Option("--rotate-secrets", help="Re-send passwords and keys the device hides."),
    ] = False,
    workers: WorkersOpt = 8,
    timeout: TimeoutOpt = 60.0,
    backup_dir: BackupDirOpt = None,
    prune: PruneOpt = False,
    guard_minutes: GuardOpt = 5,
) -> None:
    """Apply only what must change (every device of a site planned first; backup first; access
    devices first, router last; one commit guard per device; the sites locked)."""
    inv, chosen, secrets = _targets(ctx, site, kecamatan, wave, host, all_sites)
    _confirm(ctx, "push to", chosen, yes, check)
    opts = _options(
        check=check,
        rotate=rotate_secrets,
        timeout=timeout,
        backup_dir=_backups(ctx, backup_dir),
        prune=prune,
        guard_minutes=guard_minutes,
    )
    results = _locked_run(ctx, "push", inv, chosen, secrets, opts, workers)
    try:
        _report(ctx, "push", results, show="commands" if check else "")
    except typer.Exit as done:
        from digikel.network.facts import PREFLIGHT

        # A device that is not the inventory's model, or too old, is bad input (exit 2).
        refused = any(r.error and PREFLIGHT in r.error for r in results)
        if refused and done.exit_code in (1, 3):
            raise typer.Exit(2) from None
        raise


@app.command()
@handles_errors
def verify(
    ctx: typer.Context,
    site: SiteOpt = None,
    kecamatan: KecamatanOpt = None,
    wave: WaveOpt = None,
    host: HostOpt = None,
    all_sites: AllOpt = False,
    workers: WorkersOpt = 8,
    timeout: TimeoutOpt = 60.0,
) -> None:
    """Post-checks per device: identity, config in sync, VLANs, interfaces, tunnel, SSIDs."""
    inv, chosen, secrets = _targets(ctx, site, kecamatan, wave, host, all_sites)
    opts = _options(timeout=timeout, backup_dir=_backups(ctx, None))
    _report(ctx, "verify", _run(ctx, "verify", inv, chosen, secrets, opts, workers), show="checks")


@app.command()
@handles_errors
def rollback(
    ctx: typer.Context,
    site: SiteOpt = None,
    kecamatan: KecamatanOpt = None,
    wave: WaveOpt = None,
    host: HostOpt = None,
    all_sites: AllOpt = False,
    revision: Annotated[
        str,
        typer.Option(
            "--revision",
            "-r",
            help="Backup to restore: 'previous' (before the latest), 'latest' or a git revision.",
        ),
    ] = "previous",
    check: Annotated[
        bool, typer.Option("--check", help="Show the commands; send nothing.")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    workers: WorkersOpt = 8,
    timeout: TimeoutOpt = 60.0,
    backup_dir: BackupDirOpt = None,
) -> None:
    """Restore a backup through the same diff-and-push path (backup of the current state first)."""
    inv, chosen, secrets = _targets(ctx, site, kecamatan, wave, host, all_sites)
    _confirm(ctx, f"roll back ({revision})", chosen, yes, check)
    opts = _options(
        check=check,
        timeout=timeout,
        backup_dir=_backups(ctx, backup_dir),
        revision=revision,
    )
    results = _locked_run(ctx, "rollback", inv, chosen, secrets, opts, workers)
    _report(ctx, "rollback", results, show="commands" if check else "")


@app.command()
@handles_errors
def trust(
    ctx: typer.Context,
    site: SiteOpt = None,
    kecamatan: KecamatanOpt = None,
    wave: WaveOpt = None,
    host: HostOpt = None,
    all_sites: AllOpt = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Accept without asking.")] = False,
) -> None:
    """Record (or replace) devices' SSH host keys in the inventory's known-hosts file.

    Every path shows the fingerprint seen and the one recorded before; what is accepted is
    recorded as a run (who, when, which key) under the sites' locks."""
    from digikel.errors import InputError
    from digikel.network import hostkeys
    from digikel.network.targets import select_devices

    state: Context = ctx.obj
    inv = state.load_inventory()
    chosen = select_devices(
        inv, sites=site, kecamatan=kecamatan, wave=wave, hosts=host, all_sites=all_sites
    )
    path = inv.known_hosts_path
    records: list[dict[str, Any]] = []
    keys: dict[str, Any] = {}
    for _, devices in chosen:
        for device in devices:
            host_, port = device.connect_host, device.connect_port
            try:
                key = hostkeys.fetch_host_key(host_, port)
            except Exception as exc:
                records.append({"device": device.name, "error": f"{type(exc).__name__}: {exc}"})
                sys.stderr.write(f"{device.name}: cannot fetch the host key: {exc}\n")
                continue
            old = hostkeys.expected_key(path, host_, port)
            entry = {
                "device": device.name,
                "site": device.site,
                "address": f"{host_}:{port}",
                "fingerprint": hostkeys.fingerprint(key),
                "previous": hostkeys.fingerprint(old) if old is not None else None,
                "recorded": False,
            }
            keys[device.name] = key
            records.append(entry)
            sys.stderr.write(
                f"{device.name} {host_}:{port}: offers {entry['fingerprint']}; recorded "
                f"{entry['previous'] or 'nothing yet'}\n"
            )
    todo = [r for r in records if "error" not in r and r["previous"] != r["fingerprint"]]
    for entry in records:
        if "error" not in entry and entry["previous"] == entry["fingerprint"]:
            entry["recorded"] = True
    if todo and not yes:
        if not sys.stdin.isatty() or state.json:
            raise InputError(
                f"trust needs confirmation for {len(todo)} key(s) listed above: check the "
                "fingerprints with the device's console (`/ip ssh print` / `show ip ssh`), "
                "then add --yes"
            )
        todo = [
            r
            for r in todo
            if typer.confirm(
                f"{r['device']} {r['address']}: "
                + (f"REPLACE {r['previous']} with" if r["previous"] else "trust")
                + f" {r['fingerprint']}?",
                err=True,
            )
        ]
    if todo:
        from digikel.rollout.locks import holding_sites
        from digikel.store import open_store

        accepted = [
            {k: r[k] for k in ("device", "address", "fingerprint", "previous")} for r in todo
        ]
        sites = sorted({str(r["site"]) for r in todo})
        with holding_sites(open_store(), sites, "network-trust", {"accepted": accepted}):
            for entry in todo:
                host_, _, port_ = str(entry["address"]).rpartition(":")
                hostkeys.record_host_key(path, host_, int(port_), keys[str(entry["device"])])
                entry["recorded"] = True
                what = f"replaced {entry['previous']} with" if entry["previous"] else "recorded"
                sys.stderr.write(f"{entry['device']}: {what} {entry['fingerprint']} in {path}\n")
    if state.json:
        emit_json({"operation": "trust", "known_hosts": str(path), "results": records})
    # A device whose key is recorded is ok; one not fetched, or declined, failed.
    from digikel.network.results import exit_code_of

    raise typer.Exit(exit_code_of([bool(r.get("recorded")) for r in records]))


@app.command()
@handles_errors
def bootstrap(
    ctx: typer.Context,
    site: SiteOpt = None,
    kecamatan: KecamatanOpt = None,
    wave: WaveOpt = None,
    host: HostOpt = None,
    all_sites: AllOpt = False,
    expect_fingerprint: Annotated[
        str | None,
        typer.Option(
            "--expect-fingerprint",
            metavar="SHA256:...",
            help="The host key the device must offer (one device); else it is shown and asked.",
        ),
    ] = None,
    force: Annotated[
        bool,
        typer.Option("--force", help="Also take over a device that is not in factory state."),
    ] = False,
    console: Annotated[
        str | None,
        typer.Option(
            "--console",
            metavar="PATH",
            help="A Cisco switch's console port (/dev/ttyUSB0; the lab: `digikel lab console`).",
        ),
    ] = None,
    timeout: TimeoutOpt = 60.0,
) -> None:
    """Day 0: a RouterOS device on its factory configuration (192.168.88.1, admin), or a blank
    Cisco switch over its console (--console), to the state from which `digikel network push`
    finishes it; recorded in the store, under the sites' locks."""
    from digikel.errors import DigikelError, InputError
    from digikel.network import bootstrap as bs
    from digikel.network.connection import Timeouts

    state: Context = ctx.obj
    inv, chosen, secrets = _targets(ctx, site, kecamatan, wave, host, all_sites)
    devices = [d for _, ds in chosen for d in ds]
    if expect_fingerprint is not None:
        if len(devices) != 1:
            raise InputError(
                f"--expect-fingerprint {expect_fingerprint}: expected exactly one device "
                f"(--host), got {len(devices)}"
            )
        if not expect_fingerprint.split()[-1].startswith("SHA256:"):
            raise InputError(
                f"--expect-fingerprint {expect_fingerprint!r}: expected SHA256:<base64> as "
                "`ssh-keygen -lf` and `digikel network trust` show it"
            )
    ios = [d.name for d in devices if d.platform != "routeros"]
    if console is not None and (len(devices) != 1 or ios != [devices[0].name]):
        raise InputError(
            f"--console {console}: expected exactly one Cisco switch (--host), got "
            f"{', '.join(d.name for d in devices) or 'none'}"
        )
    if ios and console is None:
        hint = (
            f"{', '.join(ios)}: a Cisco switch out of the box has no SSH; bootstrap it over "
            "its console, one at a time: --host SWITCH --console /dev/ttyUSB0"
        )
        if len(ios) == len(devices):
            raise InputError(hint)
        sys.stderr.write(f"left for the console: {hint}\n")
        chosen = [(s, [d for d in ds if d.platform == "routeros"]) for s, ds in chosen]
        devices = [d for _, ds in chosen for d in ds]
    interactive = sys.stdin.isatty() and not state.json

    def confirm(name: str, fingerprint: str) -> bool:
        if not interactive:
            return False
        return typer.confirm(
            f"{name}: trust host key {fingerprint} (compare with the device)?", err=True
        )

    def say(text: str) -> None:
        sys.stderr.write(text + "\n")

    from digikel.rollout.locks import holding_sites
    from digikel.store import DeviceFacts, open_store

    timeouts = Timeouts(connect=min(timeout, 30.0), command=timeout)
    results: list[bs.BootstrapResult] = []
    store = open_store()
    sites = [s.slug for s, _ in chosen]
    options = {"devices": [d.name for d in devices], "force": force}
    with holding_sites(store, sites, "network-bootstrap", options) as held:
        for _, site_devices in chosen:
            for device in site_devices:
                res = bs.BootstrapResult(device.name, device.site, device.platform)
                try:
                    if console is not None:
                        res = bs.bootstrap_console(
                            inv,
                            device,
                            secrets,
                            console,
                            timeouts=timeouts,
                            expect_fingerprint=expect_fingerprint,
                            confirm=confirm,
                            force=force,
                            say=say,
                        )
                    else:
                        res = bs.bootstrap_device(
                            inv,
                            device,
                            secrets,
                            timeouts=timeouts,
                            expect_fingerprint=expect_fingerprint,
                            confirm=confirm,
                            force=force,
                            say=say,
                        )
                except (bs.NotFactory, bs.FingerprintRefused) as exc:
                    res.error = str(exc)
                    res.notes.append("refused")
                except DigikelError as exc:
                    res.error = str(exc)
                results.append(res)
                store.record_device_facts(
                    device.site,
                    [
                        DeviceFacts(
                            device=device.name,
                            model=res.model,
                            serial=res.serial,
                            fingerprint=res.fingerprint,
                            detail=bs.record_detail(res),
                        )
                    ],
                    run_id=held.run_id,
                )
        failed = [r for r in results if not r.ok]
        held.status = "ok" if not failed else "failed" if len(failed) == len(results) else "partial"
    if state.json:
        emit_json({"operation": "bootstrap", "results": [r.as_dict() for r in results]})
    else:
        for res in results:
            what = "changed" if res.changed else "nothing changed"
            line = f"bootstrap {res.device}: {'FAILED: ' + res.error if res.error else what}"
            sys.stdout.write(f"{line} (found: {res.found or 'unknown'})\n")
        done = [r for r in results if r.ok]
        sys.stdout.write(
            f"bootstrap: {len(results)} device(s), {sum(r.changed for r in results)} changed, "
            f"{len(failed)} failed\n"
        )
        if done:
            targets = " ".join(f"--site {s}" for s in dict.fromkeys(r.site for r in done))
            sys.stdout.write(f"next: digikel network push {targets}\n")
    refused = [r for r in results if "refused" in r.notes]
    if refused and len(refused) == len(failed):
        raise typer.Exit(2)
    raise typer.Exit(0 if not failed else 1 if len(failed) == len(results) else 3)
