"""The real CLI against real stores: an SQLite file, and PostgreSQL when DIGIKEL_TEST_PG_URL is set.

PostgreSQL tests run in a schema of their own (digikel_cli_<xdist worker>) of the test
database, so that other suites emptying its public schema at the same time never meet them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from typer.testing import CliRunner

PG_URL = os.environ.get("DIGIKEL_TEST_PG_URL")


def _pg_schema_url(url: str) -> str:
    """The test database with a fresh schema of this worker first on the search path."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    assert "test" in (parsed.database or ""), f"refusing to use {parsed.database!r} for tests"
    schema = f"digikel_cli_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    glue = "&" if "?" in url else "?"
    return f"{url}{glue}options={quote(f'-csearch_path={schema}')}"


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
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store' / 'digikel.db'}"
    assert PG_URL
    return _pg_schema_url(PG_URL)


@pytest.fixture
def cli_env(
    monkeypatch: pytest.MonkeyPatch, db_url: str, lab_inventory_path: Path, tmp_path: Path
) -> str:
    """A fresh store holding one mark, the lab inventory, a named operator, and no config
    file (so a developer's own config never leaks in)."""
    from digikel.store import open_store

    monkeypatch.setenv("DIGIKEL_DB_URL", db_url)
    monkeypatch.setenv("DIGIKEL_INVENTORY", str(lab_inventory_path))
    monkeypatch.setenv("DIGIKEL_OPERATOR", "sari")
    monkeypatch.setenv("DIGIKEL_CONFIG", str(tmp_path / "no-config.toml"))
    monkeypatch.chdir(tmp_path)
    with open_store(db_url) as store:
        # Something to lose: a hostile input must leave this record, and add nothing.
        store.record_mark("loa-bakung", "physical_works", "mark", note="rangka atap selesai")
    return db_url


Snapshot = Callable[[str], dict[str, list[tuple[Any, ...]]]]


def _snapshot(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of the store, to prove a refused command changed nothing."""
    from sqlalchemy import create_engine, select

    from digikel.store import models

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return {
                table.name: sorted(
                    (tuple(map(repr, row)) for row in connection.execute(select(table))),
                )
                for table in models.metadata.sorted_tables
            }
    finally:
        engine.dispose()


@pytest.fixture
def snapshot() -> Snapshot:
    """snapshot(url): every row of the store at `url`."""
    return _snapshot


class Digikel:
    """The root app through Typer's CliRunner, stdout and stderr apart."""

    def __init__(self) -> None:
        self.runner = CliRunner()

    def __call__(self, *args: str) -> Any:
        from digikel.cli import app

        return self.runner.invoke(app, list(args))


@pytest.fixture
def digikel(cli_env: str) -> Iterator[Digikel]:
    yield Digikel()
