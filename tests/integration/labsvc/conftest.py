"""Lab services started for real in a temporary state directory, on loopback addresses and
ports moved away from the lab's own, so a lab running on this machine is never disturbed."""

from __future__ import annotations

import dataclasses
import os
import subprocess
from collections.abc import Callable
from ipaddress import IPv4Address

import pytest

from digikel.labsvc.addresses import DatacentrePlan
from digikel.labsvc.printers import PrinterSpec


def _worker() -> int:
    return int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)


@pytest.fixture(scope="session")
def move_printers() -> Callable[[list[PrinterSpec]], list[PrinterSpec]]:
    """Printers on ports 10000 above the lab's (and 100 more per xdist worker)."""

    def move(specs: list[PrinterSpec]) -> list[PrinterSpec]:
        return [dataclasses.replace(s, port=s.port + 10000 + 100 * _worker()) for s in specs]

    return move


@pytest.fixture(scope="session")
def moved_plan() -> DatacentrePlan:
    """The data-centre stand-in on 127.66.2xx.* instead of the lab's 127.66.0/1.*."""
    third = 200 + 2 * _worker()
    return DatacentrePlan(
        apps_base=IPv4Address(f"127.66.{third}.10"),
        portal=IPv4Address(f"127.66.{third + 1}.1"),
        queue=IPv4Address(f"127.66.{third + 1}.2"),
        port=8443,
    )


@pytest.fixture
def listeners() -> Callable[[], str]:
    """`ss -ltnp`: every listening TCP socket and its process, as an operator would check."""

    def run() -> str:
        done = subprocess.run(["ss", "-ltnpH"], capture_output=True, text=True, check=True)
        return done.stdout

    return run
