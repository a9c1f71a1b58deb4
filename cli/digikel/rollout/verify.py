"""The verify stage: every component of readiness checked for real, and recorded as checks.

Network post-checks come from the devices themselves, printers answer IPP, and the endpoints'
state is checked on the endpoints by Ansible. Whatever a check could not reach is a failed
check, never a silent gap.
"""

from __future__ import annotations

from digikel.rollout.endpoints import endpoint_checks
from digikel.rollout.network_stage import network_checks
from digikel.rollout.probes import application_checks, printer_check
from digikel.rollout.stages import StageContext, StageOutcome
from digikel.store import Check


def verify_stage(ctx: StageContext) -> StageOutcome:
    if ctx.check:
        # A dry run applied nothing: verifying would only re-test the unchanged site.
        return StageOutcome(ok=True, skipped=True, detail="skipped in --check: nothing applied")
    checks: list[Check] = []
    net, _ = network_checks(ctx)
    checks += net
    checks += [printer_check(p) for p in ctx.site.devices_of("printer")]
    checks += application_checks(ctx.inventory, ctx.site, ctx.reached_through())
    checks += endpoint_checks(ctx)
    for check in checks:
        ctx.on_event(check.target or "", f"{check.name}: {'ok' if check.ok else 'FAILED'}")
    failed = [c for c in checks if not c.ok]
    detail = (
        f"{len(checks)} check(s) passed"
        if not failed
        else f"{len(failed)} of {len(checks)} check(s) failed: "
        + "; ".join(f"{c.target} {c.name}: {c.detail}" for c in failed[:5])
    )
    return StageOutcome(ok=not failed, detail=detail, checks=checks)
