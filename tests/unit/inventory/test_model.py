"""The real city inventory expands as the programme describes it."""

from __future__ import annotations

from collections import Counter

import pytest

from digikel.errors import InputError

PILOTS = {
    "Loa Bakung",
    "Sungai Keledang",
    "Harapan Baru",
    "Rawa Makmur",
    "Sidodamai",
    "Pelabuhan",
    "Air Putih",
    "Sempaja Selatan",
    "Sambutan",
    "Temindung Permai",
}


def test_all_59_kelurahan_in_10_kecamatan(inv, repo) -> None:
    import csv

    rows = list(csv.DictReader((repo / "inventory/reference/samarinda-kelurahan.csv").open()))
    assert {(s.kecamatan, s.name) for s in inv.sites} == {
        (r["kecamatan"], r["kelurahan"]) for r in rows
    }
    assert len(inv.sites) == 59
    assert len({s.kecamatan for s in inv.sites}) == 10
    assert [s.number for s in inv.sites] == list(range(1, 60))


def test_pilot_wave_has_ten_sites_one_per_kecamatan(inv) -> None:
    pilots = inv.select(wave=["pilot-2023"])
    assert {s.name for s in pilots} == PILOTS
    assert len({s.kecamatan for s in pilots}) == 10
    assert len(inv.select(wave=["2024"])) == 49


def test_standard_package_is_the_default(inv) -> None:
    site = inv.site("rapak-dalam")
    roles = Counter(d.role for d in site.devices)
    assert roles == {"router": 1, "switch": 1, "ap": 1, "counter": 4, "display": 1, "printer": 1}
    assert {d.platform for d in site.devices if d.is_network} == {"routeros"}


def test_site_overrides_only_what_differs(inv) -> None:
    loa_bakung = Counter(d.role for d in inv.site("loa-bakung").devices)
    assert loa_bakung["counter"] == 6 and loa_bakung["ap"] == 2 and loa_bakung["printer"] == 1
    keledang = inv.site("Sungai Keledang")
    switch = keledang.devices_of("switch")[0]
    assert (switch.platform, switch.model) == ("ios", "C1000-24P-4G-L")
    air_putih = inv.site("air-putih").devices_of("display")
    assert [d.kind for d in air_putih] == ["queue", "info"]


def test_network_devices_are_ordered_access_first_gateway_last(inv) -> None:
    names = [d.name for d in inv.site("loa-bakung").network_devices]
    assert names == ["loa-bakung-sw01", "loa-bakung-ap01", "loa-bakung-ap02", "loa-bakung-rtr01"]


def test_names_and_addresses_are_unique_city_wide(inv) -> None:
    devices = [d for s in inv.sites for d in s.devices]
    assert len({d.name for d in devices}) == len(devices)
    assert len({d.address for d in devices}) == len(devices)
    assert len({(d.connect_host, d.connect_port) for d in devices if d.is_network}) == len(
        [d for d in devices if d.is_network]
    )


def test_lab_connects_network_devices_on_loopback(inv) -> None:
    router = inv.device("loa-bakung-rtr01")
    assert (router.connect_host, router.connect_port) == ("127.64.51.1", 2222)
    pc = inv.device("loa-bakung-pc01")
    assert (pc.connect_host, pc.connect_port) == ("127.67.51.11", 2200)


def test_every_lab_endpoint_has_an_ssh_address_of_its_own(inv) -> None:
    endpoints = [d for d in inv.devices if d.role in ("counter", "display", "portal")]
    assert len(endpoints) > 100
    assert len({(d.connect_host, d.connect_port) for d in endpoints}) == len(endpoints)
    assert all(d.connect_host.startswith("127.67.") for d in endpoints)


def test_select_filters_combine(inv) -> None:
    chosen = inv.select(kecamatan=["sungai kunjang"], wave=["pilot-2023"])
    assert [s.slug for s in chosen] == ["loa-bakung"]
    assert [s.slug for s in inv.select(sites=["51", "Sungai Keledang"])] == [
        "sungai-keledang",
        "loa-bakung",
    ]


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (lambda inv: inv.site("atlantis"), "unknown site 'atlantis'"),
        (lambda inv: inv.select(kecamatan=["Tenggarong"]), "unknown kecamatan 'Tenggarong'"),
        (lambda inv: inv.select(wave=["2025"]), "unknown wave '2025'"),
        (lambda inv: inv.device("loa-bakung-pc99"), "unknown host 'loa-bakung-pc99'"),
    ],
)
def test_unknown_references_are_input_errors(inv, call, expected) -> None:
    with pytest.raises(InputError, match=expected):
        call(inv)
