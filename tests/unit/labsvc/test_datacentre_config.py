"""What the data-centre stand-in is told to serve."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from digikel.labsvc.datacentre import build_config


def test_one_listener_per_application_and_one_for_queue_pages(inv, tmp_path: Path) -> None:
    config = build_config(inv, tmp_path)
    listeners = config["listeners"]
    assert [item["id"] for item in listeners] == [a.id for a in inv.applications] + ["queue"]
    assert len({(item["address"], item["port"]) for item in listeners}) == len(listeners)
    assert [s["slug"] for s in config["sites"]] == [s.slug for s in inv.sites]


def test_certificate_names_cover_real_hosts_and_lab_addresses(inv, tmp_path: Path) -> None:
    config = build_config(inv, tmp_path)
    hosts = {urlsplit(a.url).hostname for a in inv.applications}
    hosts |= {urlsplit(inv.city.portal_url).hostname, urlsplit(inv.city.queue_url).hostname}
    assert set(config["dns_names"]) == hosts
    assert {"127.66.0.11", "127.66.1.1", "127.66.1.2"} <= set(config["ip_addresses"])
