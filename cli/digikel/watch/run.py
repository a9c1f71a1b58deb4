"""`run_watch`: the watch as a run of the rollout engine, of its own kind ("watch").

Through the engine the watch gets what a rollout has: sites in parallel (`workers`), site locks
(a watch never reads a site a rollout is changing), every stage recorded as it starts and ends,
readiness checks recorded per site, and `resume` of a run that was stopped or ran out of time.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from digikel.errors import InputError
from digikel.watch.drift import Drift

if TYPE_CHECKING:
    from digikel.environment import Environment
    from digikel.inventory.model import Inventory, Site
    from digikel.network.store import BackupStore
    from digikel.rollout.engine import Reporter, RolloutResult
    from digikel.store import Store
    from digikel.watch.notify import Notification

WATCH_STAGES = ("network", "endpoints", "services")
KIND = "watch"
MAX_WORKERS = 64


@dataclass
class WatchOptions:
    workers: int = 8  # sites at once (each opens one session per device of the site)
    deadline: float | None = None  # seconds from the start; then no site or stage begins
    stages: tuple[str, ...] = WATCH_STAGES  # a subset: `--only network`, say
    artifacts_root: Path = Path(".digikel/artifacts")
    backups: BackupStore | None = None  # None: the default backup store (DIGIKEL_BACKUP_DIR)
    command_line: str = ""
    # Continue a watch: True the newest unfinished one, an int that run; its sites and stages.
    resume: bool | int = False
    secrets: dict[str, Any] | None = None  # the opened vault; None: opened once here
    environment: Environment | None = None
    reporter: Reporter | None = None
    # --notify: post a summary to the webhook (webhook_url, else the config's [watch] webhook_url)
    notify: bool = False
    webhook_url: str | None = None
    max_age_days: float | None = None  # readiness's --max-age; None: the configured one


@dataclass
class WatchResult:
    run: RolloutResult
    drifts: list[Drift] = field(default_factory=list)

    @property
    def drifted_sites(self) -> list[str]:
        return sorted({d.site for d in self.drifts})

    # (site, component, target, check name) of every check that failed in this pass
    failed_checks: list[tuple[str, str, str, str]] = field(default_factory=list)
    notification: Notification | None = None

    @property
    def exit_code(self) -> int:
        """0: every site watched, nothing drifted and every check passed; 3: some site drifted,
        failed a check or was not watched (locked, deadline); 1: nothing could be watched."""
        code = self.run.exit_code
        if code == 0 and (self.drifts or self.failed_checks):
            return 3
        return code

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.run.as_dict(),
            "kind": KIND,
            "drifted_sites": self.drifted_sites,
            "failed_checks": [
                {"site": s, "component": c, "target": t, "name": n}
                for s, c, t, n in self.failed_checks
            ],
            "drifts": [d.as_dict() for d in self.drifts],
            "notification": self.notification.as_dict() if self.notification else None,
        }


def _stage_functions(options: WatchOptions, sink: Any) -> dict[str, Any]:
    from digikel.network.store import BackupStore
    from digikel.watch.stages import endpoints_watch, network_watch, services_watch

    backups = options.backups or BackupStore()
    return {
        "network": network_watch(sink, backups),
        "endpoints": endpoints_watch(sink),
        "services": services_watch(sink),
    }


def run_watch(
    inventory: Inventory,
    targets: list[Site] | None,
    store: Store,
    options: WatchOptions | None = None,
) -> WatchResult:
    """One read-only pass over `targets` (None: every site), recorded in `store` as a run of
    kind "watch"; with options.notify, the summary posted to the webhook."""
    from digikel.inventory.secrets import load_secrets
    from digikel.rollout.engine import RolloutOptions, run_rollout
    from digikel.rollout.locks import SiteLocks
    from digikel.rollout.resume import resume_point
    from digikel.rollout.stages import RunResources
    from digikel.watch.stages import DriftSink

    options = options or WatchOptions()
    if not 1 <= options.workers <= MAX_WORKERS:
        raise InputError(f"--workers {options.workers}: expected 1 to {MAX_WORKERS}")
    if options.deadline is not None and not 0 < options.deadline < 7 * 86400:
        raise InputError(f"--deadline {options.deadline}: expected 1 second to 7 days")
    unknown = [s for s in options.stages if s not in WATCH_STAGES]
    if unknown or not options.stages:
        raise InputError(
            f"watch stages {list(options.stages)}: expected some of {', '.join(WATCH_STAGES)}"
        )
    sites = list(targets) if targets is not None else list(inventory.sites)
    stages = [s for s in WATCH_STAGES if s in options.stages]
    done: dict[str, set[str]] = {}
    resume_of = None
    if options.resume is not False:
        point = resume_point(
            store, None if options.resume is True else int(options.resume), kind=KIND
        )
        by_slug = {s.slug: s for s in inventory.sites}
        sites = [by_slug[s] for s in point.sites if s in by_slug]
        stages, done, resume_of = point.stages, point.done, point.run.id
    if options.notify:
        from digikel.watch.notify import webhook_url

        # Before the pass: a watch told to notify with nowhere to post is bad input at once.
        options.webhook_url = webhook_url(options.webhook_url)
    secrets = options.secrets if options.secrets is not None else load_secrets(inventory)
    sink = DriftSink(store)
    engine_options = RolloutOptions(
        sites=sites,
        stages=stages,
        check=False,  # the checks are recorded; the stages themselves never change anything
        workers=options.workers,
        artifacts_root=options.artifacts_root,
        command_line=options.command_line,
        resume_of=resume_of,
        done=done,
        resources=RunResources(store, secrets, options.environment),
        kind=KIND,
        deadline=time.monotonic() + options.deadline if options.deadline else None,
    )
    run = run_rollout(
        inventory,
        store,
        SiteLocks(store),
        engine_options,
        _stage_functions(options, sink),
        options.reporter,
    )
    result = WatchResult(
        run,
        sorted(sink.drifts, key=lambda d: (d.site, d.component, d.target)),
        failed_checks=[
            (site, c.component, c.target or "", c.name) for site, c in sink.failed_checks
        ],
    )
    if options.notify:
        from digikel.watch.notify import notify

        result.notification = notify(inventory, store, result, options)
    return result
