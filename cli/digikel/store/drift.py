"""The drift records of `digikel watch` and the notification state of `--notify`: the queries
behind Store.record_drift, open_drift, drift_history, newly_changed and mark_notified."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Select, and_, delete, func, insert, select
from sqlalchemy.engine import Connection, Row

from digikel.readiness.components import DRIFT_COMPONENTS
from digikel.store import models as m
from digikel.store.records import Drift, DriftRecord, StateChange

SUMMARY_MAX = 300  # the column's width; a summary is one line, the diff holds the rest
STATE_MAX = 40


def drift_rows(
    run_id: int,
    site: str,
    found: Iterable[Drift],
    clean: Iterable[tuple[str, str]],
    at: dt.datetime,
) -> list[dict[str, Any]]:
    """The rows of one site's watch, checked before anything is written."""
    rows: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for drift in found:
        _check_target(drift.component, drift.target, seen)
        summary = one_line(drift.summary)
        if not summary:
            raise ValueError(f"drift of {drift.target!r}: expected a summary (the diff is apart)")
        rows.append(_row(run_id, site, drift.component, drift.target, at, drift, summary))
    # The same clean target twice says the same thing twice: kept once.
    for component, target in dict.fromkeys(clean):
        _check_target(component, target, seen)
        rows.append(_row(run_id, site, component, target, at, None))
    return rows


def one_line(summary: str) -> str:
    """The summary on one line, cut to the column's width. Cut, not refused: an unattended
    nightly watch should record a long task name's drift rather than lose the site's record;
    the whole text is in the diff."""
    text = " ".join(summary.split())
    return text if len(text) <= SUMMARY_MAX else text[: SUMMARY_MAX - 1] + "\u2026"


def _check_target(component: str, target: str, seen: set[tuple[str, str]]) -> None:
    if component not in DRIFT_COMPONENTS:
        raise ValueError(
            f"drift component {component!r}: expected one of {', '.join(DRIFT_COMPONENTS)}"
        )
    if not target:
        raise ValueError(f"drift of {component}: expected a target (the device or host)")
    if (component, target) in seen:
        # One watch says one thing about a target: drifted or clean, never both.
        raise ValueError(f"drift of {component} {target!r}: the target is given twice")
    seen.add((component, target))


def _row(
    run_id: int,
    site: str,
    component: str,
    target: str,
    at: dt.datetime,
    drift: Drift | None,
    summary: str | None = None,
) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "site": site,
        "component": component,
        "target": target,
        "drifted": drift is not None,
        "summary": summary,
        "diff": drift.diff if drift else None,
        "found_at": at,
    }


def open_drift_query(site: str | None) -> Select[Any]:
    """The newest row per (site, component, target), kept when it is drifted."""
    d = m.drift_records.c
    newest = select(
        d.id,
        func.row_number()
        .over(
            partition_by=(d.site, d.component, d.target),
            order_by=(d.found_at.desc(), d.id.desc()),
        )
        .label("rank"),
    )
    if site is not None:
        newest = newest.where(d.site == site)
    ranked = newest.subquery()
    return (
        select(m.drift_records)
        .join(ranked, and_(d.id == ranked.c.id, ranked.c.rank == 1))
        .where(d.drifted.is_(True))
        .order_by(d.site, d.component, d.target)
    )


def history_query(site: str | None, limit: int | None) -> Select[Any]:
    d = m.drift_records.c
    query = (
        select(m.drift_records).where(d.drifted.is_(True)).order_by(d.found_at.desc(), d.id.desc())
    )
    if site is not None:
        query = query.where(d.site == site)
    if limit is not None:
        query = query.limit(limit)
    return query


def drift_record(r: Row[Any]) -> DriftRecord:
    return DriftRecord(
        id=r.id,
        run_id=r.run_id,
        site=r.site,
        component=r.component,
        target=r.target,
        summary=r.summary or "",
        diff=r.diff or "",
        found_at=r.found_at,
    )


def _check_states(states: Mapping[str, str]) -> None:
    for site, state in states.items():
        if not state or len(state) > STATE_MAX:
            raise ValueError(
                f"notification state of {site!r}: expected 1 to {STATE_MAX} characters"
            )


def newly_changed(conn: Connection, sites_now: Mapping[str, str]) -> list[StateChange]:
    _check_states(sites_now)
    n = m.notified_states.c
    last: dict[str, str] = {site: state for site, state in conn.execute(select(n.site, n.state))}
    return [
        StateChange(site=site, previous=last.get(site), current=state)
        for site, state in sorted(sites_now.items())
        if last.get(site) != state
    ]


def mark_notified(conn: Connection, states: Mapping[str, str], at: dt.datetime) -> None:
    _check_states(states)
    if not states:
        return
    t = m.notified_states
    # Delete and insert in one transaction: the same statements on SQLite and PostgreSQL.
    conn.execute(delete(t).where(t.c.site.in_(list(states))))
    conn.execute(
        insert(t),
        [{"site": site, "state": state, "notified_at": at} for site, state in states.items()],
    )
