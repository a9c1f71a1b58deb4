"""The one network executor: one operation over many devices with a bounded number of workers.

`network push|diff|verify|backup|rollback` and the rollout's network stage all come here.
Read-only operations are one task per device, scheduled rank by rank (every site's first device,
then every site's second...) so the sessions spread over the sites. Push and rollback are two
tasks per device, the plan and the change (ordering.py): a site is planned whole before any of
it changes, and changes land in the site's order (access devices first, router last). No task
waits while holding a worker, so `workers` bounds the sessions open at once. Results come back
in site order whatever order the devices finished in.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from digikel.network.operations import OPERATIONS, Options, Prepared, Work, change, prepare
from digikel.network.ordering import SitePlan
from digikel.network.results import DeviceResult

if TYPE_CHECKING:
    from digikel.inventory.model import Device, Inventory, Site

SEQUENTIAL_IN_SITE = frozenset({"push", "rollback"})
RENDERED_FIRST = frozenset({"push", "diff", "verify"})
DEFAULT_WORKERS = 8

Targets = list[tuple["Site", list["Device"]]]

logger = logging.getLogger(__name__)


def run(
    operation: str,
    inv: Inventory,
    targets: Targets,
    secrets: dict[str, Any],
    options: Options,
    *,
    workers: int = DEFAULT_WORKERS,
    on_start: Callable[[Device], None] | None = None,
    on_result: Callable[[DeviceResult], None] | None = None,
    rendered: dict[str, str] | None = None,
) -> list[DeviceResult]:
    """`rendered`: the intended configurations if the caller rendered them (prerender)."""
    prepared = rendered if rendered is not None else prerender(operation, inv, targets, secrets)
    works = [
        [Work(inv, d, secrets, options, rendered=prepared.get(d.name)) for d in devices]
        for _, devices in targets
    ]
    logger.info(
        "%s: %d device(s) at %d site(s), %d worker(s)",
        operation,
        sum(len(site) for site in works),
        len(works),
        max(1, workers),
    )
    if operation in SEQUENTIAL_IN_SITE:
        done = _Changes(operation, works, on_start, on_result).run(max(1, workers))
    else:
        done = _read_only(operation, works, max(1, workers), on_start, on_result)
    return [done[(n, r)] for n, site in enumerate(works) for r in range(len(site))]


def _read_only(
    operation: str,
    works: list[list[Work]],
    workers: int,
    on_start: Callable[[Device], None] | None,
    on_result: Callable[[DeviceResult], None] | None,
) -> dict[tuple[int, int], DeviceResult]:
    func = OPERATIONS[operation]

    def one(work: Work) -> DeviceResult:
        if on_start:
            on_start(work.device)
        res = func(work)
        if on_result:
            on_result(res)
        return res

    futures: dict[tuple[int, int], Future[DeviceResult]] = {}
    depth = max((len(site) for site in works), default=0)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for rank in range(depth):
            for number, site in enumerate(works):
                if rank < len(site):
                    futures[(number, rank)] = pool.submit(one, site[rank])
    return {key: future.result() for key, future in futures.items()}


class _Changes:
    """Plan tasks and change tasks handed out to a fixed set of workers (ordering.py)."""

    def __init__(
        self,
        operation: str,
        works: list[list[Work]],
        on_start: Callable[[Device], None] | None,
        on_result: Callable[[DeviceResult], None] | None,
    ) -> None:
        self.operation = operation
        self.works = works
        self.on_start = on_start
        self.on_result = on_result
        self.sites = [SitePlan([w.device.name for w in site]) for site in works]
        self.prepared: dict[tuple[int, int], Prepared] = {}
        self.results: dict[tuple[int, int], DeviceResult] = {}
        self.ready: deque[tuple[str, int, int]] = deque()
        depth = max((len(site) for site in works), default=0)
        for rank in range(depth):
            for number, site in enumerate(works):
                if rank < len(site):
                    self.ready.append(("plan", number, rank))
        self.total = sum(len(site) for site in works)
        self.cond = threading.Condition()

    def run(self, workers: int) -> dict[tuple[int, int], DeviceResult]:
        threads = [threading.Thread(target=self._worker, daemon=True) for _ in range(workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return self.results

    def _worker(self) -> None:
        while True:
            with self.cond:
                while not self.ready and len(self.results) < self.total:
                    self.cond.wait()
                if not self.ready:
                    return
                kind, number, index = self.ready.popleft()
            work = self.works[number][index]
            try:
                self._task(kind, number, index, work)
            except Exception as exc:
                # A callback failing (a closed pipe) must not leave the others waiting forever.
                logger.debug("%s: %s task failed", work.device.name, kind, exc_info=True)
                with self.cond:
                    res = work.result(self.operation)
                    res.failed, res.error = True, f"{work.device.name}: {type(exc).__name__}: {exc}"
                    self.sites[number].plan_done(index, ok=False, needs_change=False)
                    self.sites[number].change_done(index)
                    self.results.setdefault((number, index), res)
                    self.cond.notify_all()

    def _task(self, kind: str, number: int, index: int, work: Work) -> None:
        if kind == "plan":
            if self.on_start:
                self.on_start(work.device)
            planned = prepare(work, self.operation)
            with self.cond:
                self._planned(number, index, planned)
                self.cond.notify_all()
        else:
            res = change(work, self.prepared[(number, index)])
            with self.cond:
                self.sites[number].change_done(index)
                self._finished(number, index, res)
                self._release_changes(number)
                self.cond.notify_all()

    def _planned(self, number: int, index: int, planned: Prepared) -> None:
        site = self.sites[number]
        self.prepared[(number, index)] = planned
        site.plan_done(index, ok=not planned.res.failed, needs_change=not planned.done)
        if planned.done:
            self._finished(number, index, change(self.works[number][index], planned))
        if not site.all_planned:
            return
        blocked = site.blocked_by()
        if blocked:
            # A site changes whole or not at all: nobody of it changes.
            slug = self.works[number][0].device.site
            logger.info("%s left unchanged: %s could not be planned", slug, ", ".join(blocked))
            for other, ready in enumerate(site.needs_change):
                if ready:
                    res = self.prepared[(number, other)].res
                    res.failed = True
                    res.error = (
                        f"{res.device}: not changed, because {', '.join(blocked)} of the same "
                        "site could not be planned (a site changes whole or not at all)"
                    )
                    site.needs_change[other] = False
                    self._finished(number, other, res)
            return
        self._release_changes(number)

    def _release_changes(self, number: int) -> None:
        index = self.sites[number].ready_change()
        if index is not None:
            logger.debug("%s: change released", self.works[number][index].device.name)
            # Changes go first: a site under way finishes before new sites are read.
            self.ready.appendleft(("change", number, index))

    def _finished(self, number: int, index: int, res: DeviceResult) -> None:
        self.results[(number, index)] = res
        if self.on_result:
            self.on_result(res)


def prerender(
    operation: str,
    inv: Inventory,
    targets: Targets,
    secrets: dict[str, Any],
) -> dict[str, str]:
    """Render every intended configuration before any device is contacted: a broken template or
    inventory value is bad input (exit 2, the template's file and line), and changes nothing."""
    if operation not in RENDERED_FIRST:
        return {}
    from digikel.network.render import render_device

    return {
        device.name: render_device(inv, device, secrets, masked=False).text
        for _, devices in targets
        for device in devices
    }
