"""The store's tables: run records of `digikel rollout` and the readiness records, in one schema.

Every change of the schema is an alembic migration in digikel/store/migrations/versions;
a test checks that the migrations and these models describe the same tables.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

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


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Run(Base):
    """One invocation of a command that acts on sites (rollout, verify, ...)."""

    __tablename__ = "runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(20))
    operator: Mapped[str] = mapped_column(String(100))
    command_line: Mapped[str] = mapped_column(Text)
    toolkit_version: Mapped[str] = mapped_column(String(40))
    hostname: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    status: Mapped[str] = mapped_column(String(20))
    options: Mapped[str | None] = mapped_column(Text, nullable=True)  # JSON


class StageResult(Base):
    """A site's stage within a run: one row, updated as the stage moves on."""

    __tablename__ = "stage_results"
    __table_args__ = (UniqueConstraint("run_id", "site", "stage"), Index(None, "site"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    site: Mapped[str] = mapped_column(String(60))
    stage: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20))
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    changed: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    detail: Mapped[str | None] = mapped_column(Text, nullable=True)


class HostResult(Base):
    """What one host did in a site's stage of a run."""

    __tablename__ = "host_results"
    __table_args__ = (Index(None, "run_id", "site"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    site: Mapped[str] = mapped_column(String(60))
    stage: Mapped[str] = mapped_column(String(40))
    host: Mapped[str] = mapped_column(String(100))
    changed: Mapped[bool] = mapped_column(Boolean)
    failed: Mapped[bool] = mapped_column(Boolean)
    unreachable: Mapped[bool] = mapped_column(Boolean)
    detail: Mapped[str | None] = mapped_column(Text, nullable=True)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class CheckResult(Base):
    """One verify check of one readiness component of a site."""

    __tablename__ = "check_results"
    __table_args__ = (Index(None, "site", "component", "checked_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    site: Mapped[str] = mapped_column(String(60))
    component: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    target: Mapped[str | None] = mapped_column(String(200), nullable=True)
    ok: Mapped[bool] = mapped_column(Boolean)
    detail: Mapped[str | None] = mapped_column(Text, nullable=True)
    checked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    operator: Mapped[str] = mapped_column(String(100))


class SiteMark(Base):
    """A hand-made mark (or unmark) of a manual component; never deleted, only superseded."""

    __tablename__ = "site_marks"
    __table_args__ = (Index(None, "site", "recorded_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    site: Mapped[str] = mapped_column(String(60))
    component: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(10))  # "mark" | "unmark"
    work_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    operator: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class DeviceFact(Base):
    """What a device reported about itself: serial, model, configuration fingerprint."""

    __tablename__ = "device_facts"
    __table_args__ = (Index(None, "site", "device", "collected_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int | None] = mapped_column(
        ForeignKey("runs.id", ondelete="SET NULL"), nullable=True
    )
    site: Mapped[str] = mapped_column(String(60))
    device: Mapped[str] = mapped_column(String(100))
    model: Mapped[str | None] = mapped_column(String(100), nullable=True)
    serial: Mapped[str | None] = mapped_column(String(100), nullable=True)
    fingerprint: Mapped[str | None] = mapped_column(String(128), nullable=True)
    detail: Mapped[str | None] = mapped_column(Text, nullable=True)
    collected_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    operator: Mapped[str] = mapped_column(String(100))


class SiteLock(Base):
    """Who is rolling out a site right now (digikel.rollout.locks): one row per locked site,
    so taking a lock is one atomic insert on every database."""

    __tablename__ = "site_locks"
    site: Mapped[str] = mapped_column(String(60), primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    operator: Mapped[str] = mapped_column(String(100))
    hostname: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    since: Mapped[dt.datetime] = mapped_column(UTCDateTime())
