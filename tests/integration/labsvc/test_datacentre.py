"""The data-centre stand-in: real HTTPS with the lab CA, probed as the rollout's verify does."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from digikel.cli.common import Context
from digikel.cli.labsvc import app
from digikel.labsvc import (
    DatacentrePlan,
    datacentre_status,
    probe,
    set_application_fault,
    start_datacentre,
    stop_datacentre,
)
from digikel.labsvc.tls import ensure_lab_ca


@pytest.fixture(scope="module")
def state_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("labsvc-dc")


@pytest.fixture(scope="module")
def running(inv, state_dir: Path, moved_plan: DatacentrePlan) -> Iterator[Path]:
    start_datacentre(inv, state_dir, plan=moved_plan)
    yield state_dir
    stop_datacentre(state_dir)


def test_every_application_answers_over_verified_tls(
    inv, running: Path, moved_plan: DatacentrePlan
) -> None:
    for index, app_entry in enumerate(inv.applications, start=1):
        result = probe(app_entry, inventory=inv, state_dir=running)
        assert result.ok, result.error
        assert result.connected_to == f"{moved_plan.application(index)}:8443"
        assert app_entry.name in result.body and app_entry.department in result.body
        health = probe(app_entry.id, inventory=inv, state_dir=running, path="/health")
        assert json.loads(health.body) == {
            "status": "ok",
            "id": app_entry.id,
            "name": app_entry.name,
            "department": app_entry.department,
            "url": app_entry.url,
        }


def test_queue_page_shows_the_kelurahan_and_a_number(inv, running: Path) -> None:
    site = inv.site("loa-bakung")
    result = probe(inv.city.queue_url.format(slug=site.slug), inventory=inv, state_dir=running)
    assert result.ok, result.error
    assert f"Kelurahan {site.name}" in result.body
    assert "id='number'>A-001<" in result.body
    unknown = probe(
        inv.city.queue_url.format(slug="no-such-site"), inventory=inv, state_dir=running
    )
    assert (unknown.ok, unknown.status) == (False, 404)


def test_a_foreign_ca_is_not_trusted(inv, running: Path, tmp_path: Path) -> None:
    # Another state directory has another lab CA: verification must fail, not be skipped.
    other = tmp_path / "other"
    ensure_lab_ca(other)
    (other / "datacentre").mkdir()
    (other / "datacentre" / "config.json").write_text(
        (running / "datacentre" / "config.json").read_text()
    )
    result = probe("surat", inventory=inv, state_dir=other)
    assert not result.ok
    assert result.error is not None and result.error.startswith("TLS verification failed")


def test_an_application_can_refuse_fail_and_recover(inv, running: Path) -> None:
    status = set_application_fault("surat", "refuse", running)
    assert {i.id: i.state for i in status.listeners}["surat"] == "refusing"
    refused = probe("surat", inventory=inv, state_dir=running)
    assert not refused.ok and refused.status is None
    assert "ConnectionRefused" in (refused.error or "")
    assert probe("dtks", inventory=inv, state_dir=running).ok  # the others are untouched

    set_application_fault("surat", "error", running)
    failing = probe("surat", inventory=inv, state_dir=running)
    assert (failing.ok, failing.status) == (False, 503)

    status = set_application_fault("surat", None, running)
    assert {i.id: (i.state, i.fault) for i in status.listeners}["surat"] == ("up", None)
    assert probe("surat", inventory=inv, state_dir=running).ok


def test_every_fault_change_of_a_long_series_is_applied(running: Path) -> None:
    """Each change is one SIGHUP; the stand-in must apply every one. Its main loop once set a
    threading.Event from a Python signal handler, which deadlocks when the signal lands while the
    main thread holds that Event's lock: CI saw one fault never applied. Many changes in a row
    give the race its chances."""
    for number in range(60):
        mode = ("refuse", "error", None)[number % 3]
        status = set_application_fault("perizinan", mode, running, timeout=10.0)
        expected = {"refuse": "refusing", "error": "failing", None: "up"}[mode]
        assert {i.id: i.state for i in status.listeners}["perizinan"] == expected, number
    assert datacentre_status(running).pid is not None


def test_start_again_keeps_the_running_server(inv, running: Path, moved_plan) -> None:
    pid = datacentre_status(running).pid
    assert pid is not None
    assert start_datacentre(inv, running, plan=moved_plan).pid == pid


def test_cli_status_and_faults(running: Path, lab_inventory_path: Path) -> None:
    runner = CliRunner()
    as_json = Context(json=True, inventory_path=lab_inventory_path)
    result = runner.invoke(app, ["status", "--state-dir", str(running)], obj=as_json)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["datacentre"]["running"] is True
    assert {i["id"]: i["state"] for i in doc["datacentre"]["listeners"]}["pbb"] == "up"
    bad = runner.invoke(app, ["app", "down", "no-such-app", "--state-dir", str(running)])
    assert bad.exit_code == 2
    assert "unknown application 'no-such-app'" in bad.output
    down = runner.invoke(
        app, ["app", "down", "pbb", "--mode", "error", "--state-dir", str(running)]
    )
    assert down.exit_code == 0, down.output
    probe_cli = runner.invoke(app, ["probe", "pbb", "--state-dir", str(running)])
    assert probe_cli.exit_code == 1 and "HTTP 503" in probe_cli.output
    up = runner.invoke(app, ["app", "up", "pbb", "--state-dir", str(running)])
    assert up.exit_code == 0, up.output
    assert runner.invoke(app, ["probe", "pbb", "--state-dir", str(running)]).exit_code == 0


def test_stop_closes_every_listener(inv, tmp_path_factory, moved_plan: DatacentrePlan) -> None:
    state_dir = tmp_path_factory.mktemp("labsvc-dc-stop")
    # A plan of its own: the module's server keeps running on the shared one.
    plan = DatacentrePlan(
        moved_plan.apps_base, moved_plan.portal, moved_plan.queue, moved_plan.port + 1
    )
    start_datacentre(inv, state_dir, plan=plan)
    assert probe("adminduk", inventory=inv, state_dir=state_dir).ok
    assert stop_datacentre(state_dir) is True
    assert not datacentre_status(state_dir).running
    result = probe("adminduk", inventory=inv, state_dir=state_dir)
    assert not result.ok and "ConnectionRefused" in (result.error or "")
    assert stop_datacentre(state_dir) is False


def test_portal_launcher_page_lists_the_sites_applications(inv, running: Path) -> None:
    portal_url = inv.city.portal_url.format(slug="loa-bakung")
    result = probe(portal_url, inventory=inv, state_dir=running)
    assert result.ok, result.error
    assert "Kelurahan Loa Bakung" in result.body
    for application in inv.applications:
        assert application.name in result.body
    assert (
        probe(inv.city.portal_url.format(slug="atlantis"), inventory=inv, state_dir=running).status
        == 404
    )
