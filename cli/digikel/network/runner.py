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
) -> list[DeviceResult]:
    func = OPERATIONS[operation]

    def one(device: Device, order: SiteOrder | None, index: int) -> DeviceResult:
        if on_start:
            on_start(device)
        work = Work(inv, device, secrets, options)
        if order is not None:
            work.before_change = order.gate(index)
        try:
            res = func(work)
        finally:
            if order is not None:
                order.finished(index)
        if on_result:
            on_result(res)
        return res

    orders = [
        SiteOrder(len(devices)) if operation in SEQUENTIAL_IN_SITE else None
        for _, devices in targets
    ]
    futures: dict[tuple[int, int], Future[DeviceResult]] = {}
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        # Rank by rank: every site's first device, then every site's second... A device then
        # rarely waits for the one before it (submitted a whole rank earlier), so workers are
        # not held idle; and each waits only for devices submitted before it, in a FIFO pool:
        # the condition ordering.py needs to never deadlock.
        for rank in range(max((len(devices) for _, devices in targets), default=0)):
            for number, (_, devices) in enumerate(targets):
                if rank < len(devices):
                    job = pool.submit(one, devices[rank], orders[number], rank)
                    futures[(number, rank)] = job
    return [
        futures[(number, rank)].result()
        for number, (_, devices) in enumerate(targets)
        for rank in range(len(devices))
    ]
