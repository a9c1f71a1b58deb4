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
    new_flows = [r for r in isolate if "connection-state" not in r.args]
    assert new_flows[0].args["action"] == "drop"
    assert new_flows[0].args["dst-address-list"] == "internal"
    internal = {
        i.args["address"]
        for i in config.menus["/ip firewall address-list"]
        if i.args["list"] == "internal"
    }
    assert "10.84.32.0/24" in internal  # mgmt of site 51
    assert "10.84.38.0/23" not in internal  # public Wi-Fi itself is not "internal"
    ssh = [
        r for r in rules if r.args.get("chain") == "input" and "22" in r.args.get("dst-port", "")
    ]
    assert len(ssh) == 1 and ssh[0].args["src-address-list"] == "datacentre"
    assert rules[-1].args == {**rules[-1].args, "action": "drop", "chain": "forward"}
    # The input chain ends with a drop: nothing else reaches the router.
    last_input = [r for r in rules if r.args["chain"] == "input"][-1]
    assert last_input.args["action"] == "drop"
    # RouterOS takes one interface list per matcher (the old `LAN,PUBLIC` was not one).
    assert not any(
        "," in r.args.get(k, "") for r in rules for k in ("in-interface-list", "out-interface-list")
    )


def _menu(config, menu):
    return config.menus.get(menu, [])


def test_wireguard_endpoint_is_an_address_the_router_reaches_without_the_tunnel(inv, secrets):
    """Issue 12: a hostname endpoint needed the DC's DNS, reachable only through the tunnel."""
    import ipaddress

    for site in inv.sites:
        router = next(d for d in site.network_devices if d.role == "router")
        config = routeros_config.parse(render_device(inv, router, secrets).text)
        (peer,) = _menu(config, "/interface wireguard peers")
        endpoint = ipaddress.ip_address(peer.args["endpoint-address"])  # not a name
        for route in _menu(config, "/ip route"):
            if route.args["gateway"] == "wg-hub":
                assert endpoint not in ipaddress.ip_network(route.args["dst-address"])
        assert endpoint not in ipaddress.ip_network(inv.city.address_plan.city_range)


def test_the_inventory_refuses_a_hub_endpoint_that_is_a_name(inv):
    from digikel.inventory.checks import check_city

    city = inv.city
    for endpoint, complaint in (
        ("hub.digikel.samarindakota.go.id:51820", "not an IP address"),
        ("10.80.1.1:51820", "inside the city range"),
        ("203.0.113.80", "expected ADDRESS:PORT"),
    ):
        changed = city.model_copy(
            update={"datacentre": city.datacentre.model_copy(update={"hub_endpoint": endpoint})}
        )
        problems = check_city(changed, "city.yml", {})
        assert any("hub_endpoint" in p.place and complaint in p.message for p in problems), (
            endpoint,
            problems,
        )
    assert not [p for p in check_city(city, "city.yml", {}) if "hub_endpoint" in p.place]


def test_layer2_ipv6_winbox_and_admin_on_every_routeros_device(inv, secrets):
    """MAC server, MAC-Winbox and discovery only on the management list, IPv6 off, Winbox only
    from the data centre (which the router's policy lets through), the factory account off."""
    for name in ("loa-bakung-rtr01", "loa-bakung-sw01", "loa-bakung-ap01"):
        text = render_device(inv, inv.device(name), secrets).text
        config = routeros_config.parse(text)
        mgmt = [
            m.args["interface"]
            for m in _menu(config, "/interface list member")
            if m.args["list"] == "MGMT"
        ]
        assert mgmt == ["vlan10-mgmt"], name
        for menu, prop in (
            ("/tool mac-server", "allowed-interface-list"),
            ("/tool mac-server mac-winbox", "allowed-interface-list"),
            ("/ip neighbor discovery-settings", "discover-interface-list"),
        ):
            (item,) = _menu(config, menu)
            assert item.args[prop] == "MGMT", (name, menu)
        (v6,) = _menu(config, "/ipv6 settings")
        assert v6.args == {"disable-ipv6": "yes"}
        winbox = next(i for i in _menu(config, "/ip service") if i.target == "winbox")
        assert "disabled" not in winbox.args
        assert set(winbox.args["address"].split(",")) == {
            "10.80.1.0/24",
            "10.80.16.0/20",
            "10.80.254.0/24",
        }
        assert "/user\nset [ find name=admin ] disabled=yes\n" in text, name
    # The router's input chain lets Winbox in from the data centre, as /ip service says.
    router = routeros_config.parse(render_device(inv, inv.device("loa-bakung-rtr01"), secrets).text)
    winbox_in = [
        r
        for r in _menu(router, "/ip firewall filter")
        if r.args["chain"] == "input" and "8291" in r.args.get("dst-port", "").split(",")
    ]
    assert winbox_in and winbox_in[0].args["src-address-list"] == "datacentre"


def test_public_wifi_rate_limit_is_on_the_router_and_not_fasttracked(inv, secrets):
    """A simple queue on an AP's bridged Wi-Fi interfaces never sees bridged traffic; on the
    router the PCQ queue targets the routed public VLAN, and FastTrack (which bypasses simple
    queues) never takes public Wi-Fi connections."""
    router = routeros_config.parse(render_device(inv, inv.device("loa-bakung-rtr01"), secrets).text)
    (queue,) = _menu(router, "/queue simple")
    assert queue.args["target"] == "vlan60-public-wifi"
    assert queue.args["queue"] == "pcq-public-up/pcq-public-down"
    kinds = {q.args["name"]: q.args for q in _menu(router, "/queue type")}
    assert kinds["pcq-public-up"]["pcq-classifier"] == "src-address"
    assert kinds["pcq-public-up"]["pcq-rate"] == "2M"
    assert kinds["pcq-public-down"]["pcq-classifier"] == "dst-address"
    assert kinds["pcq-public-down"]["pcq-rate"] == "5M"
    forward = [r for r in _menu(router, "/ip firewall filter") if r.args["chain"] == "forward"]
    fasttrack = next(i for i, r in enumerate(forward) if r.args["action"] == "fasttrack-connection")
    before = forward[:fasttrack]
    for side in ("in-interface-list", "out-interface-list"):
        assert any(
            r.args["action"] == "accept"
            and r.args.get(side) == "PUBLIC"
            and "established" in r.args.get("connection-state", "")
            for r in before
        ), side
    for name in ("loa-bakung-ap01", "loa-bakung-ap02"):
        ap = routeros_config.parse(render_device(inv, inv.device(name), secrets).text)
        assert not _menu(ap, "/queue simple") and not _menu(ap, "/queue type")


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
    assert "/queue" not in text  # the per-client limit is on the router (routed traffic)


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
