"""A site's changes land in order (access devices first, router last) while its reads overlap.

Timed on the real lab by wrapping the drivers' fetch and apply: the order is asserted from the
recorded start and end instants, never from durations.
"""

from __future__ import annotations

import itertools
import threading
import time
from typing import Any

import pytest

from digikel.network import operations, platforms
from digikel.network.runner import run
from digikel.network.targets import select_devices

pytestmark = pytest.mark.lab


@pytest.fixture
def timeline(monkeypatch: pytest.MonkeyPatch) -> dict[str, dict[str, float]]:
    """device -> first fetch start, apply start, apply end (perf_counter instants)."""
    seen: dict[str, dict[str, float]] = {}
    lock = threading.Lock()

    def note(device: str, key: str) -> None:
        with lock:
            seen.setdefault(device, {}).setdefault(key, time.perf_counter())

    real_fetch = operations.Work.fetch
    real_apply = {cls: cls.apply for cls in (platforms.RouterOS, platforms.IOS)}

    def fetch(self: Any, conn: Any) -> str:
        note(self.device.name, "fetch")
        return real_fetch(self, conn)

    def wrap(cls: Any) -> Any:
        def apply(self: Any, conn: Any, commands: list[str], ep: Any, timeouts: Any) -> Any:
            note(ep.name, "apply_start")
            try:
                return real_apply[cls](self, conn, commands, ep, timeouts)
            finally:
                note(ep.name, "apply_end")

        return apply

    monkeypatch.setattr(operations.Work, "fetch", fetch)
    for cls in real_apply:
        monkeypatch.setattr(cls, "apply", wrap(cls))
    return seen


def test_changes_in_site_order_reads_at_once(trusted, timeline) -> None:
    netlab = trusted
    targets = select_devices(netlab.inv, sites=["loa-bakung"])
    names = [d.name for _, devices in targets for d in devices]
    assert names[-1] == "loa-bakung-rtr01" and len(names) == 4
    netlab.lab.reset(names)

    pushed = run("push", netlab.inv, targets, netlab.secrets, netlab.options(), workers=4)

    assert all(r.ok and r.changed for r in pushed), [(r.device, r.error) for r in pushed]
    for earlier, later in itertools.pairwise(names):
        assert timeline[later]["apply_start"] >= timeline[earlier]["apply_end"], (earlier, later)
    # The router read its configuration before the first access device's change was over.
    assert timeline[names[-1]]["fetch"] < timeline[names[0]]["apply_end"]


def test_one_worker_still_finishes_in_order(trusted, timeline) -> None:
    """With fewer workers than devices nothing deadlocks, and the order holds."""
    netlab = trusted
    targets = select_devices(netlab.inv, sites=["handil-bakti"])
    names = [d.name for _, devices in targets for d in devices]
    netlab.lab.reset(names)

    pushed = run("push", netlab.inv, targets, netlab.secrets, netlab.options(), workers=1)

    assert [r.device for r in pushed] == names
    assert all(r.ok and r.changed for r in pushed), [(r.device, r.error) for r in pushed]
    for earlier, later in itertools.pairwise(names):
        assert timeline[later]["apply_start"] >= timeline[earlier]["apply_end"]
