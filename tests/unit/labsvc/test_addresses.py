"""The lab address plan of the stand-ins: printers' ports, applications, queue pages, portal."""

from __future__ import annotations

from ipaddress import IPv4Address

import pytest

from digikel.errors import InputError
from digikel.labsvc.addresses import (
    DatacentrePlan,
    application_address,
    lab_target,
    printer_endpoint,
)
from digikel.labsvc.printers import printer_specs


def test_every_city_printer_gets_its_own_endpoint(inv) -> None:
    specs = printer_specs(inv, inv.sites)
    assert len(specs) == sum(len(s.devices_of("printer")) for s in inv.sites) > 50
    assert len({(s.host, s.port) for s in specs}) == len(specs)
    loa_bakung = inv.device("loa-bakung-prn01")
    assert printer_endpoint(inv, loa_bakung) == ("127.0.0.1", 15111)
    assert all(s.uri == f"ipp://127.0.0.1:{s.port}/ipp/print" for s in specs)


def test_applications_are_numbered_in_catalogue_order(inv) -> None:
    assert application_address(1) == IPv4Address("127.66.0.11")
    for index, app in enumerate(inv.applications, start=1):
        target = lab_target(inv, app.url)
        assert (target.address, target.port, target.kind, target.app_id) == (
            f"127.66.0.{10 + index}",
            8443,
            "application",
            app.id,
        )
        assert target.lab_url == f"https://127.66.0.{10 + index}:8443/"


def test_queue_page_and_portal_have_their_own_addresses(inv) -> None:
    queue = lab_target(inv, inv.city.queue_url.format(slug="loa-bakung"))
    assert (queue.address, queue.port, queue.path, queue.kind) == (
        "127.66.1.2",
        8443,
        "/loa-bakung/display",
        "queue",
    )
    # The queue pages share their host name with the antrian application: only the path differs.
    assert queue.host_name == lab_target(inv, inv.applications[0].url).host_name
    portal = lab_target(inv, inv.city.portal_url.format(slug="loa-bakung"))
    assert (portal.address, portal.path, portal.kind) == ("127.66.1.1", "/loa-bakung/", "portal")


def test_a_moved_plan_moves_every_address(inv) -> None:
    plan = DatacentrePlan(
        IPv4Address("127.66.210.10"), IPv4Address("127.66.211.1"), IPv4Address("127.66.211.2"), 9443
    )
    assert lab_target(inv, inv.applications[1].url, plan).lab_url == "https://127.66.210.12:9443/"
    assert DatacentrePlan.from_dict(plan.as_dict()) == plan


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.org/", "no address for it"),
        ("http://surat.digikel.samarindakota.go.id/", "expected an https:// URL"),
    ],
)
def test_urls_outside_the_catalogue_are_refused(inv, url: str, expected: str) -> None:
    with pytest.raises(InputError, match=expected):
        lab_target(inv, url)
