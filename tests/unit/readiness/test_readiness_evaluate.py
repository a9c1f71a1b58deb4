"""Components, staleness and coverage: the rules that decide whether a site is ready."""

from __future__ import annotations

import datetime as dt

import pytest

from digikel.errors import InputError
from digikel.readiness.components import COMPONENTS, State
from digikel.readiness.evaluate import (
    automatic_status,
    evaluate_site,
    manual_status,
    newest_batches,
    parse_max_age,
)
from digikel.readiness.model import Batch, ManualEvent, SiteFacts
from digikel.store.records import CheckRecord

NOW = dt.datetime(2024, 6, 10, 12, 0, tzinfo=dt.UTC)
WEEK = dt.timedelta(days=7)
EXPECTED = {
    "network": frozenset({"x-rtr01", "x-sw01"}),
    "counters": frozenset({"x-pc01"}),
    "displays": frozenset({"x-dsp01"}),
    "printers": frozenset({"x-prn01"}),
    "applications": frozenset({"portal", "adminduk"}),
}


def facts(status: str = "done", date: dt.date | None = dt.date(2024, 5, 31)) -> SiteFacts:
    return SiteFacts(
        number=1,
        slug="x",
        name="X",
        kecamatan="K",
        wave="2024",
        physical_status=status,
        physical_date=date,
        expected=EXPECTED,
    )


def event(component: str, action: str, days_ago: float, note: str | None = None) -> ManualEvent:
    return ManualEvent(
        component=component,
        action=action,
        work_date=dt.date(2024, 6, 1) if action == "mark" else None,
        note=note,
        operator="budi",
        recorded_at=NOW - dt.timedelta(days=days_ago),
    )


def batch(component: str, ok: bool = True, age: dt.timedelta = dt.timedelta(hours=1), targets=None):
    return Batch(
        component=component,
        run_id=7,
        checked_at=NOW - age,
        ok=ok,
        targets=EXPECTED[component] if targets is None else frozenset(targets),
        failed=() if ok else ("x-prn01 answers IPP",),
        operator="budi",
    )


def all_green_batches() -> dict[str, Batch]:
    return {c: batch(c) for c in EXPECTED}


@pytest.mark.parametrize(
    ("status", "date", "expected"),
    [
        ("done", dt.date(2024, 5, 31), State.OK),
        ("done", dt.date(2024, 7, 1), State.IN_PROGRESS),  # planned end still in the future
        ("in-progress", None, State.IN_PROGRESS),
        ("not-started", None, State.NOT_DONE),
    ],
)
def test_physical_works_start_from_the_inventory(status, date, expected):
    result = manual_status("physical_works", facts(status, date), [], NOW)
    assert (result.state, result.source) == (expected, "inventory")


def test_a_manual_mark_overrides_the_inventory_and_an_unmark_is_the_newest_word():
    marked = [event("physical_works", "mark", 3, note="PUPR selesai")]
    status = manual_status("physical_works", facts("not-started", None), marked, NOW)
    assert (status.state, status.source, status.by, status.note) == (
        State.OK,
        "mark",
        "budi",
        "PUPR selesai",
    )
    unmarked = [*marked, event("physical_works", "unmark", 1, note="atap bocor")]
    status = manual_status("physical_works", facts("done"), unmarked, NOW)
    assert (status.state, status.note) == (State.NOT_DONE, "atap bocor")
    # Events recorded after the moment asked about do not count yet.
    earlier = manual_status("physical_works", facts("done"), unmarked, NOW - dt.timedelta(days=2))
    assert earlier.state is State.OK


def test_inauguration_is_only_ever_manual():
    assert manual_status("inaugurated", facts(), [], NOW).state is State.NOT_DONE
    done = manual_status("inaugurated", facts(), [event("inaugurated", "mark", 1)], NOW)
    assert done.state is State.OK and done.work_date == dt.date(2024, 6, 1)


@pytest.mark.parametrize(
    ("batch_args", "expected"),
    [
        ({}, State.OK),
        ({"age": dt.timedelta(days=8)}, State.STALE),
        ({"ok": False}, State.FAILED),
        ({"ok": False, "age": dt.timedelta(days=30)}, State.FAILED),  # a fault outranks its age
        ({"targets": {"x-rtr01"}}, State.INCOMPLETE),  # the switch was never checked
        ({"targets": {"x-rtr01"}, "age": dt.timedelta(days=9)}, State.INCOMPLETE),
    ],
)
def test_automatic_component_from_its_newest_batch(batch_args, expected):
    status = automatic_status(
        "network", EXPECTED["network"], batch("network", **batch_args), NOW, WEEK
    )
    assert status.state is expected
    if expected is State.INCOMPLETE:
        assert status.missing == ("x-sw01",)


def test_never_checked_and_nothing_to_check():
    assert (
        automatic_status("printers", EXPECTED["printers"], None, NOW, WEEK).state is State.UNCHECKED
    )
    none = automatic_status("printers", frozenset(), None, NOW, WEEK)
    assert none.state is State.NOT_APPLICABLE and none.green


def test_staleness_follows_the_configured_age():
    old = batch("network", age=dt.timedelta(hours=30))
    assert automatic_status("network", EXPECTED["network"], old, NOW, WEEK).state is State.OK
    short = parse_max_age("24h")
    assert automatic_status("network", EXPECTED["network"], old, NOW, short).state is State.STALE


def test_a_site_is_ready_only_when_every_component_is_green():
    events = [event("inaugurated", "mark", 1)]
    ready = evaluate_site(facts(), events, all_green_batches(), NOW, WEEK)
    assert ready.ready and ready.blockers == []
    assert [c.component for c in ready.components] == list(COMPONENTS)

    not_inaugurated = evaluate_site(facts(), [], all_green_batches(), NOW, WEEK)
    assert not not_inaugurated.ready and not_inaugurated.technically_ready
    assert [b.component for b in not_inaugurated.blockers] == ["inaugurated"]

    batches = all_green_batches()
    batches["printers"] = batch("printers", ok=False)
    del batches["displays"]
    broken = evaluate_site(facts("in-progress", None), events, batches, NOW, WEEK)
    assert [(b.component, b.state) for b in broken.blockers] == [
        ("physical_works", State.IN_PROGRESS),
        ("displays", State.UNCHECKED),
        ("printers", State.FAILED),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7d", dt.timedelta(days=7)),
        ("36h", dt.timedelta(hours=36)),
        ("90m", dt.timedelta(minutes=90)),
        ("2.5", dt.timedelta(days=2.5)),
    ],
)
def test_max_age_parses(text, expected):
    assert parse_max_age(text) == expected


@pytest.mark.parametrize("text", ["", "0d", "-3d", "seven days", "7w"])
def test_bad_max_age_is_bad_input(text):
    with pytest.raises(InputError, match="expected a positive age"):
        parse_max_age(text)


def _record(id_: int, run: int, ok: bool, minutes_ago: int, target: str) -> CheckRecord:
    return CheckRecord(
        id=id_,
        run_id=run,
        site="x",
        component="network",
        name=f"check {id_}",
        target=target,
        ok=ok,
        detail=None,
        checked_at=NOW - dt.timedelta(minutes=minutes_ago),
        operator="budi",
    )


def test_newest_batches_groups_checks_by_run_and_keeps_the_newest():
    rows = [
        _record(1, run=1, ok=False, minutes_ago=90, target="x-rtr01"),
        _record(2, run=2, ok=True, minutes_ago=30, target="x-rtr01"),
        _record(3, run=2, ok=False, minutes_ago=29, target="x-sw01"),
    ]
    newest = newest_batches(rows)["x"]["network"]
    assert newest.run_id == 2
    assert newest.ok is False and newest.failed == ("check 3",)
    assert newest.targets == {"x-rtr01", "x-sw01"}
    assert newest.checked_at == NOW - dt.timedelta(minutes=29)
