"""The traffic policy table holds in the rendered router firewall of every site.

The evaluator (digikel.network.policy.Firewall) reads the rendered `/ip firewall filter`,
interface lists, address lists, addresses and routes, and decides first-match over the `input`
and `forward` chains; `policy.expected` is what the table says. For every one of the 59 sites,
every flow of a grid (each zone to each zone, a spread of services) must get the table's answer:
allowed flows accepted by an accept rule, everything else dropped.
"""

from __future__ import annotations

import pytest

from digikel.inventory.secrets import load_secrets
from digikel.network import policy, routeros_config
from digikel.network.policy import Firewall, Flow
from digikel.network.render import render_device


@pytest.fixture(scope="module")
def secrets(inv):
    return load_secrets(inv)


def _router(inv, site):
    return next(d for d in site.network_devices if d.role == "router")


def _firewall(inv, secrets, slug: str) -> tuple[Firewall, dict]:
    router = _router(inv, inv.site(slug))
    text = render_device(inv, router, secrets).text
    return Firewall(routeros_config.parse(text)), inv.hostvars(router.name)


def _mismatches(firewall: Firewall, hostvars: dict) -> list[str]:
    segments = list(hostvars["digikel_segments"])
    wrong = []
    for flow in policy.probe_flows(hostvars):
        want = policy.expected(flow, segments)
        accepted, rule = firewall.decide(firewall.packet(flow, hostvars))
        if accepted != (want is not None):
            by = rule.args.get("comment") if rule else "end of chain (accept)"
            wrong.append(f"{flow}: table {'allows' if want else 'denies'}, firewall says {by}")
        elif accepted and rule is None:
            wrong.append(f"{flow}: accepted only by the end of the chain")
    return wrong


def test_the_table_holds_at_every_site(inv, secrets):
    assert len(inv.sites) == 59
    flows = 0
    for site in inv.sites:
        firewall, hostvars = _firewall(inv, secrets, site.slug)
        wrong = _mismatches(firewall, hostvars)
        assert not wrong, f"{site.slug}: {len(wrong)} flows, e.g. " + "; ".join(wrong[:5])
        flows += sum(1 for _ in policy.probe_flows(hostvars))
    assert flows > 59 * 1500  # the grid really is wide


def _flow(hostvars, source, target, protocol, port, *, src=None, dst=None):
    segs = hostvars["digikel_segments"]

    def host(zone):
        return str(policy.ipaddress.ip_network(segs[zone]["network"]).network_address + 50)

    return Flow(source, src or host(source), target, dst or host(target), protocol, port)


def test_counters_print_and_the_named_flows_decide_as_the_issue_says(inv, secrets):
    firewall, hv = _firewall(inv, secrets, "loa-bakung")
    hub = hv["digikel_hub"]

    def verdict(flow):
        return firewall.decide(firewall.packet(flow, hv))[0]

    # Counter PCs print over IPP (issue 12: the forward chain used to drop VLAN 20 -> 40).
    assert verdict(_flow(hv, "counters", "printers", "tcp", 631))
    assert not verdict(_flow(hv, "counters", "printers", "tcp", 9100))
    assert not verdict(_flow(hv, "printers", "counters", "tcp", 631))
    # Staff Wi-Fi reaches the portal, not the rest of the data centre.
    assert verdict(_flow(hv, "staff_wifi", "portal", "tcp", 443, dst=hub["portal_address"]))
    assert not verdict(_flow(hv, "staff_wifi", "datacentre", "tcp", 443, dst="10.80.1.30"))
    # Public Wi-Fi: the internet only.
    assert verdict(_flow(hv, "public_wifi", "internet", "tcp", 443, dst="203.0.113.7"))
    assert not verdict(_flow(hv, "public_wifi", "portal", "tcp", 443, dst=hub["portal_address"]))
    assert not verdict(_flow(hv, "public_wifi", "mgmt", "tcp", 22))
    # The data centre manages: SSH and SNMP to the management VLAN, nothing from the internet.
    assert verdict(_flow(hv, "datacentre", "mgmt", "tcp", 22, src="10.80.1.30"))
    assert verdict(_flow(hv, "datacentre", "mgmt", "udp", 161, src="10.80.1.30"))
    assert not verdict(_flow(hv, "internet", "mgmt", "tcp", 22, src="203.0.113.7"))


def test_the_check_catches_a_firewall_that_breaks_the_table(inv, secrets):
    """Would have caught issue 12's fault: the old forward chain dropped counters -> printers."""
    router = _router(inv, inv.site("loa-bakung"))
    hv = inv.hostvars(router.name)
    config = routeros_config.parse(render_device(inv, router, secrets).text)
    rules = config.menus["/ip firewall filter"]
    printing = next(r for r in rules if "printing" in r.args.get("comment", ""))
    rules.remove(printing)
    wrong = _mismatches(Firewall(config), hv)
    assert wrong and all("counters" in w and "printers" in w and "/631" in w for w in wrong)
    # A rule that accepts too much (the old "site to the data centre" for staff Wi-Fi).
    config = routeros_config.parse(render_device(inv, router, secrets).text)
    rules = config.menus["/ip firewall filter"]
    wide = routeros_config.Item(
        "/ip firewall filter",
        "add",
        "",
        {
            "action": "accept",
            "chain": "forward",
            "in-interface-list": "LAN",
            "out-interface": "wg-hub",
        },
    )
    rules.insert(4, wide)
    assert any("staff_wifi" in w and "denies" in w for w in _mismatches(Firewall(config), hv))


def test_the_evaluator_refuses_what_it_cannot_judge(inv, secrets):
    router = _router(inv, inv.site("loa-bakung"))
    hv = inv.hostvars(router.name)
    config = routeros_config.parse(render_device(inv, router, secrets).text)
    config.menus["/ip firewall filter"].insert(
        0,
        routeros_config.Item(
            "/ip firewall filter",
            "add",
            "",
            {"action": "drop", "chain": "forward", "src-mac-address": "00:11:22:33:44:55"},
        ),
    )
    with pytest.raises(policy.Unsupported, match="src-mac-address"):
        _mismatches(Firewall(config), hv)
    # One list per rule: RouterOS takes a single interface list name.
    config = routeros_config.parse(
        "/ip firewall filter\nadd action=accept chain=input in-interface-list=LAN,PUBLIC\n"
    )
    packet = policy.Packet("input", "vlan20-counters", "", "10.0.0.2", "10.0.0.1", "udp", 53)
    with pytest.raises(policy.Unsupported, match="several lists"):
        Firewall(config).decide(packet)


def test_every_row_is_used_and_names_are_unique():
    names = [row.name for row in policy.POLICY]
    assert len(names) == len(set(names))
    for row in policy.POLICY:
        assert row.services and row.sources and row.why
