"""The device's facts from its own output, and the preflight rules against the inventory."""

from __future__ import annotations

from pathlib import Path

import pytest

from digikel.inventory import load_inventory
from digikel.lab.device import DeviceSpec, OfflineHost
from digikel.lab.ios import IosDevice
from digikel.lab.routeros import RouterOsDevice
from digikel.network import facts

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def inv():
    return load_inventory(REPO / "inventory" / "lab" / "digikel.yml")


def _spec(inv, name: str, **kw) -> DeviceSpec:
    d = inv.device(name)
    return DeviceSpec(
        name=d.name,
        platform=d.platform,
        model=d.model,
        host="127.0.0.1",
        port=1,
        username="digikel",
        password="x",
        hostkey_seed="s",
        role=d.role,
        site=d.site,
        **kw,
    )


def _routeros_run(device: RouterOsDevice):
    shell = device.open_shell("digikel")
    return lambda command: shell.handle_line(command).text


def test_routeros_facts_are_read_from_the_device(inv) -> None:
    device = RouterOsDevice(_spec(inv, "loa-bakung-ap01"), None, OfflineHost())
    found = facts.read_routeros(_routeros_run(device))
    assert found.model == "cAP ax"
    assert found.version == "7.16.2"
    assert found.serial and len(found.serial) == 12
    assert found.packages == ["routeros", "wifi-qcom"]
    facts.check(inv, inv.device("loa-bakung-ap01"), found)


def test_an_old_routeros_is_refused_with_what_to_upgrade(inv) -> None:
    device = RouterOsDevice(_spec(inv, "loa-bakung-rtr01", version="7.12.1"), None, OfflineHost())
    found = facts.read_routeros(_routeros_run(device))
    with pytest.raises(facts.InputError, match=r"runs RouterOS 7.12.1.*at least 7.13.*upgrade"):
        facts.check(inv, inv.device("loa-bakung-rtr01"), found)


def test_a_missing_package_and_a_wrong_model_are_refused(inv) -> None:
    ap = inv.device("loa-bakung-ap01")
    found = facts.Facts(model="cAP ax", version="7.16.2", serial="X", packages=["routeros"])
    with pytest.raises(facts.InputError, match="wifi-qcom missing"):
        facts.check(inv, ap, found)
    with pytest.raises(facts.InputError, match="reports model 'hAP ax2'"):
        facts.check(inv, ap, facts.Facts(model="hAP ax2", version="7.16.2"))


def test_ios_show_version(inv) -> None:
    name = "sungai-keledang-sw01"
    device = IosDevice(_spec(inv, name), None, OfflineHost())
    shell = device.open_shell("digikel")
    shell.privileged = True
    found = facts.read_ios(lambda c: shell.handle_line(c).text)
    assert found.model == inv.device(name).model
    assert found.version == "15.2(7)E10"
    assert found.serial == device.serial()
    facts.check(inv, inv.device(name), found)
    device.set_software("15.2(7)E2")
    old = facts.read_ios(lambda c: shell.handle_line(c).text)
    with pytest.raises(facts.InputError, match=r"runs IOS 15.2\(7\)E2.*at least 15.2\(7\)E4"):
        facts.check(inv, inv.device(name), old)


def test_versions_compare_as_numbers() -> None:
    key = facts.version_key
    assert key("7.9") < key("7.13") < key("7.16.2")
    assert key("15.2(7)E4") < key("15.2(7)E10")
