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
    # The whole site was planned (every device read) before the first change started.
    first_change = min(t["apply_start"] for t in timeline.values())
    assert all(timeline[n]["fetch"] < first_change for n in names)


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


def test_a_site_with_a_device_that_cannot_be_planned_changes_nothing(trusted) -> None:
    """The router refuses the login: its switch and access points are not changed either, while
    another site of the same run is changed as usual."""
    netlab = trusted
    targets = select_devices(netlab.inv, sites=["loa-bakung", "handil-bakti"])
    names = [d.name for _, devices in targets for d in devices]
    netlab.lab.reset(names)
    netlab.lab.inject("loa-bakung-rtr01", "auth")
    try:
        results = run("push", netlab.inv, targets, netlab.secrets, netlab.options(), workers=3)
    finally:
        netlab.lab.clear("loa-bakung-rtr01")
    by = {r.device: r for r in results}
    assert by["loa-bakung-rtr01"].failed and "authentication" in by["loa-bakung-rtr01"].error
    for name in ("loa-bakung-sw01", "loa-bakung-ap01", "loa-bakung-ap02"):
        assert by[name].failed and not by[name].changed
        assert "loa-bakung-rtr01 of the same site could not be planned" in by[name].error
        assert netlab.lab.device_state(name)["menus"]["/system/identity"].get("name") != name
    assert all(by[n].ok and by[n].changed for n in names if n.startswith("handil-bakti"))


def test_workers_bound_the_sessions_open_at_once(trusted, monkeypatch) -> None:
    """Plans and changes are separate tasks; none waits holding a session."""
    from contextlib import contextmanager

    from digikel.network import connection

    netlab = trusted
    targets = select_devices(netlab.inv, sites=["loa-bakung", "handil-bakti", "sungai-keledang"])
    names = [d.name for _, devices in targets for d in devices]
    netlab.lab.reset(names)
    lock = threading.Lock()
    open_now = [0]
    most = [0]
    real = connection.connect

    @contextmanager
    def counted(ep: Any, timeouts: Any) -> Any:
        with lock:
            open_now[0] += 1
            most[0] = max(most[0], open_now[0])
        try:
            with real(ep, timeouts) as conn:
                yield conn
        finally:
            with lock:
                open_now[0] -= 1

    monkeypatch.setattr(operations, "connect", counted)
    results = run("push", netlab.inv, targets, netlab.secrets, netlab.options(), workers=2)
    assert all(r.ok and r.changed for r in results), [(r.device, r.error) for r in results]
    # Each change also opens the guard's proof session from inside its own (routeros_guard.proof_session,
    # not counted here): at most 2 workers x 1 task session each.
    assert most[0] <= 2


def test_the_rollouts_network_stage_goes_through_the_same_executor_in_site_order(
    trusted, timeline, tmp_path
) -> None:
    """The rollout's network stage (run_site, one worker per device) keeps the site's order and
    plans the site whole first, like `network push`; its outcome counts what was really sent."""
    from digikel.rollout.network_stage import network_stage
    from digikel.rollout.stages import StageContext

    netlab = trusted
    site = netlab.inv.site("loa-bakung")
    names = [
        d.name for _, devices in select_devices(netlab.inv, sites=["loa-bakung"]) for d in devices
    ]
    netlab.lab.reset(names)
    events: list[tuple[str, str]] = []
    ctx = StageContext(
        inventory=netlab.inv,
        site=site,
        check=False,
        run_id=0,
        artifacts_dir=str(tmp_path),
        on_event=lambda host, text: events.append((host, text)),
        secrets=netlab.secrets,
    )

    outcome = network_stage(ctx)

    assert outcome.ok and outcome.changed, outcome.detail
    assert sorted(h.host for h in outcome.hosts) == sorted(names)
    assert all(h.changed and not h.failed for h in outcome.hosts)
    assert {host for host, _ in events} == set(names)
    for earlier, later in itertools.pairwise(names):
        assert timeline[later]["apply_start"] >= timeline[earlier]["apply_end"], (earlier, later)
    first_change = min(t["apply_start"] for t in timeline.values())
    assert all(timeline[n]["fetch"] < first_change for n in names)
    # Nothing left: the same stage in check mode would send nothing.
    ctx.check = True
    again = network_stage(ctx)
    assert again.ok and not again.changed and "would send 0 command(s)" in again.detail
