"""The watch's stages: each reads a site and writes nothing to it.

- network: back up every device (the network executor's `backup`: one read session per device,
  the configuration kept in the backup store), compare the backup with the intended
  configuration with the push's own differ (no second session for a diff), and run the network
  post-checks (`verify`, read-only) as readiness checks;
- endpoints: site.yml in check mode with diffs (the rollout's endpoints stage with check=True),
  then playbooks/verify.yml's checks (read-only tasks);
- services: printers over IPP, the portal and every application over verified HTTPS (the verify
  stage's probes).

A stage that ran is `ok` even when it found drift or a failed check: those are records, not a
reason to stop the site's other stages. A stage fails only when it could not run at all.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from digikel.rollout.stages import StageContext, StageOutcome
from digikel.store import Check, HostOutcome
from digikel.watch.drift import Drift, changes_from_events, endpoint_drift, network_drift

if TYPE_CHECKING:
    from digikel.network.results import DeviceResult
    from digikel.network.store import BackupStore
    from digikel.store import Store


class DriftSink:
    """Where the stages put what they found: kept for the run's result, and the drift recorded
    in the store (`Store.record_drift`: what differs, and what was compared and found clean,
    which closes its earlier drift)."""

    def __init__(self, store: Store | None = None) -> None:
        self.store = store
        self._lock = threading.Lock()
        self.drifts: list[Drift] = []
        self.failed_checks: list[tuple[str, Check]] = []

    def add(
        self, run_id: int, site: str, component: str, compared: list[str], drifts: list[Drift]
    ) -> None:
        with self._lock:
            self.drifts.extend(drifts)
        if self.store is None:
            return
        from digikel.store import Drift as Found

        drifted = {d.target for d in drifts}
        self.store.record_drift(
            run_id,
            site,
            [Found(d.component, d.target, d.summary, d.diff) for d in drifts],
            clean=[(component, t) for t in compared if t not in drifted],
        )

    def checked(self, site: str, checks: list[Check]) -> None:
        with self._lock:
            self.failed_checks.extend((site, c) for c in checks if not c.ok)

    def of(self, site: str) -> list[Drift]:
        with self._lock:
            return [d for d in self.drifts if d.site == site]


def _secret_values(ctx: StageContext) -> list[str]:
    from digikel.network.render import secret_values

    return secret_values(ctx.vault())


def _drift_of(ctx: StageContext, result: DeviceResult, backups: BackupStore) -> Drift | None:
    """Compare one device's fresh backup with its intended configuration."""
    from digikel.network.operations import Options, Work

    device = next(d for d in ctx.site.network_devices if d.name == result.device)
    _, running = backups.read(device.site, device.name, device.platform, result.backup or "latest")
    work = Work(ctx.inventory, device, ctx.vault(), Options(store=backups))
    intended = work.intended()
    commands, unmanaged = _plan(device.platform, work, running, intended)
    return network_drift(
        ctx.site.slug,
        device.name,
        commands,
        # The readable diff only for a device that drifted: most are as intended.
        work.driver.readable_diff(running, intended) if commands or unmanaged else "",
        unmanaged,
        _secret_values(ctx),
    )


def _plan(platform: str, work: Any, running: str, intended: str) -> tuple[list[str], list[str]]:
    """The push's plan (no prune, no rotation) and the items digikel does not manage; RouterOS
    parses each text once for both (its driver's plan and unmanaged would parse them twice)."""
    if platform == "routeros":
        from digikel.network import routeros_config

        found = routeros_config.plan(
            routeros_config.parse(running), routeros_config.parse(intended)
        )
        return found.commands, found.unmanaged
    return work.driver.plan(running, intended), work.driver.unmanaged(running, intended)


def network_watch(sink: DriftSink, backups: BackupStore) -> Callable[[StageContext], StageOutcome]:
    def stage(ctx: StageContext) -> StageOutcome:
        from digikel.network.operations import Options
        from digikel.network.sites import run_site
        from digikel.rollout.network_stage import network_checks

        results = run_site(
            "backup",
            ctx.inventory,
            ctx.site,
            ctx.vault(),
            Options(store=backups),
            on_result=lambda r: ctx.on_event(
                r.device, f"backup {'FAILED: ' + str(r.error) if r.failed else 'ok'}"
            ),
        )
        drifts: list[Drift] = []
        hosts: list[HostOutcome] = []
        for result in results:
            if result.failed:
                hosts.append(HostOutcome(result.device, False, True, detail=result.error))
                continue
            drift = _drift_of(ctx, result, backups)
            if drift is not None:
                drifts.append(drift)
                ctx.on_event(result.device, f"DRIFTED: {drift.summary}")
            hosts.append(
                HostOutcome(result.device, False, False, detail=drift.summary if drift else None)
            )
        compared = [r.device for r in results if not r.failed]
        sink.add(ctx.run_id, ctx.site.slug, "network", compared, drifts)
        checks, unreachable = network_checks(ctx)
        sink.checked(ctx.site.slug, checks)
        failed = [c for c in checks if not c.ok]
        detail = (
            f"{len(results)} device(s) backed up, {len(drifts)} drifted, "
            f"{len(checks) - len(failed)}/{len(checks)} check(s) passed"
        )
        if unreachable:
            detail += "; unreachable: " + ", ".join(unreachable)
        return StageOutcome(ok=True, detail=detail, hosts=hosts, checks=checks)

    return stage


def endpoints_watch(sink: DriftSink) -> Callable[[StageContext], StageOutcome]:
    def stage(ctx: StageContext) -> StageOutcome:
        from digikel.rollout.endpoints import endpoint_checks, endpoints_stage

        events: list[dict[str, Any]] = []
        outcome = endpoints_stage(ctx, check=True, on_raw_event=events.append)
        if outcome.skipped:
            return outcome
        secrets = _secret_values(ctx)
        changes = changes_from_events(events)
        drifts = [endpoint_drift(ctx.site.slug, h, c, secrets) for h, c in sorted(changes.items())]
        for drift in drifts:
            ctx.on_event(drift.target, f"DRIFTED: {drift.summary}")
        compared = [o.host for o in outcome.hosts if not (o.failed or o.unreachable)]
        sink.add(ctx.run_id, ctx.site.slug, "endpoints", compared, drifts)
        checks = endpoint_checks(ctx)
        sink.checked(ctx.site.slug, checks)
        failed = [c for c in checks if not c.ok]
        broken = [o.host for o in outcome.hosts if o.failed or o.unreachable]
        detail = (
            f"{len(outcome.hosts)} host(s) in check mode, {len(drifts)} drifted, "
            f"{len(checks) - len(failed)}/{len(checks)} check(s) passed"
        )
        if broken:
            detail += "; failed or unreachable: " + ", ".join(broken)
        # Check mode's "changed" is what WOULD change: the watch changed nothing.
        hosts = [
            HostOutcome(o.host, False, o.failed, o.unreachable, o.detail) for o in outcome.hosts
        ]
        return StageOutcome(ok=True, detail=detail, hosts=hosts, checks=checks)

    return stage


def services_watch(sink: DriftSink) -> Callable[[StageContext], StageOutcome]:
    def stage(ctx: StageContext) -> StageOutcome:
        return _services(ctx, sink)

    return stage


def _services(ctx: StageContext, sink: DriftSink) -> StageOutcome:
    from digikel.rollout.probes import application_checks, printer_check

    checks: list[Check] = [printer_check(p) for p in ctx.site.devices_of("printer")]
    checks += application_checks(ctx.inventory, ctx.site, ctx.reached_through())
    sink.checked(ctx.site.slug, checks)
    for check in checks:
        ctx.on_event(check.target or "", f"{check.name}: {'ok' if check.ok else 'FAILED'}")
    failed = [c for c in checks if not c.ok]
    detail = f"{len(checks) - len(failed)}/{len(checks)} check(s) passed" + (
        ": " + "; ".join(f"{c.target} {c.name}: {c.detail}" for c in failed[:5]) if failed else ""
    )
    return StageOutcome(ok=True, detail=detail, checks=checks)
