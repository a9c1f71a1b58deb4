"""The rollout engine's logic, with stand-in stages over a real SQLite store.

The stages here are fakes on purpose: this tests ordering, stopping, resuming and recording.
The real stages run against the lab in tests/integration/rollout.
"""

from __future__ import annotations

import threading

import pytest

from digikel.rollout.engine import RolloutOptions, run_rollout
from digikel.rollout.locks import SiteLocks
from digikel.rollout.plan import chosen_stages, remaining_stages
from digikel.rollout.resume import resume_point
from digikel.rollout.stages import STAGES, StageContext, StageOutcome
from digikel.store import Check, HostOutcome, open_store


@pytest.fixture
def store(tmp_path):
    with open_store(f"sqlite:///{tmp_path / 'store.db'}") as opened:
        yield opened


def recorder(fail: dict[tuple[str, str], str] | None = None):
    calls: list[tuple[str, str]] = []
    lock = threading.Lock()

    def make(stage: str):
        def fn(ctx: StageContext) -> StageOutcome:
            with lock:
                calls.append((ctx.site.slug, stage))
            why = (fail or {}).get((ctx.site.slug, stage))
            checks = (
                [
                    Check("network", "tunnel up", True, target=d.name)
                    for d in ctx.site.network_devices
                ]
                if stage == "verify"
                else []
            )
            return StageOutcome(
                ok=why is None,
                changed=stage == "network",
                detail=why or "",
                hosts=[HostOutcome(f"{ctx.site.slug}-rtr01", stage == "network", why is not None)],
                checks=checks,
            )

        return fn

    return {s: make(s) for s in STAGES}, calls


def options(inv, slugs, **kw):
    return RolloutOptions(sites=[inv.site(s) for s in slugs], stages=list(STAGES), **kw)


def test_every_site_runs_every_stage_in_order(inv, store) -> None:
    fns, calls = recorder()
    result = run_rollout(inv, store, SiteLocks(store), options(inv, ["loa-bakung", "bukuan"]), fns)
    assert result.status == "ok" and result.exit_code == 0
    for slug in ("loa-bakung", "bukuan"):
        assert [stage for site, stage in calls if site == slug] == list(STAGES)
    stages = store.stages(run_id=result.run_id)
    assert {(s.site, s.stage, s.status) for s in stages} == {
        (slug, stage, "ok") for slug in ("loa-bakung", "bukuan") for stage in STAGES
    }
    assert store.run(result.run_id).status == "ok"
    assert len(store.latest_checks("loa-bakung")) == 4  # one per network device


def test_a_failed_stage_stops_its_site_only(inv, store) -> None:
    fns, calls = recorder({("bukuan", "network"): "push failed on bukuan-sw01"})
    result = run_rollout(inv, store, SiteLocks(store), options(inv, ["loa-bakung", "bukuan"]), fns)
    assert result.status == "partial" and result.exit_code == 3
    by_site = {r.site: r for r in result.sites}
    assert by_site["bukuan"].status == "failed"
    assert by_site["bukuan"].detail == "network: push failed on bukuan-sw01"
    assert ("bukuan", "endpoints") not in calls
    assert by_site["loa-bakung"].status == "ok"


def test_nothing_ok_is_exit_1(inv, store) -> None:
    fns, _ = recorder({("bukuan", "preflight"): "physical works not done"})
    result = run_rollout(inv, store, SiteLocks(store), options(inv, ["bukuan"]), fns)
    assert (result.status, result.exit_code) == ("failed", 1)


def test_max_failures_stops_starting_new_sites(inv, store) -> None:
    slugs = ["bantuas", "bukuan", "handil-bakti", "rawa-makmur", "simpang-pasir"]
    fns, calls = recorder({(s, "preflight"): "down" for s in slugs})
    result = run_rollout(
        inv, store, SiteLocks(store), options(inv, slugs, workers=1, max_failures=2), fns
    )
    statuses = [r.status for r in result.sites]
    assert statuses == ["failed", "failed", "not-started", "not-started", "not-started"]
    assert result.sites[2].detail == "stopped by --max-failures"
    assert {site for site, _ in calls} == {"bantuas", "bukuan"}


def test_a_locked_site_is_refused_and_named(inv, store) -> None:
    locks = SiteLocks(store)
    other_run = store.start_run(kind="rollout", operator="siti")
    holder = locks.acquire("bukuan", other_run)
    fns, calls = recorder()
    result = run_rollout(inv, store, locks, options(inv, ["bukuan"]), fns)
    assert result.sites[0].status == "locked"
    assert (
        "being rolled out by" in result.sites[0].detail
        and f"run {other_run}" in result.sites[0].detail
    )
    assert calls == []
    locks.release("bukuan", holder)
    assert locks.holder("bukuan") is None


def test_a_stale_lock_of_a_dead_process_is_taken_over(inv, store) -> None:
    import subprocess
    import sys

    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    locks = SiteLocks(store)
    run = store.start_run(kind="rollout")
    from sqlalchemy import insert

    from digikel.store.api import utcnow
    from digikel.store.models import site_locks

    with store.engine.begin() as conn:
        conn.execute(
            insert(site_locks).values(
                site="bukuan",
                run_id=run,
                operator="ghost",
                hostname=locks.hostname,
                pid=int(dead.stdout),
                since=utcnow(),
            )
        )
    holder = locks.acquire("bukuan", run)
    assert holder.operator != "ghost"


def test_check_mode_records_the_run_but_no_readiness(inv, store) -> None:
    fns, _ = recorder()
    result = run_rollout(inv, store, SiteLocks(store), options(inv, ["bukuan"], check=True), fns)
    assert store.run(result.run_id).kind == "rollout-check"
    assert store.latest_checks("bukuan") == []


def test_resume_continues_at_the_first_unfinished_stage(inv, store) -> None:
    fns, _ = recorder({("bukuan", "endpoints"): "container down"})
    first = run_rollout(inv, store, SiteLocks(store), options(inv, ["loa-bakung", "bukuan"]), fns)
    point = resume_point(store)
    assert point.run.id == first.run_id
    assert point.done["bukuan"] == {"preflight", "network"}
    fns, calls = recorder()
    second = run_rollout(
        inv,
        store,
        SiteLocks(store),
        options(inv, point.sites, done=point.done, resume_of=point.run.id),
        fns,
    )
    assert second.status == "ok"
    assert sorted(calls) == [("bukuan", "endpoints"), ("bukuan", "verify")]
    with pytest.raises(Exception, match="finished ok"):
        resume_point(store)


def test_stage_selection() -> None:
    assert chosen_stages(None) == list(STAGES)
    assert chosen_stages(["verify", "network"]) == ["network", "verify"]
    with pytest.raises(Exception, match="expected one of"):
        chosen_stages(["deploy"])
    assert remaining_stages(list(STAGES), {"preflight", "endpoints"}) == [
        "network",
        "endpoints",
        "verify",
    ]
    assert remaining_stages(list(STAGES), set(STAGES)) == []


def test_verify_playbook_events_become_checks() -> None:
    from digikel.rollout.endpoints import check_from_event

    def event(kind, task, host, msg):
        return {"event": kind, "event_data": {"task": task, "host": host, "res": {"msg": msg}}}

    ok = event(
        "runner_on_ok",
        "Check counters: browser opens the kelurahan's portal",
        "x-pc01",
        {"ok": True, "detail": "policy starts on https://portal/x/"},
    )
    bad = event(
        "runner_on_ok",
        "Check displays: kiosk and nightly restart enabled",
        "x-dsp01",
        {"ok": "False", "detail": "digikel-kiosk.service disabled,\n  timer enabled"},
    )
    broken = event(
        "runner_on_failed",
        "Check counters: the site's printer queues are installed",
        "x-pc02",
        "undefined variable",
    )
    other = event("runner_on_ok", "List the printer queues", "x-pc01", "")
    assert check_from_event(ok) == Check(
        "counters",
        "browser opens the kelurahan's portal",
        True,
        "policy starts on https://portal/x/",
        "x-pc01",
    )
    assert check_from_event(bad) == Check(
        "displays",
        "kiosk and nightly restart enabled",
        False,
        "digikel-kiosk.service disabled, timer enabled",
        "x-dsp01",
    )
    assert check_from_event(broken) == Check(
        "counters", "the site's printer queues are installed", False, "undefined variable", "x-pc02"
    )
    assert check_from_event(other) is None
