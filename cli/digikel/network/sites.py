"""One network operation on one site's devices, through the one executor (the rollout's entry).

Apart from operations.py so that the per-device steps never import the executor that schedules
them (no module cycle: operations <- runner <- sites).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from digikel.network.operations import OPERATIONS, Options
from digikel.network.results import DeviceResult
from digikel.network.runner import run

if TYPE_CHECKING:
    from digikel.inventory.model import Inventory, Site

Callback = Callable[[DeviceResult], None]


def run_site(
    operation: str,
    inv: Inventory,
    site: Site,
    secrets: dict[str, Any],
    options: Options | None = None,
    *,
    hosts: list[str] | None = None,
    on_result: Callback | None = None,
) -> list[DeviceResult]:
    """One operation (`push`, `verify`, `backup`, ...: runner.OPERATIONS) on a site's network
    devices, through the one executor, one worker per device in the site's order."""
    if operation not in OPERATIONS:
        raise ValueError(f"unknown network operation {operation!r}")
    devices = [d for d in site.network_devices if hosts is None or d.name in hosts]
    if not devices:
        return []
    return run(
        operation,
        inv,
        [(site, devices)],
        secrets,
        options or Options(),
        workers=len(devices),
        on_result=on_result,
    )
