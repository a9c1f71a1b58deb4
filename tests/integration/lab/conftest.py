"""A lab of real inventory devices, moved to 127.64.2xx.y so it never collides with a lab another
test (or engineer) runs on the inventory's own addresses at the same time."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from digikel.lab.device import DeviceSpec
from digikel.lab.hostkeys import write_known_hosts
from digikel.lab.runner import RunningLab, running_lab
from digikel.lab.specs import lab_specs

SITE = "sungai-keledang"  # has an IOS switch, a RouterOS router and access point


def relocated(specs: list[DeviceSpec], third_octet: int) -> list[DeviceSpec]:
    return [
        dataclasses.replace(
            s,
            host=f"127.64.{third_octet}.{s.host.rsplit('.', 1)[1]}",
            factory_host=(
                f"127.65.{third_octet}.{s.host.rsplit('.', 1)[1]}" if s.factory_host else ""
            ),
        )
        for s in specs
    ]


def _octet(base: int) -> int:
    # pytest-xdist workers get their own addresses
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return base + int(worker.removeprefix("gw") or 0)


@pytest.fixture(scope="session")
def site_specs(inv) -> list[DeviceSpec]:
    return relocated(lab_specs(inv, sites=[SITE]), _octet(210))


@pytest.fixture(scope="session")
def known_hosts(tmp_path_factory, site_specs) -> Path:
    path = tmp_path_factory.mktemp("kh") / "known_hosts"
    write_known_hosts(path, site_specs)
    return path


@pytest.fixture(scope="module")
def lab(tmp_path_factory, site_specs) -> Iterator[RunningLab]:
    state = tmp_path_factory.mktemp("lab")
    with running_lab(
        specs=site_specs, state_dir=state, time_scale=0.03, reboot_seconds=0.5
    ) as running:
        yield running


@pytest.fixture
def names(site_specs) -> dict[str, str]:
    by_role = {s.role: s.name for s in site_specs}
    return {"router": by_role["router"], "switch": by_role["switch"], "ap": by_role["ap"]}


@pytest.fixture(scope="session")
def lab_password(site_specs) -> str:
    return site_specs[0].password
