"""Drift records and notification state on real databases (SQLite, and PostgreSQL when
DIGIKEL_TEST_PG_URL is set): what a watch records, what stays open, what is named once."""

from __future__ import annotations

import datetime as dt

import pytest

from digikel.errors import InputError
from digikel.store import Drift, Store

T0 = dt.datetime(2026, 11, 1, 19, 0, tzinfo=dt.UTC)
DIFF = "--- intended\n+++ running\n@@ -4 +4 @@\n-add chain=input action=drop\n+add chain=input action=accept\n"


def watch(store: Store) -> int:
    return store.start_run(kind="watch", operator="digikel-watch", command_line="digikel watch")


def rule_added(target: str = "loa-bakung-rtr01") -> Drift:
    return Drift("network", target, "1 line changed in /ip firewall filter", DIFF)


def test_drift_stays_open_until_a_later_watch_finds_the_target_clean(store):
    first = watch(store)
    assert (
        store.record_drift(
            first,
            "loa-bakung",
            [rule_added(), Drift("endpoints", "loa-bakung-pc01", "policy edited", "-a\n+b\n")],
            clean=[("printers", "loa-bakung-prn01")],
            found_at=T0,
        )
        == 2
    )
    store.record_drift(watch(store), "sempaja", [rule_added("sempaja-rtr01")], found_at=T0)

    opened = store.open_drift("loa-bakung")
    assert [(d.component, d.target) for d in opened] == [
        ("endpoints", "loa-bakung-pc01"),
        ("network", "loa-bakung-rtr01"),
    ]
    assert opened[1].diff == DIFF and opened[1].run_id == first and opened[1].found_at == T0
    assert {d.site for d in store.open_drift()} == {"loa-bakung", "sempaja"}

    # The next night: the router is put back, the PC was not looked at (it stays open).
    later = watch(store)
    store.record_drift(
        later,
        "loa-bakung",
        [],
        clean=[("network", "loa-bakung-rtr01")],
        found_at=T0 + dt.timedelta(days=1),
    )
    assert [d.target for d in store.open_drift("loa-bakung")] == ["loa-bakung-pc01"]

    # Two nights later the router drifts again: open again, from the newest watch.
    again = watch(store)
    store.record_drift(again, "loa-bakung", [rule_added()], found_at=T0 + dt.timedelta(days=2))
    router = [d for d in store.open_drift("loa-bakung") if d.component == "network"]
    assert [d.run_id for d in router] == [again]

    history = store.drift_history("loa-bakung")
    assert [(d.run_id, d.target) for d in history] == [
        (again, "loa-bakung-rtr01"),
        (first, "loa-bakung-pc01"),  # recorded with the router, at the same time: newer id first
        (first, "loa-bakung-rtr01"),
    ]
    assert history[0].found_at == T0 + dt.timedelta(days=2)
    assert len(store.drift_history(limit=1)) == 1
    assert len(store.drift_history()) == 4  # clean rows are not drift


def test_a_bad_drift_record_writes_nothing(store):
    run = watch(store)
    with pytest.raises(ValueError, match="drift component 'counters'"):
        store.record_drift(run, "sempaja", [rule_added(), Drift("counters", "pc", "x", "y")])
    with pytest.raises(ValueError, match="expected a summary"):
        store.record_drift(run, "sempaja", [rule_added(), Drift("network", "rtr", "", "d")])
    with pytest.raises(ValueError, match="given twice"):
        store.record_drift(run, "sempaja", [rule_added()], clean=[("network", "loa-bakung-rtr01")])
    with pytest.raises(InputError, match="unknown run"):
        store.record_drift(run + 100, "sempaja", [rule_added()])
    assert store.drift_history() == [] and store.open_drift() == []


def test_a_site_is_named_once_until_its_state_changes_again(store):
    night1 = {"loa-bakung": "drift", "sempaja": "siap"}
    changes = store.newly_changed(night1)
    assert [(c.site, c.previous, c.current) for c in changes] == [
        ("loa-bakung", None, "drift"),
        ("sempaja", None, "siap"),
    ]
    assert store.newly_changed(night1) == changes  # nothing is remembered until marked
    store.mark_notified(night1)
    assert store.newly_changed(night1) == []

    night2 = {"loa-bakung": "drift", "sempaja": "tidak-siap"}
    assert [(c.site, c.previous, c.current) for c in store.newly_changed(night2)] == [
        ("sempaja", "siap", "tidak-siap")
    ]
    store.mark_notified({"sempaja": "tidak-siap"})
    assert store.newly_changed(night2) == []
    # A site the watch did not look at tonight is neither named nor forgotten.
    assert store.newly_changed({"loa-bakung": "siap"})[0].previous == "drift"
    with pytest.raises(ValueError, match="1 to 40 characters"):
        store.mark_notified({"sempaja": ""})


def test_a_clean_target_is_written_only_when_it_closes_an_open_drift(store):
    from sqlalchemy import func, select

    from digikel.store.models import drift_records

    def rows() -> int:
        with store.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(drift_records)).scalar_one()

    everything = [("network", f"loa-bakung-{d}") for d in ("rtr01", "sw01", "ap01")]
    for _night in range(3):  # nights with nothing new add nothing
        store.record_drift(watch(store), "loa-bakung", [], clean=everything, found_at=T0)
    assert rows() == 0
    store.record_drift(watch(store), "loa-bakung", [rule_added()], clean=everything[1:])
    assert rows() == 1
    store.record_drift(watch(store), "loa-bakung", [], clean=everything)
    assert rows() == 2 and store.open_drift() == []  # the router's closing row, nothing else
