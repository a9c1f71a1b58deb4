"""The store's Python API: what `digikel rollout` writes and what readiness and reports read.

Every public method is one transaction: it is written completely or not at all, so a killed
process leaves the records of everything it finished and nothing half-written.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
import socket
import sys
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, Integer, and_, func, insert, select, update
from sqlalchemy.engine import Connection, CursorResult, Row
from sqlalchemy.exc import DBAPIError

from digikel import __version__
from digikel.errors import InputError
from digikel.readiness.components import AUTOMATIC_COMPONENTS, MANUAL_COMPONENTS
from digikel.store import models as m
from digikel.store.engine import store_error
from digikel.store.records import (
    Check,
    CheckRecord,
    DeviceFactRecord,
    DeviceFacts,
    Drift,
    DriftRecord,
    HostOutcome,
    HostRecord,
    KecamatanDay,
    MarkRecord,
    RunRecord,
    StageRecord,
    StateChange,
)

RUN_STATUSES = ("running", "ok", "failed", "partial", "interrupted")
STAGE_STATUSES = ("running", "ok", "failed", "skipped", "interrupted")
MARK_ACTIONS = ("mark", "unmark")
MAX_ID = 2**63 - 1  # the largest id (and LIMIT) both SQLite and PostgreSQL hold


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def current_operator() -> str:
    """Who is at the keyboard: DIGIKEL_OPERATOR, else the OS user."""
    return os.environ.get("DIGIKEL_OPERATOR") or getpass.getuser()


def _one_of(value: str, allowed: tuple[str, ...], what: str) -> str:
    if value not in allowed:
        raise ValueError(f"{what} {value!r}: expected one of {', '.join(allowed)}")
    return value


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Store:
    """The records of runs and readiness in one database. Build it with open_store()."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        try:
            with self.engine.begin() as connection:
                yield connection
        except DBAPIError as exc:
            # The driver's reason and the store's name, never the statement or its values.
            raise store_error(exc, self.engine.url) from None

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        # Marked read-only so SQLite begins it DEFERRED (engine.py): a report or `status` then
        # reads its WAL snapshot without taking, or waiting for, a rollout's write lock.
        try:
            with self.engine.connect().execution_options(digikel_read_only=True) as connection:
                yield connection
        except DBAPIError as exc:
            raise store_error(exc, self.engine.url) from None

    # --- runs (digikel rollout) -------------------------------------------------------------

    def start_run(
        self,
        *,
        kind: str = "rollout",
        operator: str | None = None,
        command_line: str | None = None,
        options: dict[str, Any] | None = None,
    ) -> int:
        """Record a new run as running; returns its id."""
        row = {
            "kind": kind,
            "operator": operator or current_operator(),
            "command_line": command_line if command_line is not None else " ".join(sys.argv),
            "toolkit_version": __version__,
            "hostname": socket.gethostname(),
            "pid": os.getpid(),
            "started_at": utcnow(),
            "status": "running",
            "options": json.dumps(options, sort_keys=True, default=str) if options else None,
        }
        with self._write() as conn:
            return _new_id(conn.execute(insert(m.runs).values(row)))

    def finish_run(self, run_id: int, status: str) -> None:
        _one_of(status, RUN_STATUSES[1:], "run status")
        with self._write() as conn:
            done = conn.execute(
                update(m.runs).where(m.runs.c.id == run_id).values(status=status, ended_at=utcnow())
            )
            if done.rowcount == 0:
                raise _unknown_run(run_id)

    def record_stage(
        self,
        run_id: int,
        site: str,
        stage: str,
        status: str,
        *,
        detail: str | None = None,
        changed: bool | None = None,
    ) -> None:
        """Create or update the (run, site, stage) row; a final status sets its end time."""
        _one_of(status, STAGE_STATUSES, "stage status")
        now = utcnow()
        t = m.stage_results
        values: dict[str, Any] = {
            "status": status,
            "ended_at": None if status == "running" else now,
        }
        if detail is not None:
            values["detail"] = detail
        if changed is not None:
            values["changed"] = changed
        with self._write() as conn:
            row_id = conn.execute(
                select(t.c.id).where(t.c.run_id == run_id, t.c.site == site, t.c.stage == stage)
            ).scalar_one_or_none()
            if row_id is None:
                _run_operator(conn, run_id)
                conn.execute(
                    insert(t).values(
                        run_id=run_id, site=site, stage=stage, started_at=now, **values
                    )
                )
            else:
                conn.execute(update(t).where(t.c.id == row_id).values(values))

    def record_host_results(
        self, run_id: int, site: str, stage: str, outcomes: Iterable[HostOutcome]
    ) -> None:
        now = utcnow()
        rows = [
            {
                "run_id": run_id,
                "site": site,
                "stage": stage,
                "host": o.host,
                "changed": o.changed,
                "failed": o.failed,
                "unreachable": o.unreachable,
                "detail": o.detail,
                "recorded_at": now,
            }
            for o in outcomes
        ]
        with self._write() as conn:
            _run_operator(conn, run_id)
            if rows:
                conn.execute(insert(m.host_results), rows)

    def record_host_result(self, run_id: int, site: str, stage: str, outcome: HostOutcome) -> None:
        self.record_host_results(run_id, site, stage, [outcome])

    def record_checks(
        self, run_id: int, site: str, checks: Iterable[Check], *, operator: str | None = None
    ) -> int:
        """Record a batch of verify checks of one site (all or none); returns how many.

        The checks of one run form a batch per component: readiness reads the newest batch.
        """
        now = utcnow()
        checks = list(checks)
        for check in checks:
            _one_of(check.component, AUTOMATIC_COMPONENTS, "check component")
            if check.checked_at is not None and check.checked_at.tzinfo is None:
                raise ValueError(f"check {check.name!r}: checked_at must be timezone-aware")
        with self._write() as conn:
            run_operator = _run_operator(conn, run_id)  # also: an unknown run is bad input
            if checks:
                conn.execute(
                    insert(m.check_results),
                    [
                        {
                            "run_id": run_id,
                            "site": site,
                            "component": c.component,
                            "name": c.name,
                            "target": c.target,
                            "ok": c.ok,
                            "detail": c.detail,
                            "checked_at": c.checked_at or now,
                            "operator": operator or run_operator,
                        }
                        for c in checks
                    ],
                )
        return len(checks)

    def record_device_facts(
        self,
        site: str,
        facts: Iterable[DeviceFacts],
        *,
        run_id: int | None = None,
        operator: str | None = None,
    ) -> None:
        now = utcnow()
        facts = list(facts)
        with self._write() as conn:
            who = operator or (_run_operator(conn, run_id) if run_id else None)
            if facts:
                conn.execute(
                    insert(m.device_facts),
                    [
                        {
                            "run_id": run_id,
                            "site": site,
                            "device": f.device,
                            "model": f.model,
                            "serial": f.serial,
                            "fingerprint": f.fingerprint,
                            "detail": f.detail,
                            "collected_at": now,
                            "operator": who or current_operator(),
                        }
                        for f in facts
                    ],
                )

    # --- drift and notifications (digikel watch) --------------------------------------------

    def record_drift(
        self,
        run_id: int,
        site: str,
        found: Iterable[Drift],
        *,
        clean: Iterable[tuple[str, str]] = (),
        found_at: dt.datetime | None = None,
    ) -> int:
        """Record what one watch found at a site (all or none); returns how many drifted.

        `found`: the targets that differ, with their diffs; `clean`: (component, target) pairs
        the watch compared and found as delivered, which closes their earlier drift. A target
        the watch did not look at keeps its drift open.
        """
        from digikel.store.drift import drift_rows, open_drift_query

        if found_at is not None and found_at.tzinfo is None:
            raise ValueError("found_at must be timezone-aware")
        rows = drift_rows(run_id, site, found, clean, found_at or utcnow())
        with self._write() as conn:
            _run_operator(conn, run_id)  # an unknown run is bad input
            if any(not row["drifted"] for row in rows):
                # A clean row is kept only when it closes an open drift: a nightly watch of
                # every target would otherwise add ~1,000 rows a night that say nothing new,
                # and every `status` reads this table.
                still_open = {(r.component, r.target) for r in conn.execute(open_drift_query(site))}
                rows = [
                    row
                    for row in rows
                    if row["drifted"] or (row["component"], row["target"]) in still_open
                ]
            if rows:
                conn.execute(insert(m.drift_records), rows)
        return sum(row["drifted"] for row in rows)

    def open_drift(self, site: str | None = None) -> list[DriftRecord]:
        """The drift still open: per target, the newest watch's finding when it differed.
        Ordered by site, component, target; every site when `site` is None."""
        from digikel.store.drift import drift_record, open_drift_query

        with self._read() as conn:
            return [drift_record(row) for row in conn.execute(open_drift_query(site))]

    def drift_history(
        self, site: str | None = None, *, limit: int | None = None
    ) -> list[DriftRecord]:
        """Every drift ever found (open or since closed), newest first."""
        from digikel.store.drift import drift_record, history_query

        if limit is not None:
            limit = max(0, min(limit, MAX_ID))
        with self._read() as conn:
            return [drift_record(row) for row in conn.execute(history_query(site, limit))]

    def newly_changed(self, sites_now: Mapping[str, str]) -> list[StateChange]:
        """The sites whose state (the watch's words: e.g. "siap", "drift", "tidak-siap")
        differs from the state they were last notified in, by site; never-notified sites
        come with previous=None. Changes nothing: call mark_notified once the alert is sent."""
        from digikel.store.drift import newly_changed

        with self._read() as conn:
            return newly_changed(conn, sites_now)

    def mark_notified(self, states: Mapping[str, str]) -> None:
        """Remember `states` (site -> state) as the ones last notified."""
        from digikel.store.drift import mark_notified

        with self._write() as conn:
            mark_notified(conn, states, utcnow())

    # --- manual marks (digikel site mark/unmark) --------------------------------------------

    def record_mark(
        self,
        site: str,
        component: str,
        action: str,
        *,
        work_date: dt.date | None = None,
        note: str | None = None,
        operator: str | None = None,
    ) -> MarkRecord:
        """Append a mark or unmark event; earlier events are kept as history."""
        _one_of(component, MANUAL_COMPONENTS, "manual component")
        _one_of(action, MARK_ACTIONS, "mark action")
        row = {
            "site": site,
            "component": component,
            "action": action,
            "work_date": work_date,
            "note": note,
            "operator": operator or current_operator(),
            "recorded_at": utcnow(),
        }
        with self._write() as conn:
            new_id = _new_id(conn.execute(insert(m.site_marks).values(row)))
            return _mark(
                conn.execute(select(m.site_marks).where(m.site_marks.c.id == new_id)).one()
            )

    # --- reading ----------------------------------------------------------------------------

    def runs(self, *, limit: int = 50, site: str | None = None) -> list[RunRecord]:
        """Newest first; with `site`, only runs that had a stage at that site."""
        r, s = m.runs, m.stage_results
        limit = max(0, min(limit, MAX_ID))  # a limit beyond 64 bits overflows the driver
        query = select(r).order_by(r.c.started_at.desc(), r.c.id.desc()).limit(limit)
        if site is not None:
            query = query.where(r.c.id.in_(select(s.c.run_id).where(s.c.site == site)))
        with self._read() as conn:
            return [_run(row) for row in conn.execute(query)]

    def run(self, run_id: int) -> RunRecord:
        if not 1 <= run_id <= MAX_ID:  # no such run; and beyond 64 bits the driver overflows
            raise _unknown_run(run_id)
        with self._read() as conn:
            row = conn.execute(select(m.runs).where(m.runs.c.id == run_id)).first()
        if row is None:
            raise _unknown_run(run_id)
        return _run(row)

    def abandoned_runs(self) -> list[RunRecord]:
        """Runs still marked running whose process on this machine is gone (killed, crashed)."""
        here = socket.gethostname()
        with self._read() as conn:
            rows = conn.execute(select(m.runs).where(m.runs.c.status == "running")).all()
        return [_run(r) for r in rows if r.hostname == here and not _pid_alive(r.pid)]

    def stages(self, *, run_id: int | None = None, site: str | None = None) -> list[StageRecord]:
        s = m.stage_results
        query = select(s).order_by(s.c.started_at, s.c.id)
        if run_id is not None:
            query = query.where(s.c.run_id == run_id)
        if site is not None:
            query = query.where(s.c.site == site)
        with self._read() as conn:
            return [_stage(row) for row in conn.execute(query)]

    def host_results(self, run_id: int, *, site: str | None = None) -> list[HostRecord]:
        h = m.host_results
        query = select(h).where(h.c.run_id == run_id).order_by(h.c.recorded_at, h.c.id)
        if site is not None:
            query = query.where(h.c.site == site)
        with self._read() as conn:
            return [_host(row) for row in conn.execute(query)]

    def marks(self, site: str | None = None) -> list[MarkRecord]:
        """Every mark and unmark, oldest first."""
        k = m.site_marks
        query = select(k).order_by(k.c.recorded_at, k.c.id)
        if site is not None:
            query = query.where(k.c.site == site)
        with self._read() as conn:
            return [_mark(row) for row in conn.execute(query)]

    def checks(self, site: str | None = None, *, limit: int | None = None) -> list[CheckRecord]:
        """Every recorded check, newest first."""
        c = m.check_results
        query = select(c).order_by(c.c.checked_at.desc(), c.c.id.desc())
        if site is not None:
            query = query.where(c.c.site == site)
        if limit is not None:
            query = query.limit(limit)
        with self._read() as conn:
            return [_check(row) for row in conn.execute(query)]

    def latest_checks(self, site: str | None = None) -> list[CheckRecord]:
        """The newest batch per (site, component): the checks of the run that checked it last."""
        c = m.check_results.c
        newest = select(c.site, c.component, func.max(c.checked_at).label("at")).group_by(
            c.site, c.component
        )
        if site is not None:
            newest = newest.where(c.site == site)
        newest_sq = newest.subquery()
        batch = (
            select(c.site, c.component, func.max(c.run_id).label("run_id"))
            .join(
                newest_sq,
                and_(
                    c.site == newest_sq.c.site,
                    c.component == newest_sq.c.component,
                    c.checked_at == newest_sq.c.at,
                ),
            )
            .group_by(c.site, c.component)
            .subquery()
        )
        query = (
            select(m.check_results)
            .join(
                batch,
                and_(
                    c.site == batch.c.site,
                    c.component == batch.c.component,
                    c.run_id == batch.c.run_id,
                ),
            )
            .order_by(c.site, c.component, c.name, c.id)
        )
        with self._read() as conn:
            return [_check(row) for row in conn.execute(query)]

    def check_summaries(self) -> list[tuple[str, str, int, str, bool, dt.datetime]]:
        """(site, component, run_id, target, all_ok, checked_at) per batch and target: the
        history behind the readiness-over-time chart, aggregated in the database."""
        c = m.check_results.c
        query = select(
            c.site,
            c.component,
            c.run_id,
            c.target,
            func.min(c.ok.cast(Integer)),
            func.max(c.checked_at),
        ).group_by(c.site, c.component, c.run_id, c.target)
        with self._read() as conn:
            return [
                (site, comp, run_id, target or "", bool(ok), at)
                for site, comp, run_id, target, ok, at in conn.execute(query)
            ]

    def last_batches_per_day(
        self, tz: dt.tzinfo, *, now: dt.datetime | None = None
    ) -> list[tuple[str, str, int, bool, dt.datetime, tuple[str, ...]]]:
        """(site, component, run_id, all_ok, checked_at, targets): the newest batch of checks
        per site, component and local day, as of `now`: what the readiness-over-time chart
        reads, grouped in the database."""
        from digikel.store.history import last_batches_per_day

        with self._read() as conn:
            return last_batches_per_day(conn, tz, now or utcnow())

    def kecamatan_history(
        self,
        kecamatan_of: Mapping[str, str],
        tz: dt.tzinfo,
        *,
        days: int = 120,
        now: dt.datetime | None = None,
    ) -> list[KecamatanDay]:
        """Checks and drift per local day and kecamatan over the last `days` days, aggregated
        in the database; `kecamatan_of` maps each site to its kecamatan (the inventory's)."""
        from digikel.store.history import kecamatan_history

        now = now or utcnow()
        since = now - dt.timedelta(days=max(1, min(days, 3653)))
        with self._read() as conn:
            return kecamatan_history(conn, kecamatan_of, tz, now, since)

    def bootstraps(self, site: str) -> list[DeviceFactRecord]:
        """Every `digikel network bootstrap` of the site's devices (who, when, device, host-key
        fingerprint, outcome in `detail`), oldest first."""
        f = m.device_facts
        query = (
            select(f)
            .where(f.c.site == site, f.c.detail.like("network-bootstrap%"))
            .order_by(f.c.id)
        )
        with self._read() as conn:
            return [_fact(row) for row in conn.execute(query)]

    def device_facts(self, site: str) -> list[DeviceFactRecord]:
        """The newest facts of every device of the site that reported any."""
        f = m.device_facts
        newest = (
            select(f.c.device, func.max(f.c.id).label("id"))
            .where(f.c.site == site)
            .group_by(f.c.device)
            .subquery()
        )
        query = select(f).join(newest, f.c.id == newest.c.id).order_by(f.c.device)
        with self._read() as conn:
            return [_fact(row) for row in conn.execute(query)]


def _unknown_run(run_id: int) -> InputError:
    return InputError(f"unknown run {run_id}: expected the id of a recorded run")


def _new_id(inserted: CursorResult[Any]) -> int:
    key = inserted.inserted_primary_key
    if key is None:  # only for statements that are not a single-row INSERT
        raise RuntimeError("the database reported no id for the new row")
    return int(key[0])


def _run_operator(conn: Connection, run_id: int) -> str:
    """Who started the run; InputError when there is no such run."""
    operator = conn.execute(
        select(m.runs.c.operator).where(m.runs.c.id == run_id)
    ).scalar_one_or_none()
    if operator is None:
        raise _unknown_run(run_id)
    return str(operator)


# --- rows -> records ------------------------------------------------------------------------


def _run(r: Row[Any]) -> RunRecord:
    return RunRecord(
        id=r.id,
        kind=r.kind,
        operator=r.operator,
        command_line=r.command_line,
        toolkit_version=r.toolkit_version,
        hostname=r.hostname,
        pid=r.pid,
        started_at=r.started_at,
        ended_at=r.ended_at,
        status=r.status,
        options=json.loads(r.options) if r.options else None,
    )


def _stage(r: Row[Any]) -> StageRecord:
    return StageRecord(
        run_id=r.run_id,
        site=r.site,
        stage=r.stage,
        status=r.status,
        started_at=r.started_at,
        ended_at=r.ended_at,
        changed=r.changed,
        detail=r.detail,
    )


def _host(r: Row[Any]) -> HostRecord:
    return HostRecord(
        run_id=r.run_id,
        site=r.site,
        stage=r.stage,
        host=r.host,
        changed=r.changed,
        failed=r.failed,
        unreachable=r.unreachable,
        detail=r.detail,
        recorded_at=r.recorded_at,
    )


def _check(r: Row[Any]) -> CheckRecord:
    return CheckRecord(
        id=r.id,
        run_id=r.run_id,
        site=r.site,
        component=r.component,
        name=r.name,
        target=r.target,
        ok=r.ok,
        detail=r.detail,
        checked_at=r.checked_at,
        operator=r.operator,
    )


def _mark(r: Row[Any]) -> MarkRecord:
    return MarkRecord(
        id=r.id,
        site=r.site,
        component=r.component,
        action=r.action,
        work_date=r.work_date,
        note=r.note,
        operator=r.operator,
        recorded_at=r.recorded_at,
    )


def _fact(r: Row[Any]) -> DeviceFactRecord:
    return DeviceFactRecord(
        run_id=r.run_id,
        site=r.site,
        device=r.device,
        model=r.model,
        serial=r.serial,
        fingerprint=r.fingerprint,
        detail=r.detail,
        collected_at=r.collected_at,
        operator=r.operator,
    )
