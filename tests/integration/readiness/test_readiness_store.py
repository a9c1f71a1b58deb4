"""The store on real databases: migrations on open, records, batches, marks, crash safety."""

from __future__ import annotations

import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect

from digikel.errors import InputError
from digikel.store import Check, HostOutcome, open_store
from digikel.store.engine import (
    SCHEMA_HEAD,
    alembic_config,
    current_revision,
    head_revision,
    make_engine,
)

TABLES = {
    "runs",
    "stage_results",
    "host_results",
    "check_results",
    "site_marks",
    "device_facts",
    "site_locks",
    "drift_records",
    "notified_states",
    "alembic_version",
}


def test_opening_creates_the_schema_at_head_and_reopening_keeps_the_data(db_url):
    with open_store(db_url) as store:
        assert set(inspect(store.engine).get_table_names()) == TABLES
        assert current_revision(store.engine) == head_revision() is not None
        run = store.start_run(kind="rollout", operator="sari", command_line="digikel rollout")
    with open_store(db_url) as store:  # the second open finds head and changes nothing
        assert current_revision(store.engine) == head_revision()
        assert [r.id for r in store.runs()] == [run]


def test_migrations_describe_exactly_the_models(db_url):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from digikel.store.models import metadata

    with open_store(db_url) as store, store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []


def test_a_run_its_stages_hosts_and_checks_round_trip(store):
    run = store.start_run(
        kind="rollout",
        operator="sari",
        command_line="digikel rollout -s x",
        options={"check": False, "workers": 2},
    )
    store.record_stage(run, "loa-bakung", "network", "running")
    store.record_host_results(
        run,
        "loa-bakung",
        "network",
        [
            HostOutcome("loa-bakung-rtr01", changed=True, failed=False, detail="3 commands"),
            HostOutcome("loa-bakung-sw01", changed=False, failed=True, unreachable=True),
        ],
    )
    store.record_stage(
        run, "loa-bakung", "network", "failed", detail="sw01 unreachable", changed=True
    )
    store.finish_run(run, "partial")

    record = store.run(run)
    assert (record.status, record.operator, record.options) == (
        "partial",
        "sari",
        {"check": False, "workers": 2},
    )
    assert record.ended_at is not None and record.ended_at >= record.started_at
    assert record.started_at.tzinfo is not None and record.pid == os.getpid()
    [stage] = store.stages(run_id=run)
    assert (stage.status, stage.detail, stage.changed) == ("failed", "sw01 unreachable", True)
    assert stage.ended_at is not None
    hosts = store.host_results(run, site="loa-bakung")
    assert [(h.host, h.changed, h.failed, h.unreachable) for h in hosts] == [
        ("loa-bakung-rtr01", True, False, False),
        ("loa-bakung-sw01", False, True, True),
    ]
    assert [r.id for r in store.runs(site="loa-bakung")] == [run]
    assert store.runs(site="elsewhere") == []


def test_the_newest_batch_per_component_wins(store):
    early = dt.datetime(2024, 6, 1, 8, 0, tzinfo=dt.UTC)
    first = store.start_run(kind="verify", operator="ana")
    store.record_checks(
        first,
        "x",
        [
            Check("network", "tunnel", False, target="x-rtr01", checked_at=early),
            Check("printers", "ipp", True, target="x-prn01", checked_at=early),
        ],
    )
    second = store.start_run(kind="verify")
    later = early + dt.timedelta(hours=2)
    store.record_checks(
        second,
        "x",
        [Check("network", "tunnel", True, target="x-rtr01", checked_at=later)],
        operator="budi",
    )
    latest = {(c.component, c.run_id, c.ok, c.operator) for c in store.latest_checks("x")}
    # printers were not checked again: their newest batch is still the first run's
    assert latest == {("network", second, True, "budi"), ("printers", first, True, "ana")}
    assert len(store.checks("x")) == 3
    assert store.checks("x")[0].checked_at == later


def test_records_refuse_what_they_cannot_mean(store):
    with pytest.raises(InputError, match="unknown run 999"):
        store.record_checks(999, "x", [Check("network", "a", True)])
    run = store.start_run()
    with pytest.raises(ValueError, match="check component 'coffee'"):
        store.record_checks(run, "x", [Check("coffee", "a", True)])
    with pytest.raises(ValueError, match="stage status 'great'"):
        store.record_stage(run, "x", "verify", "great")
    with pytest.raises(ValueError, match="manual component 'network'"):
        store.record_mark("x", "network", "mark")
    assert store.checks("x") == [] and store.stages(run_id=run) == []


def test_marks_and_unmarks_are_events_never_deletions(store):
    store.record_mark(
        "x", "physical_works", "mark", work_date=dt.date(2024, 5, 31), note="PUPR", operator="sari"
    )
    store.record_mark("x", "physical_works", "unmark", note="atap bocor", operator="budi")
    store.record_mark(
        "x", "physical_works", "mark", work_date=dt.date(2024, 6, 14), operator="sari"
    )
    marks = store.marks("x")
    assert [(m.action, m.work_date, m.note, m.operator) for m in marks] == [
        ("mark", dt.date(2024, 5, 31), "PUPR", "sari"),
        ("unmark", None, "atap bocor", "budi"),
        ("mark", dt.date(2024, 6, 14), None, "sari"),
    ]
    assert marks[0].recorded_at <= marks[1].recorded_at <= marks[2].recorded_at


KILLED_WRITER = textwrap.dedent(
    """
    import os, signal, sys
    from sqlalchemy import insert
    from digikel.store import open_store, utcnow
    from digikel.store import models as m
    store = open_store(sys.argv[1])
    run = store.start_run(kind="rollout", command_line="killed writer")
    store.record_stage(run, "x", "verify", "running")
    with store._write() as conn:              # a batch of checks, half written when killed
        for index in range(50):
            conn.execute(insert(m.check_results).values(run_id=run, site="x",
                         component="network", name=f"c{index}", ok=True,
                         checked_at=utcnow(), operator="w"))
        print(run, flush=True)                # written, not committed
        os.kill(os.getpid(), signal.SIGKILL)  # before COMMIT
    """
)


def test_a_killed_writer_leaves_a_consistent_store(sqlite_url, tmp_path):
    done = subprocess.run(
        [sys.executable, "-c", KILLED_WRITER, sqlite_url],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == -signal.SIGKILL, done.stderr
    run = int(done.stdout.strip())

    database = Path(sqlite_url.removeprefix("sqlite:///"))
    with sqlite3.connect(database) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    with open_store(sqlite_url) as store:
        record = store.run(run)
        assert record.status == "running" and record.ended_at is None
        [stage] = store.stages(run_id=run)
        assert stage.status == "running"
        assert store.checks("x") == []  # all of the batch or none of it: none
        assert [r.id for r in store.abandoned_runs()] == [run]
        store.finish_run(run, "interrupted")  # what `rollout --resume` does with it
        assert store.abandoned_runs() == []


def test_schema_head_is_the_newest_migration():
    """open_store skips alembic for a database at SCHEMA_HEAD: it must be alembic's head, so a
    new migration without a new SCHEMA_HEAD fails here rather than never being applied."""
    assert head_revision() == SCHEMA_HEAD


OPEN_AND_LIST_IMPORTS = textwrap.dedent(
    """
    import sys
    from digikel.store import open_store
    with open_store(sys.argv[1]) as store:
        store.runs()
    print(sorted({name.split(".")[0] for name in sys.modules} & {"alembic", "mako"}))
    """
)


def test_opening_a_store_at_head_does_not_import_alembic(db_url):
    with open_store(db_url) as store:  # creates the schema (alembic runs here)
        store.start_run()
    opened = subprocess.run(
        [sys.executable, "-c", OPEN_AND_LIST_IMPORTS, db_url],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert opened.returncode == 0, opened.stderr
    assert opened.stdout.strip() == "[]"


def test_a_store_at_an_older_revision_is_upgraded_on_open(db_url):
    from alembic import command

    engine = make_engine(db_url)
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "0001")
    assert current_revision(engine) == "0001" != SCHEMA_HEAD
    engine.dispose()

    with open_store(db_url) as store:
        assert current_revision(store.engine) == SCHEMA_HEAD
        indexes = {i["name"] for i in inspect(store.engine).get_indexes("check_results")}
        assert "ix_check_results_batch" in indexes


FIRST_OPEN = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from digikel.store import open_store
    url, ready, go = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    ready.touch()
    while not go.exists():  # start together, once every process has done its imports
        time.sleep(0.001)
    open_store(url).start_run()
    """
)


def test_concurrent_first_opens_migrate_once(tmp_path):
    """Processes opening a new SQLite store at the same moment: all succeed, one schema.

    They start together once their imports are done (which a loaded machine slows down
    unevenly), so that their opens really are concurrent."""
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    go = tmp_path / "go"
    ready = [tmp_path / f"ready-{n}" for n in range(4)]
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", FIRST_OPEN, url, str(flag), str(go)],
            stderr=subprocess.PIPE,
            text=True,
        )
        for flag in ready
    ]
    try:
        deadline = time.monotonic() + 120  # imports on a loaded machine can be slow
        while not all(flag.exists() for flag in ready) and time.monotonic() < deadline:
            if any(p.poll() is not None for p in procs):
                break  # one died during its imports: its stderr says why
            time.sleep(0.01)
    finally:
        go.touch()
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0] * len(procs), errors
    with open_store(url) as store:
        assert len(store.runs()) == len(procs)
    engine = create_engine(url)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM alembic_version").scalar() == 1
    engine.dispose()


def test_a_new_store_opens_while_another_process_switches_it_to_wal(sqlite_url):
    """The first open of a new SQLite file switches it to WAL. While another connection is
    doing the same, SQLite fails a second switch at once with "database is locked", without
    waiting for busy_timeout: that failed two first opens racing each other under load."""
    path = Path(sqlite_url.removeprefix("sqlite:///"))
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")  # the write lock the other switch holds for a moment
    release = threading.Timer(0.5, other.execute, ["COMMIT"])
    release.start()
    try:
        with open_store(sqlite_url) as store:
            store.start_run()
    finally:
        release.join()
        other.close()
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_parallel_site_workers_share_one_store(db_url):
    """`digikel rollout --workers N` writes from threads through one Store: nothing is lost and
    no writer fails with 'database is locked'."""
    from concurrent.futures import ThreadPoolExecutor

    with open_store(db_url) as store:
        run = store.start_run(kind="rollout")
        sites = [f"site-{n}" for n in range(6)]

        def one_site(site: str) -> None:
            for stage in ("preflight", "network", "endpoints", "verify"):
                store.record_stage(run, site, stage, "running")
                store.record_host_results(
                    run,
                    site,
                    stage,
                    [HostOutcome(f"{site}-h{i}", changed=i == 0, failed=False) for i in range(3)],
                )
                store.record_stage(run, site, stage, "ok")
            store.record_checks(run, site, [Check("network", "up", True, target=f"{site}-rtr01")])

        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(one_site, sites))  # re-raises any worker's exception
        store.finish_run(run, "ok")
        stages = store.stages(run_id=run)
        assert len(stages) == 24 and {s.status for s in stages} == {"ok"}
        assert len(store.host_results(run)) == 72
        assert {c.site for c in store.latest_checks()} == set(sites)


def test_reads_do_not_wait_for_a_writer(sqlite_url):
    """`status` and reports read while a rollout holds SQLite's write lock: their transactions
    begin DEFERRED. Were they IMMEDIATE, each read below would wait out busy_timeout and fail."""
    path = Path(sqlite_url.removeprefix("sqlite:///"))
    with open_store(sqlite_url) as store:
        run = store.start_run(kind="rollout")
        store.record_checks(run, "loa-bakung", [Check("network", "verify", True)])
        engine = store.engine
        writer = sqlite3.connect(path, isolation_level=None)
        writer.execute("BEGIN IMMEDIATE")  # a rollout in the middle of a write
        try:
            # The pooled connection the reads below use: fail in 0.2 s instead of 30 s.
            with engine.connect().execution_options(digikel_read_only=True) as connection:
                connection.exec_driver_sql("PRAGMA busy_timeout = 200")
            assert [r.id for r in store.runs()] == [run]
            assert [c.name for c in store.latest_checks("loa-bakung")] == ["verify"]
        finally:
            writer.execute("ROLLBACK")
            writer.close()
