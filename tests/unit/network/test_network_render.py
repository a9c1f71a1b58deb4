"""Intended configurations: golden files for representative sites, and structural rules.

Regenerate the golden files after a deliberate template change with
    DIGIKEL_UPDATE_GOLDEN=1 .venv/bin/pytest tests/unit/network/test_network_render.py
and review the git diff of tests/unit/network/golden/.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from digikel.errors import InputError
from digikel.inventory.secrets import load_secrets
from digikel.network import routeros_config
from digikel.network.ios_config import remediation
from digikel.network.render import render_device, render_hostvars, secret_values

GOLDEN = Path(__file__).parent / "golden"
# Static uplink + MikroTik switch + 2 APs; Cisco switch + DHCP uplink; PPPoE uplink.
GOLDEN_SITES = ("loa-bakung", "sungai-keledang", "handil-bakti")


@pytest.fixture(scope="module")
def secrets(inv):
    return load_secrets(inv)


def _devices(inv, slug):
    return inv.site(slug).network_devices


@pytest.mark.parametrize("slug", GOLDEN_SITES)
def test_rendered_configs_match_golden_files(inv, secrets, slug):
    for device in _devices(inv, slug):
        rendered = render_device(inv, device, secrets)
        path = GOLDEN / slug / rendered.filename
        if os.environ.get("DIGIKEL_UPDATE_GOLDEN"):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(rendered.text)
        assert path.is_file(), f"no golden file {path}"
        assert rendered.text == path.read_text(), f"{device.name} differs from {path}"


def test_golden_sites_cover_the_representative_cases(inv):
    kinds = set()
    for slug in GOLDEN_SITES:
        site = inv.site(slug)
        kinds.add(f"uplink:{site.uplink.type}")
        for d in site.network_devices:
            kinds.add(f"{d.role}:{d.platform}")
        if len(site.devices_of("ap")) == 2:
            kinds.add("two-aps")
    assert {
        "uplink:static",
        "uplink:pppoe",
        "uplink:dhcp",
        "switch:ios",
        "switch:routeros",
    } <= kinds
    assert "two-aps" in kinds


def test_masked_render_holds_no_vault_value_and_real_render_does(inv, secrets):
    values = secret_values(secrets)
    for device in _devices(inv, "handil-bakti") + _devices(inv, "sungai-keledang"):
        masked = render_device(inv, device, secrets).text
        assert not [v for v in values if v in masked], device.name
        assert "VAULT:vault_digikel_device_password" in masked
        real = render_device(inv, device, secrets, masked=False).text
        assert secrets["vault_digikel_device_password"] in real
        assert "VAULT:" not in real


def test_every_routeros_add_has_a_unique_identity(inv, secrets):
    for slug in GOLDEN_SITES:
        for device in _devices(inv, slug):
            if device.platform != "routeros":
                continue
            text = render_device(inv, device, secrets).text
            config = routeros_config.parse(text)
            adds = [i for i in config.items() if i.verb == "add"]
            assert adds
            for item in adds:
                assert item.key[1] in ("name", "comment"), f"{device.name}: {item.line()}"
            count = sum(1 for line in text.splitlines() if line.startswith(("add ", "set ")))
            assert count == sum(1 for _ in config.items()), f"{device.name}: duplicate identity"


def test_rendered_configs_are_their_own_fixed_point(inv, secrets):
    for slug in GOLDEN_SITES:
        for device in _devices(inv, slug):
            text = render_device(inv, device, secrets, masked=False).text
            if device.platform == "routeros":
                config = routeros_config.parse(text)
                assert routeros_config.diff(config, config) == []
                from_empty = routeros_config.diff(routeros_config.Config(), config)
                assert len(from_empty) > 20
            else:
                assert remediation(text, text) == []


def test_router_firewall_isolates_public_wifi_and_limits_management(inv, secrets):
    router = inv.device("loa-bakung-rtr01")
    config = routeros_config.parse(render_device(inv, router, secrets).text)
    rules = list(config.menus["/ip firewall filter"])
    isolate = [r for r in rules if r.args.get("in-interface-list") == "PUBLIC"]
    assert isolate[0].args["action"] == "drop"
    assert isolate[0].args["dst-address-list"] == "internal"
    internal = {
        i.args["address"]
        for i in config.menus["/ip firewall address-list"]
        if i.args["list"] == "internal"
    }
    assert "10.84.32.0/24" in internal  # mgmt of site 51
    assert "10.84.38.0/23" not in internal  # public Wi-Fi itself is not "internal"
    ssh = [r for r in rules if r.args.get("dst-port") == "22"]
    assert len(ssh) == 1 and ssh[0].args["src-address-list"] == "datacentre"
    assert rules[-1].args == {**rules[-1].args, "action": "drop", "chain": "forward"}
    # The input chain ends with a drop: nothing else reaches the router.
    last_input = [r for r in rules if r.args["chain"] == "input"][-1]
    assert last_input.args["action"] == "drop"


def test_uplink_variants(inv, secrets):
    static = render_device(inv, inv.device("loa-bakung-rtr01"), secrets).text
    assert "add address=10.255.12.2/30 comment=wan interface=ether1" in static
    assert "gateway=10.255.12.1" in static and "/ip dhcp-client" not in static
    pppoe = render_device(inv, inv.device("handil-bakti-rtr01"), secrets).text
    assert "user=kel-handil-bakti@digikel" in pppoe and "interface=pppoe-wan list=WAN" in pppoe
    dhcp = render_device(inv, inv.device("sungai-keledang-rtr01"), secrets).text
    assert "/ip dhcp-client\nadd add-default-route=yes comment=wan interface=ether1" in dhcp


def test_switch_ports_follow_the_site_devices(inv, secrets):
    text = render_device(inv, inv.device("loa-bakung-sw01"), secrets).text
    assert "comment=loa-bakung-pc06 frame-types=admit-only-untagged-and-priority-tagged " in text
    assert "interface=ether6 pvid=20" in text  # 6 counters on ports 1-6
    assert "comment=loa-bakung-ap02 frame-types=admit-only-vlan-tagged interface=ether10" in text
    assert 'comment="uplink loa-bakung-rtr01"' in text and "interface=ether24" in text
    ios = render_device(inv, inv.device("sungai-keledang-sw01"), secrets).text
    assert "interface GigabitEthernet1/0/24\n description uplink sungai-keledang-rtr01" in ios


def test_aps_carry_both_ssids_with_public_clients_isolated_and_limited(inv, secrets):
    text = render_device(inv, inv.device("loa-bakung-ap02"), secrets).text
    assert "ssid=loa-bakung-staf" in text
    assert 'ssid="Wifi Gratis Kel. Loa Bakung"' in text
    assert "client-isolation=yes" in text and "vlan-id=60" in text
    assert "pcq-rate=5M" in text and "pcq-rate=2M" in text


def test_missing_vault_value_is_a_clear_input_error(inv, secrets):
    partial = {k: v for k, v in secrets.items() if k != "vault_digikel_pppoe_passwords"}
    device = inv.device("handil-bakti-rtr01")
    with pytest.raises(InputError, match=r"vault_digikel_pppoe_passwords\[handil-bakti\]"):
        render_hostvars(device.name, inv.hostvars(device.name), partial, masked=False)


def test_unknown_platform_role_is_refused(inv, secrets):
    hv = dict(inv.hostvars("loa-bakung-rtr01"))
    hv["digikel_platform"] = "junos"
    with pytest.raises(InputError, match="no template"):
        render_hostvars("x", hv, secrets)


def test_port_plan_and_pools(inv):
    from digikel.network import plan

    ports = plan.switch_ports(inv.hostvars("sungai-keledang-sw01"))
    assert [p.number for p in ports] == list(range(1, 29))  # 24 copper + 4 uplink slots
    assert ports[23].mode == "trunk" and ports[23].tagged_vlans == (10, 20, 30, 40, 50, 60)
    assert [p.mode for p in ports[24:]] == ["unused"] * 4
    ap = next(p for p in ports if p.description == "sungai-keledang-ap01")
    assert ap.mode == "trunk" and ap.tagged_vlans == (10, 50, 60)
    mikrotik = plan.switch_ports(inv.hostvars("loa-bakung-sw01"))
    assert len(mikrotik) == 24 and mikrotik[-1].interface == "ether24"
    assert plan.dhcp_range("10.81.1.0/24") == "10.81.1.100-10.81.1.199"
    assert plan.dhcp_range("10.81.6.0/23") == "10.81.7.10-10.81.7.250"
    assert plan.router_trunks(inv.hostvars("loa-bakung-rtr01")) == [
        {"interface": "ether2", "peer": "loa-bakung-sw01"}
    ]
