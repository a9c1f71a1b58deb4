"""Targets come from the inventory's waves; history applies today's rules to each past day."""

from __future__ import annotations

import datetime as dt
from xml.etree import ElementTree

from digikel.readiness.history import readiness_series
from digikel.readiness.model import ManualEvent, SiteFacts
from digikel.readiness.targets import progress, targets
from digikel.reports.chart import readiness_chart

UTC = dt.UTC
WITA = dt.timezone(dt.timedelta(hours=8))


def test_targets_are_cumulative_per_year_of_the_waves(inv):
    wave_years = {name: wave.year for name, wave in inv.city.waves.items()}
    found = targets(wave_years, {s.slug: s.wave for s in inv.sites})
    assert [(t.year, len(t.sites), t.deadline) for t in found] == [
        (2023, 10, dt.date(2023, 12, 31)),
        (2024, 59, dt.date(2024, 12, 31)),
    ]
    assert {"loa-bakung", "sungai-keledang"} <= found[0].sites


def test_progress_counts_ready_sites_and_knows_when_it_is_overdue():
    from digikel.readiness.model import SiteReadiness

    goal = targets({"pilot": 2023, "rest": 2024}, {"a": "pilot", "b": "pilot", "c": "rest"})

    def site(slug: str) -> SiteReadiness:
        return SiteReadiness(SiteFacts(1, slug, slug, "K", "w", "done"), components=())

    ready = [site("a")]  # no components: nothing blocks it
    during = progress(goal, ready, dt.date(2023, 6, 1))
    assert [(p.ready, p.total, p.overdue, p.met) for p in during] == [
        (1, 2, False, False),
        (1, 3, False, False),
    ]
    after = progress(goal, ready, dt.date(2024, 1, 2))
    assert after[0].overdue and not after[1].overdue


def _facts(slug: str) -> SiteFacts:
    return SiteFacts(
        number=1,
        slug=slug,
        name=slug,
        kecamatan="K",
        wave="w",
        physical_status="done",
        expected={"network": frozenset({f"{slug}-rtr01"})},
    )


def test_series_counts_ready_sites_per_day_with_staleness():
    now = dt.datetime(2024, 6, 20, 4, 0, tzinfo=UTC)  # 12:00 in Samarinda
    day = dt.timedelta(days=1)
    mark = ManualEvent("inaugurated", "mark", dt.date(2024, 6, 2), None, "budi", now - 18 * day)
    batches = [
        ("a", "network", 1, True, now - 18 * day, ("a-rtr01",)),  # green 2 June, stale 9 June
        ("b", "network", 2, False, now - 15 * day, ("b-rtr01",)),
        ("b", "network", 3, True, now - 1 * day, ("b-rtr01",)),
    ]
    events = {
        "a": [mark],
        "b": [ManualEvent("inaugurated", "mark", None, None, "x", now - 15 * day)],
    }
    points = readiness_series(
        [_facts("a"), _facts("b")], events, batches, now, dt.timedelta(days=7), WITA
    )
    by_day = {p.day: (p.ready, p.technically_ready, p.inaugurated) for p in points}
    assert by_day == {
        dt.date(2024, 6, 2): (1, 1, 1),
        dt.date(2024, 6, 5): (1, 1, 2),  # b inaugurated, but its checks failed
        dt.date(2024, 6, 19): (1, 1, 2),  # a went stale, b is green
        dt.date(2024, 6, 20): (1, 1, 2),
    }


def test_chart_is_well_formed_svg_with_the_target_lines(inv):
    from digikel.readiness.history import Point

    points = [
        Point(dt.date(2024, 1, 1), 0, 2, 0),
        Point(dt.date(2024, 3, 1), 4, 6, 3),
        Point(dt.date(2024, 6, 1), 9, 9, 9),
    ]
    goal = targets(
        {"pilot": 2023, "rest": 2024},
        {s.slug: ("pilot" if s.wave == "pilot-2023" else "rest") for s in inv.sites},
    )
    svg = readiness_chart(points, progress(goal, [], dt.date(2024, 6, 1)), 59, "id")
    root = ElementTree.fromstring(svg)
    ns = {"s": "http://www.w3.org/2000/svg"}
    assert root.find("s:title", ns).text == "Kesiapan dari waktu ke waktu"
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "Target 2023: 10" in texts and "Target 2024: 59" in texts
    assert "1 Januari 2024" in texts and "1 Juni 2024" in texts
    assert len(root.findall("s:path", ns)) == 3
