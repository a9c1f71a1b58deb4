"""The rows one watch's findings become, checked before any database is touched."""

from __future__ import annotations

import datetime as dt

import pytest

from digikel.store.drift import SUMMARY_MAX, drift_rows
from digikel.store.records import Drift

AT = dt.datetime(2026, 11, 30, 19, tzinfo=dt.UTC)


def test_drifted_and_clean_targets_become_one_row_each():
    rows = drift_rows(
        7,
        "sempaja",
        [Drift("printers", "sempaja-prn01", "queue loket deleted", "-loket\n")],
        [("applications", "portal")],
        AT,
    )
    assert [(r["component"], r["target"], r["drifted"], r["diff"]) for r in rows] == [
        ("printers", "sempaja-prn01", True, "-loket\n"),
        ("applications", "portal", False, None),
    ]
    assert all(r["run_id"] == 7 and r["found_at"] == AT for r in rows)


@pytest.mark.parametrize(
    ("drift", "message"),
    [
        (Drift("network", "", "x", "d"), "expected a target"),
        (Drift("network", "rtr", " \n ", "d"), "expected a summary"),
        (Drift("displays", "tv", "x", "d"), "expected one of network, endpoints"),
    ],
)
def test_a_malformed_finding_is_refused(drift, message):
    with pytest.raises(ValueError, match=message):
        drift_rows(1, "sempaja", [drift], [], AT)


def test_a_summary_is_put_on_one_line_and_cut_to_the_column():
    long = "task " * 100
    rows = drift_rows(
        1,
        "sempaja",
        [
            Drift("endpoints", "pc01", "2 task(s):\n  edge policy", "d"),
            Drift("network", "r", long, "d"),
        ],
        [],
        AT,
    )
    assert rows[0]["summary"] == "2 task(s): edge policy"
    assert len(rows[1]["summary"]) == SUMMARY_MAX and rows[1]["summary"].endswith("\u2026")


def test_a_target_both_drifted_and_clean_is_refused_and_a_repeated_clean_one_kept_once():
    found = [Drift("network", "rtr", "x", "d")]
    with pytest.raises(ValueError, match="given twice"):
        drift_rows(1, "sempaja", found, [("network", "rtr")], AT)
    rows = drift_rows(1, "sempaja", found, [("network", "sw"), ("network", "sw")], AT)
    assert [(r["target"], r["drifted"]) for r in rows] == [("rtr", True), ("sw", False)]
