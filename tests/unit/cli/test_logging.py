"""The rollout engine and the network executor log what they do (digikel.rollout.engine,
digikel.network.runner); --verbose is what shows it (test_small_items.py, through the CLI)."""

from __future__ import annotations

import logging

import pytest

from digikel.rollout.engine import RolloutOptions, run_rollout
from digikel.rollout.locks import SiteLocks
from digikel.rollout.stages import STAGES, StageContext, StageOutcome
from digikel.store import open_store


def test_a_rollout_logs_its_plan_its_stages_and_its_end(
    inv, tmp_path, caplog: pytest.LogCaptureFixture
) -> None:
    def failing(ctx: StageContext) -> StageOutcome:
        raise RuntimeError("boom")

    fns = {s: (failing if s == "network" else (lambda ctx: StageOutcome(ok=True))) for s in STAGES}
    options = RolloutOptions(sites=[inv.site("bukuan")], stages=list(STAGES))
    caplog.set_level(logging.DEBUG, logger="digikel")
    with open_store(f"sqlite:///{tmp_path / 'store.db'}") as store:
        result = run_rollout(inv, store, SiteLocks(store), options, fns)
    said = [r.getMessage() for r in caplog.records if r.name == "digikel.rollout.engine"]
    assert f"run {result.run_id}: 1 site(s) through {', '.join(STAGES)}, 4 at a time" in said
    assert "bukuan: stage network started" in said
    assert "bukuan: stage network crashed" in said
    assert said[-1] == f"run {result.run_id}: failed"
