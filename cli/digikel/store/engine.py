"""Open the store's database: engine settings per backend, and migrations up to head on open."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError, ProgrammingError

from digikel.errors import DigikelError, InputError

MIGRATIONS = Path(__file__).parent / "migrations"
# The newest revision in migrations/versions. A store already at it opens without alembic:
# importing alembic and reading the migration scripts cost more than the rest of
# `digikel status`. A test checks that this is alembic's head, so it cannot go stale.
SCHEMA_HEAD = "0003"
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


def _refuse(url: str, source: str, problem: str) -> InputError:
    where = f" ({source})" if source and source != "default" else ""
    return InputError(f"store URL {url!r}{where}: {problem}")


def _check_persistent(parsed: URL, shown: str, source: str) -> None:
    """An in-memory SQLite database forgets every mark and run at exit, and site locks on it
    lock nothing: refuse it as bad input rather than report success and lose the records."""
    database = parsed.database or ""
    uri = str(parsed.query.get("uri", "")).lower() in ("true", "1")
    in_memory = (
        database in ("", ":memory:")
        or (uri and (database.startswith("file::memory:") or database == "file:"))
        or (uri and parsed.query.get("mode") == "memory")
    )
    if in_memory:
        raise _refuse(
            shown,
            source,
            "an in-memory database keeps nothing after the command; expected a file such as "
            "sqlite:////var/lib/digikel/digikel.db or a server such as "
            "postgresql+psycopg://digikel@db.lan/digikel",
        )


def parse_store_url(url: str, source: str = "") -> URL:
    """The URL, checked: SQLAlchemy syntax, a persistent database, a port in 1..65535."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise _refuse(
            _mask(url),
            source,
            "expected an SQLAlchemy URL such as sqlite:///path/digikel.db "
            "or postgresql+psycopg://user@host/db (DIGIKEL_DB_URL or the config file)",
        ) from None
    shown = parsed.render_as_string(hide_password=True)
    if parsed.get_backend_name() == "sqlite":
        _check_persistent(parsed, url, source)  # as given: an SQLite URL holds no password
    elif parsed.port is not None and not 1 <= parsed.port <= 65535:
        raise _refuse(shown, source, f"port {parsed.port}: expected a TCP port from 1 to 65535")
    return parsed


def _mask(url: str) -> str:
    """A URL that did not parse, with anything between ':' and '@' (a password) hidden."""
    import re

    return re.sub(r"(://[^:/@]*:)[^@/]*@", r"\1***@", url)


def make_engine(url: str, source: str = "") -> Engine:
    """An engine for `url`; SQLite files get their folder created and safe pragmas.

    `source` says where the URL came from (DIGIKEL_DB_URL, the config file) for messages.
    """
    parsed = parse_store_url(url, source)
    is_sqlite = parsed.get_backend_name() == "sqlite"
    if is_sqlite and parsed.database and not parsed.database.startswith("file:"):
        folder = Path(parsed.database).expanduser().parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(
                f"store {parsed.database}: cannot create its folder {folder}: "
                f"{exc.strerror}; expected a writable folder"
            ) from None
    try:
        # hide_parameters: an error must never show the values of a statement (notes,
        # operators, details); and no statement text reaches operators either (store_error).
        engine = create_engine(parsed, pool_pre_ping=not is_sqlite, hide_parameters=True)
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


def store_name(url: URL) -> str:
    """How messages name a store: the SQLite file, else the URL without its password."""
    if url.get_backend_name() == "sqlite" and url.database:
        return url.database.removeprefix("file:").split("?")[0]
    return url.render_as_string(hide_password=True)


# SQLite's primary result codes that mean "this file cannot be the store as it is".
_SQLITE_BAD_FILE = {
    sqlite3.SQLITE_READONLY: "it is read-only; expected write access to the file and its folder",
    sqlite3.SQLITE_NOTADB: "it is not an SQLite database; expected digikel's store (move the "
    "file away to start a new store)",
    sqlite3.SQLITE_CORRUPT: "the database is corrupt; expected an intact SQLite file (restore "
    "it from a backup, or move it away to start a new store)",
    sqlite3.SQLITE_CANTOPEN: "it cannot be opened; expected a readable and writable file in an "
    "existing folder",
    sqlite3.SQLITE_PERM: "access denied; expected write access to the file and its folder",
    sqlite3.SQLITE_FULL: "the disk is full; expected free space for the store",
}


def store_error(exc: BaseException, url: URL) -> DigikelError:
    """The operator's message for a database error: names the store (its file for SQLite),
    says what is wrong and what was expected, and never shows SQL or its parameters.

    A store that cannot be what it should (read-only, not a database, corrupt) is bad input
    (exit 2); anything else (a server that does not answer) is a failure (exit 1).
    """
    orig = getattr(exc, "orig", None) or exc
    name = store_name(url)
    code = getattr(orig, "sqlite_errorcode", None)
    if isinstance(code, int) and code & 0xFF in _SQLITE_BAD_FILE:
        return InputError(f"store {name}: {_SQLITE_BAD_FILE[code & 0xFF]}")
    reason = " ".join(str(orig).split()) or type(orig).__name__
    if len(reason) > 300:
        reason = reason[:300] + " ..."
    return DigikelError(f"cannot use the store {name}: {reason}")


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
