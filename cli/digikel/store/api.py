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
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, Integer, and_, func, select
from sqlalchemy.orm import Session, sessionmaker

from digikel import __version__
from digikel.errors import InputError
from digikel.readiness.components import AUTOMATIC_COMPONENTS, MANUAL_COMPONENTS
from digikel.store import models as m
from digikel.store.records import (
    Check,
    CheckRecord,
    DeviceFactRecord,
    DeviceFacts,
    HostOutcome,
    HostRecord,
    MarkRecord,
    RunRecord,
    StageRecord,
)

RUN_STATUSES = ("running", "ok", "failed", "partial", "interrupted")
STAGE_STATUSES = ("running", "ok", "failed", "skipped", "interrupted")
MARK_ACTIONS = ("mark", "unmark")


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
        self._sessions = sessionmaker(engine, expire_on_commit=False)

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
    def _write(self) -> Iterator[Session]:
        with self._sessions() as session, session.begin():
            yield session

    @contextmanager
    def _read(self) -> Iterator[Session]:
        with self._sessions() as session:
            yield session

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
        run = m.Run(
            kind=kind,
            operator=operator or current_operator(),
            command_line=command_line if command_line is not None else " ".join(sys.argv),
            toolkit_version=__version__,
            hostname=socket.gethostname(),
            pid=os.getpid(),
            started_at=utcnow(),
            status="running",
            options=json.dumps(options, sort_keys=True, default=str) if options else None,
        )
        with self._write() as session:
            session.add(run)
            session.flush()
            return run.id

    def finish_run(self, run_id: int, status: str) -> None:
        _one_of(status, RUN_STATUSES[1:], "run status")
        with self._write() as session:
            run = self._run_row(session, run_id)
            run.status = status
            run.ended_at = utcnow()

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
        with self._write() as session:
            row = session.scalars(
                select(m.StageResult).where(
                    m.StageResult.run_id == run_id,
                    m.StageResult.site == site,
                    m.StageResult.stage == stage,
                )
            ).one_or_none()
            if row is None:
                self._run_row(session, run_id)
                row = m.StageResult(run_id=run_id, site=site, stage=stage, started_at=now)
                session.add(row)
            row.status = status
            row.ended_at = None if status == "running" else now
            if detail is not None:
                row.detail = detail
            if changed is not None:
                row.changed = changed

    def record_host_results(
        self, run_id: int, site: str, stage: str, outcomes: Iterable[HostOutcome]
    ) -> None:
        now = utcnow()
        with self._write() as session:
            self._run_row(session, run_id)
            session.add_all(
                m.HostResult(
                    run_id=run_id,
                    site=site,
                    stage=stage,
                    host=o.host,
                    changed=o.changed,
                    failed=o.failed,
                    unreachable=o.unreachable,
                    detail=o.detail,
                    recorded_at=now,
                )
                for o in outcomes
            )

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
        with self._write() as session:
            run = self._run_row(session, run_id)
            session.add_all(
                m.CheckResult(
                    run_id=run_id,
                    site=site,
                    component=c.component,
                    name=c.name,
                    target=c.target,
                    ok=c.ok,
                    detail=c.detail,
                    checked_at=c.checked_at or now,
                    operator=operator or run.operator,
                )
                for c in checks
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
        with self._write() as session:
            who = operator or (self._run_row(session, run_id).operator if run_id else None)
            session.add_all(
                m.DeviceFact(
                    run_id=run_id,
                    site=site,
                    device=f.device,
                    model=f.model,
                    serial=f.serial,
                    fingerprint=f.fingerprint,
                    detail=f.detail,
                    collected_at=now,
                    operator=who or current_operator(),
                )
                for f in facts
            )

    @staticmethod
    def _run_row(session: Session, run_id: int) -> m.Run:
        run = session.get(m.Run, run_id)
        if run is None:
            raise InputError(f"unknown run {run_id}: expected the id of a recorded run")
        return run

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
        row = m.SiteMark(
            site=site,
            component=component,
            action=action,
            work_date=work_date,
            note=note,
            operator=operator or current_operator(),
            recorded_at=utcnow(),
        )
        with self._write() as session:
            session.add(row)
            session.flush()
            return _mark(row)

    # --- reading ----------------------------------------------------------------------------

    def runs(self, *, limit: int = 50, site: str | None = None) -> list[RunRecord]:
        """Newest first; with `site`, only runs that had a stage at that site."""
        query = select(m.Run).order_by(m.Run.started_at.desc(), m.Run.id.desc()).limit(limit)
        if site is not None:
            query = query.where(
                m.Run.id.in_(select(m.StageResult.run_id).where(m.StageResult.site == site))
            )
        with self._read() as session:
            return [_run(r) for r in session.scalars(query)]

    def run(self, run_id: int) -> RunRecord:
        with self._read() as session:
            return _run(self._run_row(session, run_id))

    def abandoned_runs(self) -> list[RunRecord]:
        """Runs still marked running whose process on this machine is gone (killed, crashed)."""
        here = socket.gethostname()
        with self._read() as session:
            rows = session.scalars(select(m.Run).where(m.Run.status == "running")).all()
            return [_run(r) for r in rows if r.hostname == here and not _pid_alive(r.pid)]

    def stages(self, *, run_id: int | None = None, site: str | None = None) -> list[StageRecord]:
        query = select(m.StageResult).order_by(m.StageResult.started_at, m.StageResult.id)
        if run_id is not None:
            query = query.where(m.StageResult.run_id == run_id)
        if site is not None:
            query = query.where(m.StageResult.site == site)
        with self._read() as session:
            return [_stage(r) for r in session.scalars(query)]

    def host_results(self, run_id: int, *, site: str | None = None) -> list[HostRecord]:
        query = (
            select(m.HostResult)
            .where(m.HostResult.run_id == run_id)
            .order_by(m.HostResult.recorded_at, m.HostResult.id)
        )
        if site is not None:
            query = query.where(m.HostResult.site == site)
        with self._read() as session:
            return [_host(r) for r in session.scalars(query)]

    def marks(self, site: str | None = None) -> list[MarkRecord]:
        """Every mark and unmark, oldest first."""
        query = select(m.SiteMark).order_by(m.SiteMark.recorded_at, m.SiteMark.id)
        if site is not None:
            query = query.where(m.SiteMark.site == site)
        with self._read() as session:
            return [_mark(r) for r in session.scalars(query)]

    def checks(self, site: str | None = None, *, limit: int | None = None) -> list[CheckRecord]:
        """Every recorded check, newest first."""
        query = select(m.CheckResult).order_by(
            m.CheckResult.checked_at.desc(), m.CheckResult.id.desc()
        )
        if site is not None:
            query = query.where(m.CheckResult.site == site)
        if limit is not None:
            query = query.limit(limit)
        with self._read() as session:
            return [_check(r) for r in session.scalars(query)]

    def latest_checks(self, site: str | None = None) -> list[CheckRecord]:
        """The newest batch per (site, component): the checks of the run that checked it last."""
        c = m.CheckResult
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
            select(c)
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
        with self._read() as session:
            return [_check(r) for r in session.scalars(query)]

    def check_summaries(self) -> list[tuple[str, str, int, str, bool, dt.datetime]]:
        """(site, component, run_id, target, all_ok, checked_at) per batch and target: the
        history behind the readiness-over-time chart, aggregated in the database."""
        c = m.CheckResult
        query = select(
            c.site,
            c.component,
            c.run_id,
            c.target,
            func.min(c.ok.cast(Integer)),
            func.max(c.checked_at),
        ).group_by(c.site, c.component, c.run_id, c.target)
        with self._read() as session:
            return [
                (site, comp, run_id, target or "", bool(ok), at)
                for site, comp, run_id, target, ok, at in session.execute(query)
            ]

    def device_facts(self, site: str) -> list[DeviceFactRecord]:
        """The newest facts of every device of the site that reported any."""
        f = m.DeviceFact
        newest = (
            select(f.device, func.max(f.id).label("id"))
            .where(f.site == site)
            .group_by(f.device)
            .subquery()
        )
        query = select(f).join(newest, f.id == newest.c.id).order_by(f.device)
        with self._read() as session:
            return [_fact(r) for r in session.scalars(query)]


# --- rows -> records ------------------------------------------------------------------------


def _run(r: m.Run) -> RunRecord:
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


def _stage(r: m.StageResult) -> StageRecord:
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


def _host(r: m.HostResult) -> HostRecord:
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


def _check(r: m.CheckResult) -> CheckRecord:
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


def _mark(r: m.SiteMark) -> MarkRecord:
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


def _fact(r: m.DeviceFact) -> DeviceFactRecord:
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
