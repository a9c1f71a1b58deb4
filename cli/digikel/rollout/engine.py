"""Run sites through their stages: in parallel, recorded as it happens, resumable, bounded.

A failed stage stops its site; a failed site never stops the others. Every stage is written to
the store when it starts and when it ends, so a run killed at any moment leaves a record that
`--resume` can continue from.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from digikel.rollout.locks import SiteLocked
from digikel.rollout.plan import remaining_stages
from digikel.rollout.stages import RunResources, StageContext, StageFn, StageOutcome

if TYPE_CHECKING:
    from digikel.inventory.model import Inventory, Site
    from digikel.rollout.locks import SiteLocks
    from digikel.store import Store

logger = logging.getLogger(__name__)


@dataclass
class RolloutOptions:
    sites: list[Site]
    stages: list[str]
    check: bool = False
    workers: int = 4
    max_failures: int | None = None
    artifacts_root: Path = Path(".digikel/artifacts")
    command_line: str = ""
    resume_of: int | None = None
    done: dict[str, set[str]] = field(default_factory=dict)  # site -> stages already done
    # Shared by every stage of the run (the store, the opened vault): opened once, not per site.
    resources: RunResources | None = None
    # The run's kind in the store; None: "rollout" ("rollout-check" with check). A watch is "watch".
    kind: str | None = None
    # time.monotonic() after which no site starts and no stage begins (the watch's --deadline):
    # what was not reached is "not-started", and the run can be resumed.
    deadline: float | None = None


@dataclass
class SiteResult:
    site: str
    status: str  # ok | failed | locked | not-started | interrupted
    stages: dict[str, str] = field(default_factory=dict)
    changed: bool = False
    detail: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "site": self.site,
            "status": self.status,
            "stages": self.stages,
            "changed": self.changed,
            "detail": self.detail,
        }


@dataclass
class RolloutResult:
    run_id: int
    status: str  # ok | partial | failed | interrupted
    sites: list[SiteResult]

    @property
    def exit_code(self) -> int:
        """0 all good, 3 some sites failed, 1 nothing could run (or interrupted)."""
        if self.status == "ok":
            return 0
        if self.status == "partial":
            return 3
        return 1

    def as_dict(self) -> dict[str, Any]:
        return {
            "run": self.run_id,
            "status": self.status,
            "sites": [s.as_dict() for s in self.sites],
        }


class Reporter:
    """Where progress goes; the CLI gives a live table on a terminal, plain lines elsewhere."""

    def stage_started(self, site: str, stage: str) -> None: ...
    def stage_finished(self, site: str, stage: str, outcome: StageOutcome) -> None: ...
    def site_finished(self, result: SiteResult) -> None: ...
    def event(self, site: str, host: str, text: str) -> None: ...


def run_rollout(
    inventory: Inventory,
    store: Store,
    locks: SiteLocks,
    options: RolloutOptions,
    stage_fns: dict[str, StageFn],
    reporter: Reporter | None = None,
) -> RolloutResult:
    reporter = reporter or Reporter()
    if options.resources is None:
        options.resources = RunResources(store)
    if options.resources.environment is None:
        from digikel.environment import environment_for

        # Resolved once, before the run is recorded: a missing plug-in stops nothing half-way.
        options.resources.environment = environment_for(inventory)
    run_id = store.start_run(
        kind=options.kind or ("rollout-check" if options.check else "rollout"),
        command_line=options.command_line,
        options={
            "sites": [s.slug for s in options.sites],
            "stages": options.stages,
            "check": options.check,
            "workers": options.workers,
            "max_failures": options.max_failures,
            "resume_of": options.resume_of,
            **(
                {"deadline_s": round(options.deadline - time.monotonic())}
                if options.deadline
                else {}
            ),
        },
    )
    logger.info(
        "run %d: %d site(s) through %s, %d at a time",
        run_id,
        len(options.sites),
        ", ".join(options.stages),
        options.workers,
    )
    stop = threading.Event()
    failures = 0
    results: dict[str, SiteResult] = {}

    def one_site(site: Site) -> SiteResult:
        return _run_site(inventory, store, locks, options, stage_fns, reporter, run_id, site, stop)

    pending = list(options.sites)
    running: dict[Future[SiteResult], Site] = {}
    interrupted = False
    with ThreadPoolExecutor(max_workers=max(1, options.workers), thread_name_prefix="site") as pool:
        try:
            while pending or running:
                blast = options.max_failures is not None and failures >= options.max_failures
                blast = blast or _past(options.deadline)
                while (
                    pending and len(running) < options.workers and not blast and not stop.is_set()
                ):
                    site = pending.pop(0)
                    running[pool.submit(one_site, site)] = site
                if not running:
                    break
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    site = running.pop(future)
                    result = future.result()
                    # Only this (the main) thread collects results: no lock needed.
                    results[site.slug] = result
                    if result.status in ("failed", "locked"):
                        failures += 1
                    reporter.site_finished(result)
        except KeyboardInterrupt:
            # Stages check `stop` between steps; what is running finishes its current stage.
            logger.info("run %d interrupted: finishing the stages under way", run_id)
            interrupted = True
            stop.set()
            for future, site in running.items():
                results[site.slug] = future.result()
    reason = "stopped by --max-failures" if not interrupted else "interrupted"
    if not interrupted and _past(options.deadline):
        reason = "deadline reached"
    for site in pending:
        results[site.slug] = SiteResult(site.slug, "not-started", detail=reason)
        reporter.site_finished(results[site.slug])
    ordered = [results[s.slug] for s in options.sites]
    status = _run_status(ordered, interrupted)
    store.finish_run(run_id, status)
    logger.info("run %d: %s", run_id, status)
    return RolloutResult(run_id, status, ordered)


def _past(deadline: float | None) -> bool:
    return deadline is not None and time.monotonic() >= deadline


def _run_status(results: list[SiteResult], interrupted: bool) -> str:
    if interrupted or any(r.status == "interrupted" for r in results):
        return "interrupted"
    good = sum(r.status == "ok" for r in results)
    if good == len(results):
        return "ok"
    return "partial" if good else "failed"


def _run_site(
    inventory: Inventory,
    store: Store,
    locks: SiteLocks,
    options: RolloutOptions,
    stage_fns: dict[str, StageFn],
    reporter: Reporter,
    run_id: int,
    site: Site,
    stop: threading.Event,
) -> SiteResult:
    result = SiteResult(site.slug, "ok")
    todo = remaining_stages(options.stages, options.done.get(site.slug, set()))
    for stage in options.stages:
        if stage not in todo:
            result.stages[stage] = "done earlier"
    try:
        holder = locks.acquire(site.slug, run_id)
    except SiteLocked as exc:
        logger.info("%s: locked by another run, skipped", site.slug)
        result.status, result.detail = "locked", str(exc)
        return result
    try:
        for stage in todo:
            if stop.is_set():
                result.status, result.detail = "interrupted", f"before {stage}"
                break
            if _past(options.deadline):
                result.status, result.detail = "not-started", f"deadline reached before {stage}"
                break
            outcome = _run_stage(
                inventory, store, options, stage_fns[stage], reporter, run_id, site, stage
            )
            result.stages[stage] = (
                "skipped" if outcome.skipped else ("ok" if outcome.ok else "failed")
            )
            result.changed |= outcome.changed
            if not outcome.ok:
                result.status, result.detail = "failed", f"{stage}: {outcome.detail}"
                break
    finally:
        locks.release(site.slug, holder)
    return result


def _run_stage(
    inventory: Inventory,
    store: Store,
    options: RolloutOptions,
    fn: StageFn,
    reporter: Reporter,
    run_id: int,
    site: Site,
    stage: str,
) -> StageOutcome:
    store.record_stage(run_id, site.slug, stage, "running")
    logger.debug("%s: stage %s started", site.slug, stage)
    reporter.stage_started(site.slug, stage)
    artifacts = options.artifacts_root / f"run-{run_id}" / site.slug / stage

    def on_event(host: str, text: str) -> None:
        reporter.event(site.slug, host, text)

    shared = options.resources
    assert shared is not None  # run_rollout gave every run its resources
    context = StageContext(
        inventory,
        site,
        options.check,
        run_id,
        str(artifacts),
        on_event=on_event,
        store=shared.store,
        secrets=shared.secrets,
        environment=shared.environment,
    )
    try:
        outcome = fn(context)
    except Exception as exc:  # a stage's crash is that site's failure, never the whole run's
        logger.debug("%s: stage %s crashed", site.slug, stage, exc_info=True)
        outcome = StageOutcome(ok=False, detail=f"{type(exc).__name__}: {exc}")
    if outcome.hosts:
        store.record_host_results(run_id, site.slug, stage, outcome.hosts)
    if outcome.checks and not options.check:
        store.record_checks(run_id, site.slug, outcome.checks)
    store.record_stage(
        run_id,
        site.slug,
        stage,
        "skipped" if outcome.skipped else ("ok" if outcome.ok else "failed"),
        detail=outcome.detail or None,
        changed=outcome.changed,
    )
    reporter.stage_finished(site.slug, stage, outcome)
    return outcome
