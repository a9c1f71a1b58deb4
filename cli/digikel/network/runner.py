"""Run one operation over many devices with a bounded number of workers.

Every device is one task for the pool, so `workers` bounds the device sessions open at once. Push
and rollback land each site's changes in order (access devices first, router last): a device
waits, right before its first change, for the devices before it (ordering.py). Results come
back in site order whatever order the devices finished in.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from digikel.network.operations import OPERATIONS, Options, Work
from digikel.network.ordering import SiteOrder
from digikel.network.results import DeviceResult

if TYPE_CHECKING:
    from digikel.inventory.model import Device, Inventory, Site

SEQUENTIAL_IN_SITE = frozenset({"push", "rollback"})
RENDERED_FIRST = frozenset({"push", "diff", "verify"})
DEFAULT_WORKERS = 8


def run(
    operation: str,
    inv: Inventory,
    targets: list[tuple[Site, list[Device]]],
    secrets: dict[str, Any],
    options: Options,
    *,
    workers: int = DEFAULT_WORKERS,
    on_start: Callable[[Device], None] | None = None,
    on_result: Callable[[DeviceResult], None] | None = None,
    rendered: dict[str, str] | None = None,
) -> list[DeviceResult]:
    """`rendered`: the intended configurations if the caller rendered them (prerender)."""
    func = OPERATIONS[operation]

    def one(device: Device, order: SiteOrder | None, index: int) -> DeviceResult:
        if on_start:
            on_start(device)
        work = Work(inv, device, secrets, options, rendered=prepared.get(device.name))
        if order is not None:
            work.before_change = order.gate(index)
            work.after_plan = order.reporter(index)
        try:
            res = func(work)
        finally:
            if order is not None:
                order.finished(index)
        if on_result:
            on_result(res)
        return res

    sequential = operation in SEQUENTIAL_IN_SITE
    orders = [
        SiteOrder(len(devices), [d.name for d in devices]) if sequential else None
        for _, devices in targets
    ]
    if sequential:
        # A site is planned whole before it changes, so its devices must run at once.
        workers = max(workers, max((len(devices) for _, devices in targets), default=1))
    prepared = rendered if rendered is not None else prerender(operation, inv, targets, secrets)
    futures: dict[tuple[int, int], Future[DeviceResult]] = {}
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        if sequential:
            # Site by site: a device waits only for its own site, whose devices were submitted
            # together to a FIFO pool at least one site wide: the condition to never deadlock.
            slots = [(n, r) for n, (_, ds) in enumerate(targets) for r in range(len(ds))]
        else:
            # Rank by rank: every site's first device, then every site's second... spreads
            # the sessions over sites.
            depth = max((len(devices) for _, devices in targets), default=0)
            slots = [
                (n, r) for r in range(depth) for n, (_, ds) in enumerate(targets) if r < len(ds)
            ]
        for number, rank in slots:
            job = pool.submit(one, targets[number][1][rank], orders[number], rank)
            futures[(number, rank)] = job
    return [
        futures[(number, rank)].result()
        for number, (_, devices) in enumerate(targets)
        for rank in range(len(devices))
    ]


def prerender(
    operation: str,
    inv: Inventory,
    targets: list[tuple[Site, list[Device]]],
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
