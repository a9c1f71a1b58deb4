"""Open the store's database: engine settings per backend, and migrations up to head on open."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError, ProgrammingError

from digikel.errors import DigikelError, InputError

MIGRATIONS = Path(__file__).parent / "migrations"
# The newest revision in migrations/versions. A store already at it opens without alembic:
# importing alembic and reading the migration scripts cost more than the rest of
# `digikel status`. A test checks that this is alembic's head, so it cannot go stale.
SCHEMA_HEAD = "0002"
# Any constant works: it only has to be the same for every digikel process on one PostgreSQL.
_PG_MIGRATION_LOCK = 0x64696B6C  # "dikl"
SQLITE_BUSY_TIMEOUT_MS = 30_000


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite's own transaction handling defers BEGIN and breaks SAVEPOINT/DDL atomicity;
    # hand transactions to SQLAlchemy (the "begin" listener below) instead.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys = ON")
    # WAL: readers (a report) never block the rollout's writers, and a killed writer's
    # uncommitted pages are simply ignored on the next open.
    _enable_wal(cursor)
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


def _enable_wal(cursor: Any) -> None:
    """Switch to WAL, waiting up to the busy timeout for another process doing the same.

    Switching a new, empty file to WAL writes its header. A connection that has read the
    header while another one holds the write lock to switch it cannot wait for that lock
    without risking a deadlock, so SQLite fails it with SQLITE_BUSY at once and never calls
    its busy handler: busy_timeout does not apply, and two digikel commands opening a new
    store together could fail with "database is locked". Retrying is safe: the other
    connection finishes the switch, and this one then finds the file in WAL mode.
    """
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            busy = exc.sqlite_errorcode & 0xFF == sqlite3.SQLITE_BUSY
            if not busy or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def _sqlite_begin(connection: Connection) -> None:
    # A writer begins IMMEDIATE: it takes the write lock at BEGIN, so two writers queue on
    # busy_timeout instead of one failing with "database is locked" when its read turns into a
    # write. A reader (Store._read) begins DEFERRED and never takes that lock.
    if connection.get_execution_options().get("digikel_read_only"):
        connection.exec_driver_sql("BEGIN")
    else:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite files get their folder created and safe pragmas."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise InputError(
            f"store URL {url!r}: expected an SQLAlchemy URL such as sqlite:///path/digikel.db "
            f"or postgresql+psycopg://user@host/db (DIGIKEL_DB_URL or the config file)"
        ) from None
    is_sqlite = parsed.get_backend_name() == "sqlite"
    if is_sqlite and parsed.database and parsed.database != ":memory:":
        folder = Path(parsed.database).expanduser().parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DigikelError(
                f"cannot create the store's folder {folder}: {exc.strerror}"
            ) from None
    try:
        engine = create_engine(parsed, pool_pre_ping=not is_sqlite)
    except NoSuchModuleError:
        raise InputError(
            f"store URL {parsed.render_as_string(hide_password=True)!r}: unknown database "
            f"dialect or driver {parsed.drivername!r}"
        ) from None
    except ModuleNotFoundError as exc:
        raise InputError(
            f"store URL {parsed.render_as_string(hide_password=True)!r}: its driver is not "
            f"installed ({exc.name}); for PostgreSQL: pip install 'psycopg[binary]'"
        ) from None
    if is_sqlite:
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    return engine


def alembic_config(connection: Connection | None = None) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def stored_revision(engine: Engine) -> str | None:
    """The schema revision the database says it has; None when it has none (a new database).

    One plain query, so that opening a store that is up to date never imports alembic.
    """
    try:
        with engine.connect().execution_options(digikel_read_only=True) as connection:
            found = connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    except (OperationalError, ProgrammingError):
        # No alembic_version table yet (SQLite and PostgreSQL report that differently). Any
        # other failure to read shows again, with its reason, when upgrade() opens it.
        return None
    return None if found is None else str(found)


def migrate(engine: Engine) -> None:
    """Bring the schema to SCHEMA_HEAD, and skip alembic when it is there already."""
    if stored_revision(engine) != SCHEMA_HEAD:
        # Under the migration lock alembic reads the revision again: of two processes opening
        # a new store at once, the second finds the first one's schema and changes nothing.
        upgrade(engine)


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest revision; concurrent openers wait for each other."""
    from alembic import command

    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_MIGRATION_LOCK})")
        command.upgrade(alembic_config(connection), "head")


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()
