"""The store's tables: run records of `digikel rollout` and the readiness records, in one schema.

Plain SQLAlchemy Core tables, no ORM: the store only inserts, updates and selects rows, and
`digikel status` should not pay for importing and setting up an ORM it would not use.

Every change of the schema is an alembic migration in digikel/store/migrations/versions (and a
new SCHEMA_HEAD in digikel/store/engine.py); tests check that the migrations and these tables
describe the same schema and that SCHEMA_HEAD is the newest migration.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)

# Stable constraint names so migrations can refer to them on every database.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out (SQLite itself keeps no time zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: the store keeps aware UTC times only")
        return value.astimezone(dt.UTC)

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


metadata = MetaData(naming_convention=NAMING)


def _id() -> Column[int]:
    return Column("id", Integer, primary_key=True, autoincrement=True)


def _run_id(ondelete: str = "CASCADE", nullable: bool = False) -> Column[int]:
    return Column("run_id", ForeignKey("runs.id", ondelete=ondelete), nullable=nullable)


# One invocation of a command that acts on sites (rollout, verify, ...).
runs = Table(
    "runs",
    metadata,
    _id(),
    Column("kind", String(20), nullable=False),
    Column("operator", String(100), nullable=False),
    Column("command_line", Text, nullable=False),
    Column("toolkit_version", String(40), nullable=False),
    Column("hostname", String(255), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("started_at", UTCDateTime(), nullable=False),
    Column("ended_at", UTCDateTime(), nullable=True),
    Column("status", String(20), nullable=False),
    Column("options", Text, nullable=True),  # JSON
)

# A site's stage within a run: one row, updated as the stage moves on.
stage_results = Table(
    "stage_results",
    metadata,
    _id(),
    _run_id(),
    Column("site", String(60), nullable=False),
    Column("stage", String(40), nullable=False),
    Column("status", String(20), nullable=False),
    Column("started_at", UTCDateTime(), nullable=False),
    Column("ended_at", UTCDateTime(), nullable=True),
    Column("changed", Boolean, nullable=True),
    Column("detail", Text, nullable=True),
    UniqueConstraint("run_id", "site", "stage"),
    Index(None, "site"),
)

# What one host did in a site's stage of a run.
host_results = Table(
    "host_results",
    metadata,
    _id(),
    _run_id(),
    Column("site", String(60), nullable=False),
    Column("stage", String(40), nullable=False),
    Column("host", String(100), nullable=False),
    Column("changed", Boolean, nullable=False),
    Column("failed", Boolean, nullable=False),
    Column("unreachable", Boolean, nullable=False),
    Column("detail", Text, nullable=True),
    Column("recorded_at", UTCDateTime(), nullable=False),
    Index(None, "run_id", "site"),
)

# One verify check of one readiness component of a site.
check_results = Table(
    "check_results",
    metadata,
    _id(),
    _run_id(),
    Column("site", String(60), nullable=False),
    Column("component", String(20), nullable=False),
    Column("name", String(200), nullable=False),
    Column("target", String(200), nullable=True),
    Column("ok", Boolean, nullable=False),
    Column("detail", Text, nullable=True),
    Column("checked_at", UTCDateTime(), nullable=False),
    Column("operator", String(100), nullable=False),
    # The newest check per site and component, read without touching the rows.
    Index(None, "site", "component", "checked_at"),
    # The checks of one run's batch (Store.latest_checks) and the per-batch history
    # (Store.check_summaries), read in index order instead of scanning every check.
    Index("ix_check_results_batch", "site", "component", "run_id", "target"),
)

# A hand-made mark (or unmark) of a manual component; never deleted, only superseded.
site_marks = Table(
    "site_marks",
    metadata,
    _id(),
    Column("site", String(60), nullable=False),
    Column("component", String(20), nullable=False),
    Column("action", String(10), nullable=False),  # "mark" | "unmark"
    Column("work_date", Date, nullable=True),
    Column("note", Text, nullable=True),
    Column("operator", String(100), nullable=False),
    Column("recorded_at", UTCDateTime(), nullable=False),
    Index(None, "site", "recorded_at"),
)

# What a device reported about itself: serial, model, configuration fingerprint.
device_facts = Table(
    "device_facts",
    metadata,
    _id(),
    _run_id(ondelete="SET NULL", nullable=True),
    Column("site", String(60), nullable=False),
    Column("device", String(100), nullable=False),
    Column("model", String(100), nullable=True),
    Column("serial", String(100), nullable=True),
    Column("fingerprint", String(128), nullable=True),
    Column("detail", Text, nullable=True),
    Column("collected_at", UTCDateTime(), nullable=False),
    Column("operator", String(100), nullable=False),
    Index(None, "site", "device", "collected_at"),
)

# Who is rolling out a site right now (digikel.rollout.locks): one row per locked site,
# so taking a lock is one atomic insert on every database.
site_locks = Table(
    "site_locks",
    metadata,
    Column("site", String(60), primary_key=True),
    _run_id(),
    Column("operator", String(100), nullable=False),
    Column("hostname", String(255), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("since", UTCDateTime(), nullable=False),
)


# What one watch (`digikel watch`) found of one target of a site: drifted (with the diff) or
# clean again. "Open drift" is the newest row per target when it is drifted, read in SQL; a
# clean row is written only when it closes an open drift (Store.record_drift), so the table
# grows with changes, not with nights. Never deleted, so the rows are the history.
drift_records = Table(
    "drift_records",
    metadata,
    _id(),
    _run_id(),
    Column("site", String(60), nullable=False),
    Column("component", String(20), nullable=False),
    Column("target", String(200), nullable=False),
    Column("drifted", Boolean, nullable=False),
    Column("summary", String(300), nullable=True),
    Column("diff", Text, nullable=True),  # scrubbed by the caller: never a secret
    Column("found_at", UTCDateTime(), nullable=False),
    # The newest row per target (open drift) and a site's history, in index order.
    Index(None, "site", "component", "target", "found_at"),
    # The history chart's GROUP BY day reads the drifted rows by time.
    Index("ix_drift_records_found", "found_at", "drifted"),
)

# The state each site was last named in by `digikel watch --notify`, so a site that newly
# drifted or fell out of readiness is named once, not every night.
notified_states = Table(
    "notified_states",
    metadata,
    Column("site", String(60), primary_key=True),
    Column("state", String(40), nullable=False),
    Column("notified_at", UTCDateTime(), nullable=False),
)
