"""The engine's parts the watch adds: a run of its own kind, a deadline, resume by kind.
Stand-in stages over a real SQLite store; the real watch runs on the lab (tests/integration/watch).
"""

from __future__ import annotations

import threading
import time

import pytest

from digikel.errors import InputError
from digikel.rollout.engine import RolloutOptions, run_rollout
from digikel.rollout.locks import SiteLocks
from digikel.rollout.resume import resume_point
from digikel.rollout.stages import StageContext, StageOutcome
from digikel.watch import WATCH_STAGES

SITES = ["loa-bakung", "rapak-dalam", "bukuan"]


@pytest.fixture
def store(tmp_path):
    from digikel.store import open_store

    with open_store(f"sqlite:///{tmp_path / 'store.db'}") as opened:
        yield opened


def stand_ins(gate: threading.Event | None = None):
    calls: list[tuple[str, str]] = []

    def make(stage: str):
        def fn(ctx: StageContext) -> StageOutcome:
            calls.append((ctx.site.slug, stage))
            if gate is not None:
                gate.wait(10)
            return StageOutcome(ok=True)

        return fn

    return {s: make(s) for s in WATCH_STAGES}, calls


def options(inv, **kw):
    return RolloutOptions(
        sites=[inv.site(s) for s in SITES], stages=list(WATCH_STAGES), kind="watch", **kw
    )


def test_a_watch_is_a_run_of_its_own_kind(inv, store, tmp_path) -> None:
    fns, calls = stand_ins()
    result = run_rollout(inv, store, SiteLocks(store), options(inv, artifacts_root=tmp_path), fns)
    assert result.status == "ok"
    assert store.run(result.run_id).kind == "watch"
    assert len(calls) == len(SITES) * len(WATCH_STAGES)
    # A rollout's --resume never picks a watch, and a watch's never a rollout.
    with pytest.raises(InputError, match="no earlier rollout"):
        resume_point(store)
    with pytest.raises(InputError, match=r"last watch .* finished ok"):
        resume_point(store, kind="watch")


def test_past_its_deadline_no_site_or_stage_starts_and_the_rest_resumes(
    inv, store, tmp_path
) -> None:
    fns, calls = stand_ins()
    past = time.monotonic() - 1
    result = run_rollout(
        inv, store, SiteLocks(store), options(inv, artifacts_root=tmp_path, deadline=past), fns
    )
    assert calls == []
    assert [s.status for s in result.sites] == ["not-started"] * len(SITES)
    assert {s.detail for s in result.sites} == {"deadline reached"}
    assert result.status == "failed"
    point = resume_point(store, kind="watch")
    assert point.run.id == result.run_id and point.sites == SITES and point.done == {}


def test_a_deadline_reached_mid_site_stops_before_its_next_stage(inv, store, tmp_path) -> None:
    calls: list[tuple[str, str]] = []
    deadline = [time.monotonic() + 3600]

    def first(ctx: StageContext) -> StageOutcome:
        calls.append((ctx.site.slug, "network"))
        deadline[0] = time.monotonic()  # the deadline passes while the first stage runs
        engine_options.deadline = deadline[0]
        return StageOutcome(ok=True)

    fns, _ = stand_ins()
    fns["network"] = first
    engine_options = options(inv, artifacts_root=tmp_path, workers=1, deadline=deadline[0])
    result = run_rollout(inv, store, SiteLocks(store), engine_options, fns)
    assert calls == [("loa-bakung", "network")]
    site = result.sites[0]
    assert site.stages == {"network": "ok"}
    assert site.detail == "deadline reached before endpoints"
    point = resume_point(store, kind="watch")
    assert point.done == {"loa-bakung": {"network"}}
