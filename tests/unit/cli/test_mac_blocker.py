"""A counter PC, display or printer without a recorded MAC is a readiness blocker, by name."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from typer.testing import CliRunner

from digikel.cli import app
from digikel.inventory import load_inventory
from digikel.readiness.collect import site_facts
from digikel.readiness.evaluate import evaluate_site

runner = CliRunner()


def invoke(env_file: Path, *args: str):
    result = runner.invoke(app, ["-i", str(env_file), *args])
    assert result.exit_code == 0, result.output
    return result


def test_devices_without_mac_block_the_site_and_are_named(
    inventory_copy, tmp_path, monkeypatch
) -> None:
    monkeypatch.setenv("DIGIKEL_DB_URL", f"sqlite:///{tmp_path / 'store.db'}")
    env_file = inventory_copy()
    shown = json.loads(invoke(env_file, "--json", "site", "show", "bukuan").stdout)
    # works not started (first), then the devices that have no MAC yet
    assert [b["component"] for b in shown["blockers"][:2]] == ["physical_works", "mac_addresses"]
    first = shown["blockers"][1]
    assert first["text"].startswith("Alamat MAC belum dicatat untuk 6 perangkat")
    assert "bukuan-pc01" in first["text"]
    human = invoke(env_file, "site", "show", "bukuan", "--lang", "en").stdout
    assert "MAC not recorded for 6 device(s) (no DHCP reservation): bukuan-pc01" in human
    status = json.loads(invoke(env_file, "--json", "status").stdout)
    by_slug = {s["slug"]: s for s in status["sites"]}
    assert by_slug["bukuan"]["blockers"][1]["component"] == "mac_addresses"
    # the lab's pilots have their MACs: no such blocker there
    assert all(b["component"] != "mac_addresses" for b in by_slug["loa-bakung"]["blockers"])

    # every device but one recorded: the blocker names exactly the one left
    inv = load_inventory(env_file)
    wanted = [d for d in inv.site("bukuan").devices if d.role in ("counter", "display", "printer")]
    for number, device in enumerate(wanted[:-1], start=1):
        invoke(
            env_file,
            "site",
            "device",
            "bukuan",
            device.name,
            "--mac",
            f"3c:52:82:00:00:{number:02x}",
        )
    shown = json.loads(invoke(env_file, "--json", "site", "show", "bukuan").stdout)
    assert shown["blockers"][1]["text"].endswith(
        f"untuk 1 perangkat (tanpa reservasi DHCP): {wanted[-1].name}"
    )
    invoke(env_file, "site", "device", "bukuan", wanted[-1].name, "--mac", "3c:52:82:00:00:ff")
    shown = json.loads(invoke(env_file, "--json", "site", "show", "bukuan").stdout)
    assert all(b["component"] != "mac_addresses" for b in shown["blockers"])


def test_a_site_green_everywhere_is_still_not_ready_without_macs(inv) -> None:
    from digikel.readiness.model import Batch, ManualEvent

    site = inv.site("bukuan")
    facts = site_facts(site, [a.id for a in inv.applications])
    now = dt.datetime.now(dt.UTC)
    batches = {
        component: Batch(component, 1, now, True, frozenset(targets))
        for component, targets in facts.expected.items()
    }
    events = [
        ManualEvent(component, "mark", None, None, "ana", now)
        for component in ("physical_works", "inaugurated")
    ]
    readiness = evaluate_site(facts, events, batches, now, dt.timedelta(days=1))
    assert all(c.green for c in readiness.components)
    assert not readiness.ready and not readiness.technically_ready
    assert [b.component for b in readiness.blockers] == ["mac_addresses"]
    assert readiness.blockers[0].missing == facts.without_mac and len(facts.without_mac) == 6
