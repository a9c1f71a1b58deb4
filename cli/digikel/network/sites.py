"""One network operation on one site's devices, through the one executor (the rollout's entry).

Apart from operations.py so that the per-device steps never import the executor that schedules
them (no module cycle: operations <- runner <- sites).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from digikel.network.operations import (
    OPERATIONS,
    Options,
    Work,
    backup_device,
    push_device,
    verify_device,
)
from digikel.network.results import DeviceResult
from digikel.network.runner import run

if TYPE_CHECKING:
    from digikel.inventory.model import Inventory, Site

Callback = Callable[[DeviceResult], None]


def run_site(
    operation: Callable[[Work], DeviceResult],
    inv: Inventory,
    site: Site,
    secrets: dict[str, Any],
    options: Options | None = None,
    *,
    hosts: list[str] | None = None,
    on_result: Callback | None = None,
) -> list[DeviceResult]:
    """One operation on a site's network devices, through the one executor (runner.run)."""
    name = next(k for k, v in OPERATIONS.items() if v is operation)
    devices = [d for d in site.network_devices if hosts is None or d.name in hosts]
    if not devices:
        return []
    return run(
        name,
        inv,
        [(site, devices)],
        secrets,
        options or Options(),
        workers=len(devices),
        on_result=on_result,
    )


def push_site(
    inv: Inventory,
    site: Site,
    secrets: dict[str, Any],
    options: Options | None = None,
    *,
    hosts: list[str] | None = None,
    on_result: Callback | None = None,
) -> list[DeviceResult]:
    """Push the intended configuration to a site (the rollout command's entry point)."""
    return run_site(push_device, inv, site, secrets, options, hosts=hosts, on_result=on_result)


def verify_site(
    inv: Inventory,
    site: Site,
    secrets: dict[str, Any],
    options: Options | None = None,
    *,
    hosts: list[str] | None = None,
    on_result: Callback | None = None,
) -> list[DeviceResult]:
    return run_site(verify_device, inv, site, secrets, options, hosts=hosts, on_result=on_result)


def backup_site(
    inv: Inventory,
    site: Site,
    secrets: dict[str, Any],
    options: Options | None = None,
    *,
    hosts: list[str] | None = None,
    on_result: Callback | None = None,
) -> list[DeviceResult]:
    return run_site(backup_device, inv, site, secrets, options, hosts=hosts, on_result=on_result)
