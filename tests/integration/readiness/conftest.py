"""Real stores on SQLite files (and PostgreSQL when DIGIKEL_TEST_PG_URL is set), the real lab
inventory, and checks fed through the same Store API that `digikel rollout` uses."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from digikel.readiness.components import PORTAL_TARGET, ROLES_OF
from digikel.store import Check, DeviceFacts, Store, open_store

PG_URL = os.environ.get("DIGIKEL_TEST_PG_URL")


def fresh_postgres(url: str) -> None:
    """Empty the test database (only one whose name says it is for tests)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = make_url(url).database or ""
    assert "test" in name, f"DIGIKEL_TEST_PG_URL: refusing to empty database {name!r}"
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param(
            "postgresql",
            marks=pytest.mark.skipif(not PG_URL, reason="DIGIKEL_TEST_PG_URL is not set"),
        ),
    ]
)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL to an empty database of each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store' / 'digikel.db'}"
    assert PG_URL
    fresh_postgres(PG_URL)
    return PG_URL


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'digikel.db'}"


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    with open_store(db_url) as opened:
        yield opened


Feed = Callable[..., int]


@pytest.fixture
def feed(inv) -> Callable[[Store], Feed]:
    """feed(store)(site, failing=(...), skip=(...), when=...) records one verify run's checks:
    one per device of every automatic component and one per application, with targets."""

    def bind(store: Store) -> Feed:
        def record(
            slug: str,
            *,
            failing: tuple[str, ...] = (),
            skip: tuple[str, ...] = (),
            when: dt.datetime | None = None,
            operator: str = "teknisi-ana",
            facts: bool = False,
        ) -> int:
            site = inv.site(slug)
            run = store.start_run(kind="verify", operator=operator, command_line="test feed")
            checks = [
                Check(
                    component,
                    f"{d.name} answers",
                    d.name not in failing,
                    target=d.name,
                    checked_at=when,
                    detail=None if d.name not in failing else "no answer",
                )
                for component, roles in ROLES_OF.items()
                for d in site.devices
                if d.role in roles and d.name not in skip
            ]
            apps = [PORTAL_TARGET] + [
                a.id for a in inv.applications if a.id not in site.hidden_applications
            ]
            checks += [
                Check(
                    "applications",
                    f"{app} reachable from loket",
                    app not in failing,
                    target=app,
                    checked_at=when,
                )
                for app in apps
                if app not in skip
            ]
            store.record_checks(run, site.slug, checks)
            if facts:
                store.record_device_facts(
                    site.slug,
                    [
                        DeviceFacts(
                            d.name,
                            model=d.model,
                            serial=f"SN-{d.name.upper()}",
                            fingerprint=f"sha256:{i:064x}",
                        )
                        for i, d in enumerate(site.devices)
                    ],
                    run_id=run,
                )
            store.finish_run(run, "failed" if failing else "ok")
            return run

        return record

    return bind


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, sqlite_url: str, lab_inventory_path: Path, tmp_path):
    """The CLI's environment: a fresh SQLite store, the lab inventory, a named operator, and
    a config file that does not exist (so the developer's own config never leaks in)."""
    monkeypatch.setenv("DIGIKEL_DB_URL", sqlite_url)
    monkeypatch.setenv("DIGIKEL_INVENTORY", str(lab_inventory_path))
    monkeypatch.setenv("DIGIKEL_OPERATOR", "sari")
    monkeypatch.setenv("DIGIKEL_CONFIG", str(tmp_path / "no-config.toml"))
    return sqlite_url


class Digikel:
    """Runs the digikel app in-process through Typer's CliRunner."""

    def __init__(self) -> None:
        self.runner = CliRunner()

    def __call__(self, *args: str, code: int = 0):
        from digikel.cli import app

        result = self.runner.invoke(app, list(args))
        assert result.exit_code == code, (
            f"digikel {' '.join(args)} -> {result.exit_code}, expected {code}\n"
            f"stdout: {result.stdout}\nstderr: {result.stderr}\n{result.exception!r}"
        )
        assert result.exception is None or isinstance(result.exception, SystemExit)
        return result

    def json(self, *args: str, code: int = 0):
        return json.loads(self("--json", *args, code=code).stdout)


@pytest.fixture
def digikel(cli_env) -> Digikel:
    return Digikel()
