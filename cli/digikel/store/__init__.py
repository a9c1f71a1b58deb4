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
    HostOutcome,
    HostRecord,
    MarkRecord,
    RunRecord,
    StageRecord,
)

__all__ = [
    "Check",
    "CheckRecord",
    "DeviceFactRecord",
    "DeviceFacts",
    "HostOutcome",
    "HostRecord",
    "MarkRecord",
    "RunRecord",
    "StageRecord",
    "Store",
    "current_operator",
    "open_store",
    "utcnow",
]


def open_store(url: str | None = None) -> Store:
    """Open (and migrate to the newest schema) the store at `url`, or the configured one."""
    from sqlalchemy.exc import OperationalError

    from digikel.errors import DigikelError
    from digikel.store.engine import make_engine, migrate
    from digikel.store.settings import load_settings

    engine = make_engine(url or load_settings().db_url)
    try:
        migrate(engine)
    except OperationalError as exc:
        shown = engine.url.render_as_string(hide_password=True)
        engine.dispose()
        raise DigikelError(f"cannot open the store {shown}: {exc.orig}") from None
    return Store(engine)
