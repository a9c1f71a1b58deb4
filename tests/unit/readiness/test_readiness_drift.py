"""Open drift as readiness sees it: a site with any is not ready, and each drifted target is a
blocker that names it and shows the first changed lines of its diff."""

from __future__ import annotations

import datetime as dt

from digikel.readiness.blockers import blocker_lines
from digikel.readiness.components import COMPONENTS, INAUGURATED, PHYSICAL_WORKS, State
from digikel.readiness.drift import drift_findings, first_lines
from digikel.readiness.evaluate import evaluate_site
from digikel.readiness.model import Batch, ManualEvent, SiteFacts
from digikel.store.records import DriftRecord

NOW = dt.datetime(2026, 11, 30, 12, tzinfo=dt.UTC)
WEEK = dt.timedelta(days=7)
FACTS = SiteFacts(
    number=1,
    slug="x",
    name="X",
    kecamatan="K",
    wave="2024",
    physical_status="done",
    physical_date=dt.date(2024, 5, 31),
    expected={"network": frozenset({"x-rtr01"})},
)
BATCHES = {"network": Batch("network", 1, NOW, True, frozenset({"x-rtr01"}))}
MARKED = [ManualEvent(INAUGURATED, "mark", None, None, "sari", NOW - WEEK)]


def record(target: str, diff: str, site: str = "x") -> DriftRecord:
    return DriftRecord(7, 3, site, "network", target, "1 rule added", diff, NOW)


def test_first_lines_skip_the_headers_and_fall_back_to_plain_text():
    diff = "--- intended\n+++ running\n@@ -1 +1 @@\n context\n-a\n+b\n+c\n+d\n"
    assert first_lines(diff) == ("-a", "+b", "+c")
    assert first_lines(diff, 1) == ("-a",)
    assert first_lines("\nexpected 200, got 503\nbody: maintenance\n") == (
        "expected 200, got 503",
        "body: maintenance",
    )


def test_open_drift_keeps_an_otherwise_ready_site_from_being_ready():
    clean = evaluate_site(FACTS, MARKED, BATCHES, NOW, WEEK)
    assert clean.ready and clean.blockers == []

    drift = drift_findings([record("x-rtr01", "-a\n+b\n"), record("y", "-", site="other")])
    assert set(drift) == {"x", "other"}
    drifted = evaluate_site(FACTS, MARKED, BATCHES, NOW, WEEK, drift["x"])
    assert not drifted.ready and not drifted.technically_ready
    # The components keep their states: the drift is a blocker of its own.
    assert [c.state for c in drifted.components] == [c.state for c in clean.components]
    (blocker,) = drifted.blockers
    assert blocker.state is State.DRIFTED and blocker.failed == ("x-rtr01",)
    assert blocker_lines(drifted, "en", WEEK) == [
        "x-rtr01 (Network) changed since delivery: 1 rule added [-a | +b]"
    ]
    assert blocker_lines(drifted, "id", WEEK) == [
        "x-rtr01 (Jaringan) berubah sejak diserahkan: 1 rule added [-a | +b]"
    ]


def test_drift_comes_after_the_other_blockers():
    not_started = SiteFacts(**{**FACTS.__dict__, "physical_status": "not-started"})
    readiness = evaluate_site(
        not_started, [], BATCHES, NOW, WEEK, drift_findings([record("x-rtr01", "-a")])["x"]
    )
    assert [b.component for b in readiness.blockers] == [PHYSICAL_WORKS, INAUGURATED, "drift"]
    assert len(readiness.components) == len(COMPONENTS)
