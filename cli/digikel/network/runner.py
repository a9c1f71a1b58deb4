"""Run one operation over many devices with a bounded number of workers.

Push and rollback keep each site's devices in order (access devices first, router last) and run
sites in parallel; read-only operations run device by device in parallel.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from digikel.network.operations import OPERATIONS, Options, Work
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

    def one(device: Device) -> DeviceResult:
        if on_start:
            on_start(device)
        res = func(Work(inv, device, secrets, options))
        if on_result:
            on_result(res)
        return res

    def site_in_order(devices: list[Device]) -> list[DeviceResult]:
        return [one(d) for d in devices]

    if operation in SEQUENTIAL_IN_SITE:
        batches = [devices for _, devices in targets]
    else:
        batches = [[d] for _, devices in targets for d in devices]
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = [pool.submit(site_in_order, batch) for batch in batches]
        nested = [f.result() for f in futures]
    return [res for batch in nested for res in batch]
