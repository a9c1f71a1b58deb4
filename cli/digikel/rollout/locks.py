"""One operator per site at a time, across laptops when the store is a shared database.

A lock is a row in the store's `site_locks` table (primary key: the site), so taking it is one
atomic insert on SQLite and PostgreSQL alike. A lock whose process is gone (same machine, pid no
longer alive) is stale and taken over; a lock held from another machine is only broken by an
operator, explicitly (`digikel rollout unlock SITE`).
"""

from __future__ import annotations

import datetime as dt
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError

from digikel.errors import DigikelError
from digikel.store.api import current_operator, utcnow
from digikel.store.models import site_locks

if TYPE_CHECKING:
    from digikel.store import Store


class SiteLocked(DigikelError):
    """Someone else is rolling out this site."""


@dataclass(frozen=True)
class Holder:
    site: str
    run_id: int
    operator: str
    hostname: str
    pid: int
    since: dt.datetime

    def describe(self) -> str:
        return (
            f"site {self.site} is being rolled out by {self.operator} (run {self.run_id}, "
            f"pid {self.pid} on {self.hostname}) since {self.since:%Y-%m-%d %H:%M:%S} UTC"
        )


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, but someone else's
        return True
    return True


class SiteLocks:
    def __init__(self, store: Store) -> None:
        self.engine = store.engine
        self.hostname = socket.gethostname()

    def holder(self, site: str) -> Holder | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(site_locks).where(site_locks.c.site == site)).first()
        if row is None:
            return None
        return Holder(row.site, row.run_id, row.operator, row.hostname, row.pid, row.since)

    def acquire(self, site: str, run_id: int) -> Holder:
        """Take the site's lock for `run_id`, or raise SiteLocked naming who holds it."""
        mine = Holder(site, run_id, current_operator(), self.hostname, os.getpid(), utcnow())
        for _ in range(2):  # a second try after clearing a stale lock
            try:
                with self.engine.begin() as conn:
                    conn.execute(
                        insert(site_locks).values(
                            site=site,
                            run_id=run_id,
                            operator=mine.operator,
                            hostname=mine.hostname,
                            pid=mine.pid,
                            since=mine.since,
                        )
                    )
                return mine
            except IntegrityError:
                current = self.holder(site)
                if current is None:
                    continue  # released between our insert and our look
                if current.hostname == self.hostname and not pid_alive(current.pid):
                    self._remove(site, current)  # stale: its process died without releasing
                    continue
                raise SiteLocked(current.describe()) from None
        current = self.holder(site)
        raise SiteLocked(current.describe() if current else f"site {site}: lock contended")

    def release(self, site: str, holder: Holder) -> None:
        self._remove(site, holder)

    def break_lock(self, site: str) -> Holder | None:
        """Remove whatever lock the site has (an operator's explicit decision)."""
        current = self.holder(site)
        if current is not None:
            self._remove(site, current)
        return current

    def _remove(self, site: str, holder: Holder) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                delete(site_locks).where(
                    site_locks.c.site == site,
                    site_locks.c.run_id == holder.run_id,
                    site_locks.c.pid == holder.pid,
                )
            )


@dataclass
class HeldRun:
    """The run a locked command records; the command sets its outcome before leaving."""

    run_id: int
    status: str = "ok"


@contextmanager
def holding_sites(
    store: Store, sites: list[str], kind: str, options: dict[str, object] | None = None
) -> Iterator[HeldRun]:
    """Record a run of `kind` and hold the lock of every site for it, or refuse before anything
    changes: every command that changes a device (rollout, network push/rollback/trust) takes
    the same locks, so two operators never write to one site at once."""
    locks = SiteLocks(store)
    run = HeldRun(store.start_run(kind=kind, options=options))
    held: list[tuple[str, Holder]] = []
    try:
        for site in sorted(set(sites)):
            held.append((site, locks.acquire(site, run.run_id)))
        yield run
    except BaseException as exc:
        run.status = "interrupted" if isinstance(exc, KeyboardInterrupt) else "failed"
        raise
    finally:
        for site, holder in held:
            locks.release(site, holder)
        store.finish_run(run.run_id, run.status)
