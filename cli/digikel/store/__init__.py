"""The one store of digikel: run records of `digikel rollout` and per-site readiness records.

    from digikel.store import open_store, Check
    with open_store() as store:            # DIGIKEL_DB_URL, the config file, or per-user SQLite
        run = store.start_run(kind="rollout")
        store.record_stage(run, "loa-bakung", "verify", "running")
        store.record_checks(run, "loa-bakung", [Check("network", "wireguard up", True, target=...)])
        store.record_stage(run, "loa-bakung", "verify", "ok")
        store.finish_run(run, "ok")

See docs/readiness.md for the whole API.
"""

from __future__ import annotations

from digikel.store.api import Store, current_operator, utcnow
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

__all__ = [
    "Check",
    "CheckRecord",
    "DeviceFactRecord",
    "DeviceFacts",
    "Drift",
    "DriftRecord",
    "HostOutcome",
    "HostRecord",
    "KecamatanDay",
    "MarkRecord",
    "RunRecord",
    "StageRecord",
    "StateChange",
    "Store",
    "current_operator",
    "open_store",
    "utcnow",
]


def open_store(url: str | None = None) -> Store:
    """Open (and migrate to the newest schema) the store at `url`, or the configured one.

    Bad URLs (in-memory SQLite, a port outside 1..65535) and unusable files (read-only,
    corrupt, not a database) raise InputError naming the store; no error shows SQL.
    """
    from sqlalchemy.exc import DBAPIError

    from digikel.store.engine import make_engine, migrate, store_error
    from digikel.store.settings import load_settings

    if url is None:
        settings = load_settings()
        url, source = settings.db_url, settings.source
    else:
        source = ""
    engine = make_engine(url, source)
    try:
        migrate(engine)
    except DBAPIError as exc:
        engine.dispose()
        raise store_error(exc, engine.url) from None
    return Store(engine)
