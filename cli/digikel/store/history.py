"""Drift and readiness over time per kecamatan, aggregated in the database (GROUP BY local day
and kecamatan): the report reads a few hundred rows instead of every check.

The store knows sites, not kecamatan: the caller passes the inventory's site -> kecamatan map,
which becomes a CASE expression, so the grouping by kecamatan happens in SQL too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Date, Integer, case, cast, distinct, func, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from digikel.store import models as m
from digikel.store.records import KecamatanDay


def utc_offset_minutes(tz: dt.tzinfo, at: dt.datetime) -> int:
    offset = at.astimezone(tz).utcoffset() or dt.timedelta()
    return int(offset.total_seconds() // 60)


def local_day(column: Any, dialect: str, tz: dt.tzinfo, now: dt.datetime) -> ColumnElement[Any]:
    """The column's date in the city's time zone.

    PostgreSQL converts with the zone's name (DST-aware); SQLite has no time zones, so it adds
    the zone's offset at `now`: exact for Indonesia's zones (WIB, WITA, WIT: no DST).
    """
    key = getattr(tz, "key", None)
    if dialect == "postgresql":
        if key:
            return cast(func.timezone(key, column), Date)
        minutes = utc_offset_minutes(tz, now)
        return cast(func.timezone("UTC", column) + dt.timedelta(minutes=minutes), Date)
    return func.date(column, f"{utc_offset_minutes(tz, now):+d} minutes")


def _kecamatan(site: Any, kecamatan_of: Mapping[str, str]) -> ColumnElement[Any]:
    return case(dict(kecamatan_of), value=site, else_=None)


def kecamatan_history(
    conn: Connection,
    kecamatan_of: Mapping[str, str],
    tz: dt.tzinfo,
    now: dt.datetime,
    since: dt.datetime,
) -> list[KecamatanDay]:
    """Per local day and kecamatan, from `since` to `now`: oldest day first, kecamatan by name.
    Sites missing from `kecamatan_of` (no longer in the inventory) are left out."""
    if not kecamatan_of:
        return []
    dialect = conn.dialect.name
    c, d = m.check_results.c, m.drift_records.c

    # Per site and day first (did every check pass?), then per kecamatan and day.
    check_day = local_day(c.checked_at, dialect, tz, now).label("day")
    per_site = (
        select(
            check_day,
            _kecamatan(c.site, kecamatan_of).label("kecamatan"),
            c.site,
            func.min(cast(c.ok, Integer)).label("all_ok"),
        )
        .where(c.checked_at >= since, c.checked_at <= now, c.site.in_(list(kecamatan_of)))
        .group_by(check_day, c.site)
        .subquery()
    )
    checks = select(
        per_site.c.day,
        per_site.c.kecamatan,
        func.count().label("checked"),
        func.sum(per_site.c.all_ok).label("green"),
    ).group_by(per_site.c.day, per_site.c.kecamatan)

    drift_day = local_day(d.found_at, dialect, tz, now).label("day")
    kec = _kecamatan(d.site, kecamatan_of).label("kecamatan")
    drift = (
        select(
            drift_day,
            kec,
            func.count(distinct(d.site)).label("sites"),
            func.count().label("targets"),
        )
        .where(
            d.drifted.is_(True),
            d.found_at >= since,
            d.found_at <= now,
            d.site.in_(list(kecamatan_of)),
        )
        .group_by(drift_day, kec)
    )

    figures: dict[tuple[dt.date, str], list[int]] = {}
    for day, kecamatan, checked, green in conn.execute(checks):
        figures.setdefault((_date(day), kecamatan), [0, 0, 0, 0])[:2] = [checked, int(green or 0)]
    for day, kecamatan, sites, targets in conn.execute(drift):
        figures.setdefault((_date(day), kecamatan), [0, 0, 0, 0])[2:] = [sites, targets]
    return [
        KecamatanDay(day, kecamatan, *values)
        for (day, kecamatan), values in sorted(figures.items())
    ]


def _date(value: dt.date | str) -> dt.date:
    # SQLite's date() answers text; PostgreSQL a date.
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


_SEPARATOR = "\n"  # device names and application ids hold no newline (inventory rules)


def last_batches_per_day(
    conn: Connection, tz: dt.tzinfo, now: dt.datetime
) -> list[tuple[str, str, int, bool, dt.datetime, tuple[str, ...]]]:
    """(site, component, run_id, all_ok, checked_at, targets): per site, component and local
    day, the newest batch of checks recorded by `now`.

    Readiness over time is read at the end of each day, when only the day's newest batch of
    each component counts: the database groups the checks into batches and keeps those, and
    the report reads about one row per site, component and day instead of every check.
    """
    c = m.check_results.c
    batches = (
        select(
            c.site,
            c.component,
            c.run_id,
            func.max(c.checked_at).label("at"),
            func.min(cast(c.ok, Integer)).label("ok"),
            func.aggregate_strings(c.target, _SEPARATOR).label("targets"),
        )
        .group_by(c.site, c.component, c.run_id)
        .having(func.max(c.checked_at) <= now)
        .subquery()
    )
    b = batches.c
    day = local_day(b.at, conn.dialect.name, tz, now)
    ranked = select(
        b.site,
        b.component,
        b.run_id,
        b.ok,
        b.at,
        b.targets,
        func.row_number()
        .over(partition_by=(b.site, b.component, day), order_by=(b.at.desc(), b.run_id.desc()))
        .label("rank"),
    ).subquery()
    r = ranked.c
    query = select(r.site, r.component, r.run_id, r.ok, r.at, r.targets).where(r.rank == 1)
    return [
        (
            site,
            component,
            run_id,
            bool(ok),
            _utc(at),
            tuple(targets.split(_SEPARATOR)) if targets else (),
        )
        for site, component, run_id, ok, at, targets in conn.execute(query)
    ]


def _utc(value: dt.datetime | str) -> dt.datetime:
    # Through a subquery's aggregate SQLite may answer the stored text; both come out aware UTC.
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
