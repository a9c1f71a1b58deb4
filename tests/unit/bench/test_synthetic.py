"""The benchmark's synthetic city (ten times Samarinda) is a valid inventory: every number the
address plan is computed from stays in range, so no lab address or port is shared."""

from __future__ import annotations

from pathlib import Path

from bench.synthetic import write_synthetic

from digikel.inventory import build_inventory


def test_ten_times_the_city_validates_with_distinct_lab_endpoints(tmp_path: Path) -> None:
    inventory, problems = build_inventory(write_synthetic(tmp_path / "x10", 10))
    assert problems == []
    assert inventory is not None
    assert len(inventory.sites) == 590
    endpoints = [(d.connect_host, d.connect_port) for d in inventory.devices]
    assert len(set(endpoints)) == len(endpoints)
    assert max(port for _, port in endpoints) <= 65535
