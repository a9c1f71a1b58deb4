"""Every number a site's addresses are computed from is range-checked first (check_site_plan):
the limits sit exactly where the arithmetic of addressing.py would leave its container."""

from __future__ import annotations

from ipaddress import IPv4Network
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
        (252, "production", ["no /20 block left"]),
        (2**64, "production", ["no /20 block left"]),  # plain integers: nothing overflows
    ],
)
def test_site_number_limits(
    city: CityFile, number: int, environment: str, fields: list[str]
) -> None:
    found = plan(city, entry(number), env(environment=environment))
    assert [(field, any(f in message for f in fields)) for field, message in found] == [
        ("number", True) for _ in fields
    ], found


# The last /20 of the city range, given explicitly: the number is no longer held by the blocks.
LAST_BLOCK = "10.95.240.0/20"


@pytest.mark.parametrize(
    ("number", "environment", "expected"),
    [
        (252, "lab", None),  # WireGuard .253 of the /24
        (253, "lab", "site number 253 has no WireGuard address left in 10.80.254.0/24"),
        (255, "production", "site number 255 has no WireGuard address left"),  # only one
    ],
)
def test_wireguard_and_lab_limits_of_a_site_with_its_own_block(
    city: CityFile, number: int, environment: str, expected: str | None
) -> None:
    found = plan(city, entry(number, block=LAST_BLOCK), env(environment=environment))
    if expected is None:
        assert found == []
    else:
        [(field, message)] = found
        assert field == "number"
        assert message.startswith(expected)


def test_the_lab_prefix_holds_site_numbers_up_to_255(city: CityFile) -> None:
    wide = city.model_copy(
        update={
            "datacentre": city.datacentre.model_copy(
                update={"transit": IPv4Network("10.80.0.0/16")}
            )
        }
    )
    assert plan(wide, entry(255, block=LAST_BLOCK), env()) == []
    [(field, message)] = plan(wide, entry(256, block=LAST_BLOCK), env())
    assert field == "number"
    assert message.startswith("site number 256 has no lab address in 127.64.0.0/16")


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
