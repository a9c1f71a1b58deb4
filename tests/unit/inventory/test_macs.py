"""MAC addresses of endpoints and printers: validation, the file, hostvars and reservations."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from digikel.cli import app
from digikel.errors import InventoryError
from digikel.inventory import load_inventory
from digikel.inventory.macs import normalise_mac
from digikel.inventory.secrets import load_secrets
from digikel.network.render import render_device

runner = CliRunner()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("aa-bb-cc-dd-ee-f0", "AA:BB:CC:DD:EE:F0"),
        ("aabb.ccdd.eef0", "AA:BB:CC:DD:EE:F0"),
        ("aabbccddeef0", "AA:BB:CC:DD:EE:F0"),
        (" 00:1a:2b:3c:4d:5e ", "00:1A:2B:3C:4D:5E"),
    ],
)
def test_mac_notations_are_normalised_upper_case_with_colons(text, expected) -> None:
    assert normalise_mac(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("01:00:5e:00:00:01", "multicast"),
        ("ff:ff:ff:ff:ff:ff", "broadcast"),
        ("00:00:00:00:00:00", "all-zero"),
        ("aa:bb:cc:dd:ee", "not a MAC address"),
        ("zz:bb:cc:dd:ee:ff", "not a MAC address"),
        (123456, "quoted string"),
    ],
)
def test_impossible_macs_are_refused_with_the_reason(text, reason) -> None:
    with pytest.raises(ValueError, match=reason):
        normalise_mac(text)


def _macs(env_file: Path) -> Path:
    return env_file.parent / "macs.yml"


def test_the_lab_records_its_pilot_devices_and_hostvars_carry_them(inv) -> None:
    pc = inv.device("loa-bakung-pc01")
    assert pc.mac == "02:00:0A:54:21:0B"  # 02:00 + 10.84.33.11, the lab's stand-in
    assert inv.hostvars("loa-bakung-pc01")["digikel_mac"] == pc.mac
    assert "digikel_mac" not in inv.hostvars(
        "bukuan-pc01"
    )  # works not started: not installed, no MAC
    assert "digikel_mac" not in inv.hostvars("loa-bakung-rtr01")


def test_router_reserves_each_recorded_device_at_its_planned_address(inv) -> None:
    site = inv.site("loa-bakung")
    config = render_device(inv, inv.device("loa-bakung-rtr01"), load_secrets(inv), masked=True).text
    leases = [line for line in config.splitlines() if "mac-address=" in line]
    expected = [
        f"add address={d.address} comment={d.name} mac-address={d.mac} "
        f"server=dhcp-{d.segment.replace('_', '-')}"
        for d in site.devices
        if d.role in ("counter", "display", "printer")
    ]
    assert leases == expected and len(expected) == 8
    assert "/ip dhcp-server lease" in config
    # a site without MACs carries no reservation at all (never a made-up one)
    other = render_device(inv, inv.device("bukuan-rtr01"), load_secrets(inv), masked=True).text
    assert "/ip dhcp-server lease" not in other and "mac-address=" not in other


def test_bad_macs_file_is_reported_where_it_is_wrong(inventory_copy) -> None:
    env_file = inventory_copy()
    _macs(env_file).write_text(
        "macs:\n"
        '  loa-bakung-pc01: "02:00:0A:54:21:0B"\n'
        '  loa-bakung-pc02: "02:00:0a:54:21:0b"\n'
        '  loa-bakung-rtr01: "02:00:0A:54:20:01"\n'
        '  no-such-pc01: "02:00:0A:54:21:77"\n'
        '  loa-bakung-dsp01: "01:00:5E:00:00:01"\n'
        "  loa-bakung-prn01: 10:20:30:40:50:51\n"
    )
    with pytest.raises(InventoryError) as caught:
        load_inventory(env_file)
    messages = [str(p) for p in caught.value.problems]
    assert len(messages) == 5, messages
    text = "\n".join(messages)
    assert (
        "macs.yml:3: macs -> loa-bakung-pc02: MAC 02:00:0A:54:21:0B is already recorded for loa-bakung-pc01 (line 2)"
        in text
    )
    assert "macs.yml:4: macs -> loa-bakung-rtr01: a router has a static address" in text
    assert "macs.yml:5: macs -> no-such-pc01: unknown host" in text
    assert "macs.yml:6: macs -> loa-bakung-dsp01: 01:00:5E:00:00:01 is a multicast address" in text
    assert "macs.yml:7: macs -> loa-bakung-prn01: expected a MAC address as a quoted string" in text


def invoke(env_file: Path, *args: str):
    return runner.invoke(app, ["-i", str(env_file), *args])


def test_site_device_records_a_mac_keeping_the_file_as_written(inventory_copy) -> None:
    env_file = inventory_copy()
    macs = _macs(env_file)
    before = macs.read_text()
    result = invoke(
        env_file,
        "--json",
        "site",
        "device",
        "bukuan",
        "bukuan-pc02",
        "--mac",
        "3c-52-82-aa-bb-02",
    )
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["mac"] == "3C:52:82:AA:BB:02" and document["address"] == "10.81.97.12"
    after = macs.read_text()
    assert after.startswith(before.split("macs:\n")[0])  # the comments stay
    assert set(before.splitlines()) < set(after.splitlines())  # nothing recorded is lost
    assert '  bukuan-pc02: "3C:52:82:AA:BB:02"\n' in after
    inv = load_inventory(env_file)
    assert inv.device("bukuan-pc02").mac == "3C:52:82:AA:BB:02"
    config = render_device(inv, inv.device("bukuan-rtr01"), load_secrets(inv), masked=True).text
    assert (
        "add address=10.81.97.12 comment=bukuan-pc02 mac-address=3C:52:82:AA:BB:02 server=dhcp-counters"
        in config
    )
    # again: nothing changes; a new MAC replaces the old one in place
    again = invoke(
        env_file,
        "--json",
        "site",
        "device",
        "bukuan",
        "bukuan-pc02",
        "--mac",
        "3C:52:82:AA:BB:02",
    )
    assert json.loads(again.stdout)["changed"] is False
    assert macs.read_text() == after
    changed = invoke(
        env_file, "site", "device", "bukuan", "bukuan-pc02", "--mac", "3C:52:82:AA:BB:03"
    )
    assert changed.exit_code == 0 and "was 3C:52:82:AA:BB:02" in changed.stdout
    assert macs.read_text().count("bukuan-pc02") == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("loa-bakung", "loa-bakung-pc02", "02:00:0A:54:21:0B"),
            "already recorded for loa-bakung-pc01 (",
        ),
        (("loa-bakung", "loa-bakung-pc02", "ff:ff:ff:ff:ff:ff"), "broadcast"),
        (("loa-bakung", "loa-bakung-pc02", "not-a-mac"), "not a MAC address"),
        (("loa-bakung", "loa-bakung-rtr01", "3c:52:82:aa:bb:01"), "router with a static address"),
        (("loa-bakung", "bukuan-pc01", "3c:52:82:aa:bb:01"), "not a device of Loa Bakung"),
        (("loa-bakung", "loa-bakung-pc99", "3c:52:82:aa:bb:01"), "unknown host"),
    ],
)
def test_site_device_refuses_bad_input_with_exit_2_and_changes_nothing(
    inventory_copy, args, message
) -> None:
    env_file = inventory_copy()
    before = _macs(env_file).read_text()
    site, host, mac = args
    result = invoke(env_file, "site", "device", site, host, "--mac", mac)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert _macs(env_file).read_text() == before
    assert not list(env_file.parent.glob(".macs.yml.*"))  # no temporary file left


def test_duplicate_refusal_names_the_file_and_line(inventory_copy) -> None:
    env_file = inventory_copy()
    result = invoke(
        env_file, "site", "device", "loa-bakung", "loa-bakung-pc02", "--mac", "02:00:0a:54:21:0b"
    )
    line = next(
        i
        for i, text in enumerate(_macs(env_file).read_text().splitlines(), 1)
        if text.startswith("  loa-bakung-pc01:")
    )
    assert f"macs.yml:{line}: macs -> loa-bakung-pc01" in result.output


def test_a_missing_macs_file_is_created_by_the_first_record(inventory_copy) -> None:
    env_file = inventory_copy()
    _macs(env_file).unlink()
    assert load_inventory(env_file).device("loa-bakung-pc01").mac is None
    result = invoke(
        env_file, "site", "device", "loa-bakung", "loa-bakung-pc01", "--mac", "3c:52:82:aa:bb:01"
    )
    assert result.exit_code == 0, result.output
    assert load_inventory(env_file).device("loa-bakung-pc01").mac == "3C:52:82:AA:BB:01"
    assert _macs(env_file).read_text().startswith("# MAC addresses")


def test_an_empty_mapping_takes_its_first_mac(inventory_copy) -> None:
    env_file = inventory_copy()
    _macs(env_file).write_text("# the production file as committed\nmacs: {}\n")
    result = invoke(
        env_file, "site", "device", "loa-bakung", "loa-bakung-prn01", "--mac", "3c:52:82:aa:bb:01"
    )
    assert result.exit_code == 0, result.output
    assert _macs(env_file).read_text() == (
        '# the production file as committed\nmacs:\n  loa-bakung-prn01: "3C:52:82:AA:BB:01"\n'
    )
    assert load_inventory(env_file).device("loa-bakung-prn01").mac == "3C:52:82:AA:BB:01"


def test_engineers_recording_at_once_lose_nothing_and_never_share_a_mac(inventory_copy) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from digikel.errors import InputError
    from digikel.inventory.macs import MAC_ROLES, record_mac

    env_file = inventory_copy()
    inv = load_inventory(env_file)
    roles = {d.name: d.role for d in inv.devices}
    hosts = [d.name for d in inv.site("bukuan").devices if d.role in MAC_ROLES]
    path = _macs(env_file)

    def record(item: tuple[int, str]) -> str:
        number, host = item
        try:
            record_mac(path, "macs.yml", host, f"3C:52:82:00:00:{number % 3:02X}", roles)
        except InputError:
            return "refused"
        return "recorded"

    with ThreadPoolExecutor(max_workers=6) as pool:
        outcomes = list(pool.map(record, enumerate(hosts)))
    assert len(hosts) == 6 and outcomes.count("recorded") == 3  # one per distinct MAC
    recorded = load_inventory(env_file)
    macs = [recorded.device(h).mac for h in hosts if recorded.device(h).mac]
    assert sorted(macs) == ["3C:52:82:00:00:00", "3C:52:82:00:00:01", "3C:52:82:00:00:02"]
    assert recorded.device("loa-bakung-pc01").mac == inv.device("loa-bakung-pc01").mac


def test_the_differ_keeps_each_reservation_with_its_mac(inv) -> None:
    from digikel.network.platforms import RouterOS

    driver = RouterOS()
    config = render_device(
        inv, inv.device("loa-bakung-rtr01"), load_secrets(inv), masked=False
    ).text
    leases = [line for line in config.splitlines() if line.startswith("add address=10.84.33.11 ")]
    assert leases == [
        "add address=10.84.33.11 comment=loa-bakung-pc01 mac-address=02:00:0A:54:21:0B server=dhcp-counters"
    ]
    intended = "/ip dhcp-server lease\n" + leases[0] + "\n"
    # missing on the device: added with its MAC (a lease without one is no reservation)
    assert driver.plan("", intended) == ["/ip dhcp-server lease " + leases[0]]
    # as intended: nothing to do
    assert driver.plan(intended, intended) == []
    # the PC was replaced: the same lease (matched by its comment) takes the new MAC in place
    running = intended.replace("02:00:0A:54:21:0B", "3C:52:82:AA:BB:01")
    assert driver.plan(running, intended) == [
        "/ip dhcp-server lease set [ find comment=loa-bakung-pc01 ] mac-address=02:00:0A:54:21:0B"
    ]
    # a lease an administrator added by hand is left alone (reported as unmanaged, not removed)
    manual = (
        running
        + "add address=10.84.33.150 comment=printer-tamu mac-address=AA:00:00:00:00:02 server=dhcp-counters\n"
    )
    plan = driver.plan(manual, intended)
    assert not any("remove" in command for command in plan)
    assert any("printer-tamu" in line for line in driver.unmanaged(manual, intended))
