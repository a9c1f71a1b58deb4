"""Drift and readiness over time per kecamatan, aggregated in SQL, checked against figures
computed independently from the same generated history (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import replace
from zoneinfo import ZoneInfo

from digikel.store import Check, Drift

WITA = ZoneInfo("Asia/Makassar")
NOW = dt.datetime(2026, 11, 30, 14, 0, tzinfo=dt.UTC)  # 22:00 WITA
DAYS = 12
TARGETS = ("rtr01", "sw01", "prn01", "portal", "adminduk")


def test_the_sql_aggregation_matches_the_recorded_history(store, inv):
    rng = random.Random(16)
    kecamatan_of = {s.slug: s.kecamatan for s in inv.sites}
    expected: dict[tuple[dt.date, str], list] = defaultdict(lambda: [set(), set(), set(), 0])
    for site in inv.sites:
        for days_ago in range(DAYS):
            # Mostly 19:00 WITA; some at 00:30 WITA, which is 16:30 UTC of the day before.
            local = (NOW.astimezone(WITA) - dt.timedelta(days=days_ago)).replace(
                hour=19 if rng.random() > 0.2 else 0, minute=30 if rng.random() > 0.5 else 0
            )
            at = local.astimezone(dt.UTC)
            if at > NOW:
                continue
            day, kecamatan = local.date(), site.kecamatan
            run = store.start_run(kind="watch", operator="watch", command_line="digikel watch")
            oks = [rng.random() > 0.1 for _ in TARGETS]
            store.record_checks(
                run,
                site.slug,
                [
                    Check("network", f"{t} ok", ok, target=f"{site.slug}-{t}", checked_at=at)
                    for t, ok in zip(TARGETS, oks, strict=True)
                ],
            )
            drifted = [t for t in TARGETS if rng.random() < 0.05]
            store.record_drift(
                run,
                site.slug,
                [Drift("network", f"{site.slug}-{t}", "changed", "-a\n+b\n") for t in drifted],
                clean=[("network", f"{site.slug}-{t}") for t in TARGETS if t not in drifted],
                found_at=at,
            )
            figures = expected[(day, kecamatan)]
            figures[0].add(site.slug)
            if not all(oks):
                figures[1].add(site.slug)  # a failed check that day
            if drifted:
                figures[2].add(site.slug)
            figures[3] += len(drifted)
    # A site the inventory no longer has is left out.
    run = store.start_run(kind="watch", operator="watch", command_line="digikel watch")
    store.record_checks(run, "gone", [Check("network", "x", True, target="x", checked_at=NOW)])

    rows = store.kecamatan_history(kecamatan_of, WITA, days=DAYS + 1, now=NOW)

    want = {
        (day, kecamatan): (len(f[0]), len(f[0] - f[1]), len(f[2]), f[3])
        for (day, kecamatan), f in expected.items()
    }
    got = {
        (r.day, r.kecamatan): (r.sites_checked, r.sites_green, r.sites_drifted, r.targets_drifted)
        for r in rows
    }
    assert got == want
    assert [(r.day, r.kecamatan) for r in rows] == sorted(got)
    assert sum(r.sites_checked for r in rows) > 500 and sum(r.targets_drifted for r in rows) > 0
    assert any(r.sites_green < r.sites_checked for r in rows)
    # The window: two days back leaves out everything older.
    recent = store.kecamatan_history(kecamatan_of, WITA, days=2, now=NOW)
    assert (
        recent
        and min(r.day for r in recent) >= (NOW - dt.timedelta(days=2)).astimezone(WITA).date()
    )


def test_each_days_newest_batch_gives_the_same_readiness_series_as_every_check(store, inv):
    """The chart's input grouped in SQL (one batch per site, component and day) against every
    check grouped in Python as the report did before: the same points, from far fewer rows."""
    from digikel.readiness.collect import site_facts
    from digikel.readiness.history import readiness_series

    rng = random.Random(4)
    sites = [s for s in inv.sites if s.physical_works.status == "done"][:12]
    for site in sites:
        for _ in range(40):  # several runs a day, some failing, some leaving a device out
            at = NOW - dt.timedelta(minutes=rng.randrange(0, 20 * 24 * 60))
            run = store.start_run(kind="verify", operator="x", command_line="test")
            store.record_checks(
                run,
                site.slug,
                [
                    Check(
                        "network",
                        "answers",
                        rng.random() > 0.15,
                        target=d.name,
                        checked_at=at + dt.timedelta(seconds=i),
                    )
                    for i, d in enumerate(site.network_devices)
                    if rng.random() > 0.05
                ],
            )
    future = store.start_run(kind="verify", operator="x", command_line="test")
    store.record_checks(
        future, sites[0].slug, [Check("network", "x", False, target="x", checked_at=NOW + HOUR)]
    )

    every_batch: dict[tuple[str, str, int], list] = {}
    for site, component, run_id, target, ok, at in store.check_summaries():
        every_batch.setdefault((site, component, run_id), []).append((target, ok, at))
    python_batches = [
        (
            site,
            comp,
            run,
            all(r[1] for r in rows),
            max(r[2] for r in rows),
            tuple(r[0] for r in rows),
        )
        for (site, comp, run), rows in every_batch.items()
        if max(r[2] for r in rows) <= NOW
    ]
    sql_batches = store.last_batches_per_day(WITA, now=NOW)
    assert len(sql_batches) < len(python_batches) / 2

    # Only the network is checked here: the other components would keep every site unready.
    facts = [
        replace(f, expected={"network": f.expected["network"]})
        for f in (site_facts(s, [a.id for a in inv.applications]) for s in sites)
    ]
    week = dt.timedelta(days=7)
    before = readiness_series(facts, {}, python_batches, NOW, week, WITA)
    after = readiness_series(facts, {}, sql_batches, NOW, week, WITA)
    assert after == before
    assert len(after) >= 20
    assert len({p.technically_ready for p in after}) > 2  # sites went green and back


HOUR = dt.timedelta(hours=1)
