"""Which stages a site still has to run: pure functions, easy to test."""

from __future__ import annotations

from collections.abc import Iterable

from digikel.errors import InputError
from digikel.rollout.stages import STAGES


def chosen_stages(only: Iterable[str] | None) -> list[str]:
    """The stages to run, in the fixed order, restricted by --only."""
    wanted = list(only or [])
    for stage in wanted:
        if stage not in STAGES:
            raise InputError(f"--only {stage!r}: expected one of {', '.join(STAGES)}")
    return [s for s in STAGES if not wanted or s in wanted]


def remaining_stages(stages: list[str], done: set[str]) -> list[str]:
    """What a resumed site still has to do.

    A site resumes at its first stage not done; every later stage runs again even if an earlier
    run finished it, because it builds on what comes before (a re-pushed network needs a
    fresh verify).
    """
    for i, stage in enumerate(stages):
        if stage not in done:
            return stages[i:]
    return []
