"""Which function runs each stage: the one place the rollout meets the other parts of digikel."""

from __future__ import annotations

from digikel.rollout.endpoints import endpoints_stage
from digikel.rollout.network_stage import network_stage
from digikel.rollout.preflight import preflight_stage
from digikel.rollout.stages import StageFn
from digikel.rollout.verify import verify_stage


def stage_functions() -> dict[str, StageFn]:
    return {
        "preflight": preflight_stage,
        "network": network_stage,
        "endpoints": endpoints_stage,
        "verify": verify_stage,
    }
