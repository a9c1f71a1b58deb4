"""Every number a site's addresses are computed from is range-checked first (check_site_plan):
the limits sit exactly where the arithmetic of addressing.py would leave its container."""

from __future__ import annotations

from pathlib import Path

import pytest

from digikel.inventory.checks import check_site_plan
from digikel.inventory.load import _merged
from digikel.inventory.schema import CityFile, EnvironmentFile, Package, SiteEntry
from digikel.inventory.yamlfile import load_yaml

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def city() -> CityFile:
    data, problems = load_yaml(REPO / "inventory" / "city.yml", "city.yml")
    assert not problems
    return CityFile.model_validate(data)


def env(**changes: object) -> EnvironmentFile:
    return EnvironmentFile.model_validate({"plugin": "digikel", "environment": "lab", **changes})


def entry(number: int, **changes: object) -> SiteEntry:
    uplink = {"isp": "Telkom", "type": "dhcp"}
    return SiteEntry.model_validate({"number": number, "wave": "2024", "uplink": uplink, **changes})


def plan(city: CityFile, site: SiteEntry, environment: EnvironmentFile) -> list[tuple[str, str]]:
    return check_site_plan(city, environment, site, _merged(city, site.devices))


@pytest.mark.parametrize(
    ("number", "environment", "fields"),
    [
        (240, "lab", []),  # the last /20 of 10.80.0.0/12 counted from 10.81.0.0
        (241, "lab", ["number"]),
        (252, "production", ["number"]),  # past the blocks, WireGuard still has .253
        (253, "production", ["number", "number"]),  # and no WireGuard address either
        (256, "lab", ["number", "number", "number"]),  # blocks, WireGuard, lab addresses
        (2**64, "production", ["number", "number"]),  # plain integers: nothing overflows
    ],
)
def test_site_number_limits(
    city: CityFile, number: int, environment: str, fields: list[str]
) -> None:
    found = plan(city, entry(number), env(environment=environment))
    assert [field for field, _ in found] == fields, found


def test_lab_printer_ports_stop_at_65535(city: CityFile) -> None:
    high_base = env(lab_printer_port_base=45000)
    assert plan(city, entry(202), high_base) == []  # 45000 + 20200 + 255 = 65455
    [(field, message)] = plan(city, entry(203), high_base)
    assert (field, message.split(":")[0]) == (
        "number",
        "site number 203 puts its lab printers above port 65535",
    )
    no_printers = entry(203, devices={"printers": {"count": 0}})
    assert plan(city, no_printers, high_base) == []


@pytest.mark.parametrize(
    ("devices", "expected"),
    [
        ({"counters": {"count": 40}}, []),
        ({"counters": {"count": 41}}, ["41 counter device(s) is impossible: expected 1 to 40"]),
        ({"counters": {"count": 10**30}}, [f"{10**30} counter device(s) is impossible"]),
        ({"displays": {"queue": 5, "info": 4}}, ["9 display device(s) is impossible"]),
    ],
)
def test_counts_are_checked_before_any_device_is_made(
    city: CityFile, devices: dict[str, object], expected: list[str]
) -> None:
    found = plan(city, entry(1, devices=devices), env())
    assert len(found) == len(expected), found
    for (_, message), start in zip(found, expected, strict=True):
        assert message.startswith(start)


def test_an_explicit_block_must_be_a_site_block_inside_the_city(city: CityFile) -> None:
    assert plan(city, entry(1, block="10.81.0.0/20"), env()) == []
    assert plan(city, entry(1, block="10.81.0.0/24"), env()) == [
        ("block", "expected a /20 block, got 10.81.0.0/24")
    ]
    assert plan(city, entry(1, block="255.255.240.0/20"), env()) == [
        ("block", "255.255.240.0/20 lies outside the city range 10.80.0.0/12")
    ]


def test_the_standard_package_is_unchanged_by_an_empty_override(city: CityFile) -> None:
    assert _merged(city, Package()) == city.standard_package
