"""What the data-centre stand-in is told to serve."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from digikel.labsvc.datacentre import build_config


def test_one_listener_per_application_the_queue_pages_and_the_portal(inv, tmp_path: Path) -> None:
    config = build_config(inv, tmp_path)
    listeners = config["listeners"]
    ids = [a.id for a in inv.applications] + ["queue", "portal"]
    assert [item["id"] for item in listeners] == ids
    assert len({(item["address"], item["port"]) for item in listeners}) == len(listeners)
    assert [s["slug"] for s in config["sites"]] == [s.slug for s in inv.sites]
    portal = next(item for item in listeners if item["id"] == "portal")
    assert (portal["address"], portal["port"]) == ("127.66.1.1", 8443)


def test_the_portal_container_can_take_the_portal_address(inv, tmp_path: Path) -> None:
    config = build_config(inv, tmp_path, portal=False)
    assert "portal" not in [item["id"] for item in config["listeners"]]


def test_certificate_names_cover_real_hosts_and_lab_addresses(inv, tmp_path: Path) -> None:
    config = build_config(inv, tmp_path)
    hosts = {urlsplit(a.url).hostname for a in inv.applications}
    hosts |= {urlsplit(inv.city.portal_url).hostname, urlsplit(inv.city.queue_url).hostname}
    assert set(config["dns_names"]) == hosts
    assert {"127.66.0.11", "127.66.1.1", "127.66.1.2"} <= set(config["ip_addresses"])
