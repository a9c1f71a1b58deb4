"""Lab printers: real ippeveprinter processes, checked with real IPP (ipptool)."""

from __future__ import annotations

import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from digikel.errors import DigikelError
from digikel.labsvc import (
    print_document,
    printed_documents,
    printer_attributes,
    printer_specs,
    printers_status,
    start_printers,
    stop_printers,
)
from digikel.labsvc.printers import PrinterSpec

SITES = ("loa-bakung", "pelabuhan")  # pelabuhan has two printers


@pytest.fixture(scope="module")
def state_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("labsvc-printers")


@pytest.fixture(scope="module")
def specs(inv, move_printers) -> list[PrinterSpec]:
    return move_printers(printer_specs(inv, [inv.site(s) for s in SITES]))


@pytest.fixture(scope="module")
def running(specs: list[PrinterSpec], state_dir: Path) -> Iterator[list[PrinterSpec]]:
    start_printers(specs, state_dir)
    yield specs
    stop_printers(state_dir)


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return True
    except OSError:
        return False


def test_every_printer_runs_on_its_own_port(
    running: list[PrinterSpec], state_dir: Path, listeners
) -> None:
    assert [s.name for s in running] == ["loa-bakung-prn01", "pelabuhan-prn01", "pelabuhan-prn02"]
    status = {s.name: s for s in printers_status(state_dir)}
    sockets = listeners()
    for spec in running:
        assert status[spec.name].up
        assert f"127.0.0.1:{spec.port} " in sockets
        assert f'("ippeveprinter",pid={status[spec.name].pid},' in sockets


def test_ipptool_reads_the_printer_attributes(running: list[PrinterSpec]) -> None:
    for spec in running:
        result = printer_attributes(spec.uri)
        assert result.ok, result.output
        assert result.first("printer-name") == spec.name
        assert result.first("printer-state") == "idle"
        assert result.first("printer-make-and-model") == spec.model
        assert result.first("printer-location") == f"Kantor Kelurahan {spec.site_name}"


def test_verify_finds_each_printer_at_its_planned_address_with_its_model(
    inv, running: list[PrinterSpec]
) -> None:
    import dataclasses

    from digikel.rollout.probes import printer_check

    for spec in running:
        device = inv.device(spec.name)
        assert device.mac  # the lab records the pilots' MACs: each printer has its reservation
        # the inventory's printer, reached where this test moved the lab's simulator
        moved = dataclasses.replace(device, connect_port=spec.port)
        check = printer_check(moved)
        assert check.ok, check.detail
        assert check.detail == (
            f"ipp://{device.address}/ipp/print (lab {spec.uri}): {device.model}"
        )
        # another model answering at that address is a fault
        wrong = printer_check(dataclasses.replace(moved, model="Brother HL-L2350DW"))
        assert not wrong.ok
        assert f"reports model {device.model!r}, the inventory says 'Brother HL-L2350DW'" in (
            wrong.detail or ""
        )
        # without a MAC there is no reservation: never probed as if it had its address
        unreserved = printer_check(dataclasses.replace(moved, mac=None))
        assert not unreserved.ok
        assert "no MAC recorded, so no DHCP reservation" in (unreserved.detail or "")
        assert f"digikel site device {device.site} {device.name} --mac" in (unreserved.detail or "")


def test_verify_reports_a_printer_that_does_not_answer(inv) -> None:
    import dataclasses

    from digikel.rollout.probes import printer_check

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        port = taken.getsockname()[1]  # bound, never listening: connection refused
        device = dataclasses.replace(inv.device("loa-bakung-prn01"), connect_port=port)
        check = printer_check(device, timeout=4)
    assert not check.ok
    assert (check.detail or "").startswith("ipp://10.84.35.11/ipp/print (lab ipp://127.0.0.1:")


def test_a_print_job_completes(running: list[PrinterSpec], state_dir: Path, tmp_path: Path) -> None:
    page = tmp_path / "test-page.txt"
    page.write_text("digikel lab test page\n")
    result = print_document(running[0].uri, page)
    assert result.ok, result.output
    assert result.attributes["job-state"][-1] == "completed"
    printed = printed_documents(running[0].name, state_dir)
    assert any(p.read_text() == "digikel lab test page\n" for p in printed)


def test_start_again_keeps_the_running_printers(
    running: list[PrinterSpec], state_dir: Path
) -> None:
    before = {s.name: s.pid for s in printers_status(state_dir)}
    again = start_printers(running, state_dir)
    assert {s.name: s.pid for s in again} == before


def test_a_taken_port_is_reported(inv, tmp_path: Path) -> None:
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        spec = PrinterSpec("x-prn01", "x", "X", "HP LaserJet", "127.0.0.1", port)
        with pytest.raises(DigikelError, match="already taken"):
            start_printers([spec], tmp_path)
    leftover = subprocess.run(["pgrep", "-f", str(tmp_path)], capture_output=True, text=True)
    assert leftover.stdout == ""  # not even the private D-Bus was started


def test_stop_one_then_all(running: list[PrinterSpec], state_dir: Path) -> None:
    victim = running[-1]
    assert stop_printers(state_dir, [victim.name]) == [victim.name]
    status = {s.name: s for s in printers_status(state_dir)}
    assert not status[victim.name].up and status[victim.name].pid is None
    assert not _answers(victim.port)
    assert printer_attributes(victim.uri, timeout=5).ok is False
    assert status[running[0].name].up
    stopped = stop_printers(state_dir)
    assert set(stopped) == {s.name for s in running[:-1]}
    assert printers_status(state_dir) == []
    assert not any(_answers(s.port) for s in running)
    # Neither a printer nor the private D-Bus of this state directory is left behind.
    leftover = subprocess.run(["pgrep", "-f", str(state_dir)], capture_output=True, text=True)
    assert leftover.stdout == ""
