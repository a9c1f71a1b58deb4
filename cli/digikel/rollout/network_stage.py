"""The network and network-verify stages: the network issue's site operations, recorded."""

from __future__ import annotations

from typing import TYPE_CHECKING

from digikel.rollout.stages import StageContext, StageOutcome
from digikel.store import Check, HostOutcome

if TYPE_CHECKING:
    from digikel.network.results import DeviceResult


def _line(result: DeviceResult) -> str:
    if result.failed:
        return f"FAILED {result.operation}: {result.error}"
    sent = f", {len(result.commands)} command(s)" if result.commands else ""
    return f"{result.operation} ok{' (changed)' if result.changed else ''}{sent}"


def network_stage(ctx: StageContext) -> StageOutcome:
    """Back up, then push the intended configuration (access devices first, router last)."""
    from digikel.network.operations import Options
    from digikel.network.sites import run_site

    results = run_site(
        "push",
        ctx.inventory,
        ctx.site,
        ctx.vault(),
        Options(check=ctx.check),
        on_result=lambda r: ctx.on_event(r.device, _line(r)),
    )
    hosts = [
        HostOutcome(r.device, r.changed, r.failed, detail=r.error or _line(r)) for r in results
    ]
    failed = [r.device for r in results if r.failed]
    sent = sum(len(r.commands) for r in results)
    verb = "would send" if ctx.check else "sent"
    detail = (
        f"{len(results)} device(s), {verb} {sent} command(s)"
        if not failed
        else "failed: " + "; ".join(f"{r.device}: {r.error}" for r in results if r.failed)
    )
    return StageOutcome(
        ok=not failed, changed=any(r.changed for r in results), detail=detail, hosts=hosts
    )


def network_checks(ctx: StageContext) -> tuple[list[Check], list[str]]:
    """The network post-checks as readiness checks, and the devices that could not be checked."""
    from digikel.network.operations import Options
    from digikel.network.sites import run_site

    results = run_site("verify", ctx.inventory, ctx.site, ctx.vault(), Options(check=False))
    checks: list[Check] = []
    unreachable = []
    for result in results:
        if result.failed and not result.checks:
            unreachable.append(result.device)
            checks.append(Check("network", "device answers", False, result.error, result.device))
        checks.extend(
            Check("network", c.name, c.ok, c.detail, result.device) for c in result.checks
        )
    return checks, unreachable
