"""The RouterOS planner on output shaped like real RouterOS 7.x devices print it.

The fixtures in fixtures/routeros/ were written here (reshape.py for the `*-as-intended` ones),
modelled on real 7.x exports published in public repositories and on MikroTik's manual; each
file's shape is described at the top of reshape.py and in docs/network.md. None is copied.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from routeros_sim import simulate

from digikel.inventory import load_inventory
from digikel.inventory.secrets import load_secrets
from digikel.network import routeros_config as rc
from digikel.network.platforms import RouterOS
from digikel.network.render import render_device

REPO = Path(__file__).resolve().parents[3]
FIXTURES = Path(__file__).parent / "fixtures" / "routeros"


@pytest.fixture(scope="module")
def intended() -> dict[str, str]:
    inv = load_inventory(REPO / "inventory" / "lab" / "digikel.yml")
    secrets = load_secrets(inv)
    site = next(s for s in inv.sites if s.slug == "loa-bakung")
    return {
        d.role: render_device(inv, d, secrets, masked=False).text
        for d in site.network_devices
        if d.name in ("loa-bakung-rtr01", "loa-bakung-sw01", "loa-bakung-ap01")
    }


@pytest.mark.parametrize("role", ["router", "switch", "ap"])
def test_a_device_already_as_intended_gets_an_empty_plan(intended, role):
    running = (FIXTURES / f"{role}-as-intended.rsc").read_text()
    # The shape that broke the old differ is really there: wrapped lines, network=, no secrets.
    assert "\\\n    " in running
    assert "password=" not in running and "private-key=" not in running
    if role != "ap":
        assert "network=" in running
    driver = RouterOS()
    assert driver.plan(running, intended[role]) == []
    assert driver.plan(running, intended[role], prune=True) == []
    assert driver.unmanaged(running, intended[role]) == []


def test_drift_is_set_back_in_place_and_hand_made_items_are_left_alone(intended):
    running = (FIXTURES / "router-drifted.rsc").read_text()
    driver = RouterOS()
    assert driver.plan(running, intended["router"]) == [
        "/interface vlan set [ find name=vlan30-displays ] comment=displays",
        '/interface bridge port set [ find comment="trunk loa-bakung-sw01" ] disabled=no',
        "/ip dhcp-server set [ find name=dhcp-counters ] lease-time=8h",
    ]
    unmanaged = driver.unmanaged(running, intended["router"])
    assert [u.split(" add ")[0] for u in unmanaged] == [
        "/ip firewall filter",
        "/ip dns static",
        "/system scheduler",
    ]
    pruned = driver.plan(running, intended["router"], prune=True)
    assert pruned[3:] == [
        "/system scheduler remove [ find name=reboot-nightly ]",
        "/ip dns static remove [ find name=antrian.lan ]",
        '/ip firewall filter remove [ find comment="teknisi: winbox sementara" ]',
    ]


def _position(commands: list[str], needle: str) -> int:
    return next(n for n, c in enumerate(commands) if needle in c)


def test_on_defconf_the_firewall_lands_before_the_wan_and_nothing_is_removed(intended):
    running = (FIXTURES / "router-defconf.rsc").read_text()
    plan = RouterOS().plan(running, intended["router"])
    assert not [c for c in plan if " remove " in c]
    # defconf's bridge port on ether2 is taken over in place, not collided with by an add.
    assert (
        "/interface bridge port set [ find interface=ether2 ] bridge=bridge-lan "
        'comment="trunk loa-bakung-sw01" frame-types=admit-only-vlan-tagged'
    ) in plan
    last_rule = _position(plan, 'comment="fwd: drop everything else"')
    assert last_rule < _position(plan, "/ip address add address=10.255.12.2/30 comment=wan")
    assert last_rule < _position(plan, 'comment="default via the ISP"')
    unmanaged = RouterOS().unmanaged(running, intended["router"])
    assert any("defconf: drop all not coming from LAN" in u for u in unmanaged)


def test_pruning_defconf_removes_its_items_last_and_converges(intended):
    running = rc.parse((FIXTURES / "router-defconf.rsc").read_text())
    want = rc.parse(intended["router"])
    plan = rc.diff(running, want, prune=True)
    removals = [n for n, c in enumerate(plan) if " remove " in c]
    assert removals == list(range(removals[0], len(plan)))  # every add and set before
    # Addresses go before the interfaces they sit on.
    assert _position(plan, "/ip address remove") < _position(plan, "/interface bridge remove")
    after = simulate(running, plan)
    shown = rc.parse(after.text(with_secrets=False))
    assert rc.diff(shown, want, prune=True) == []
    assert rc.diff(shown, want) == []


def test_every_intermediate_state_keeps_the_management_accept_rule(intended):
    """No prefix of the plan removes the SSH accept rule or the mgmt address before the end."""
    running = rc.parse((FIXTURES / "router-drifted.rsc").read_text())
    plan = rc.diff(running, rc.parse(intended["router"]), prune=True)
    for n in range(len(plan) + 1):
        state = simulate(running, plan[:n])
        rules = [i.args.get("comment") for i in state.menus["/ip firewall filter"]]
        assert "in: management from datacentre (22,8291/tcp)" in rules
        addresses = [i.args.get("comment") for i in state.menus["/ip address"]]
        assert "mgmt" in addresses


def test_properties_missing_from_the_export_equal_their_defaults():
    running = rc.parse(
        "/ip route\nadd comment=r disabled=no distance=1 dst-address=0.0.0.0/0 "
        "gateway=10.0.0.1 routing-table=main suppress-hw-offload=no\n"
    )
    want = rc.parse("/ip route\nadd comment=r dst-address=0.0.0.0/0 gateway=10.0.0.1\n")
    assert rc.diff(running, want) == []
    running = rc.parse("/ip route\nadd comment=r distance=5 dst-address=0.0.0.0/0 gateway=1\n")
    want = rc.parse("/ip route\nadd comment=r dst-address=0.0.0.0/0 gateway=1\n")
    assert rc.diff(running, want) == ["/ip route set [ find comment=r ] distance=1"]


def test_a_hand_added_matcher_on_our_firewall_rule_is_unset_in_place():
    running = rc.parse(
        "/ip firewall filter\nadd action=accept chain=input comment=ssh dst-port=22 "
        "protocol=tcp src-address=192.0.2.7\n"
    )
    want = rc.parse(
        "/ip firewall filter\nadd action=accept chain=input comment=ssh dst-port=22 protocol=tcp\n"
    )
    assert rc.diff(running, want) == [
        "/ip firewall filter unset [ find comment=ssh ] value-name=src-address"
    ]


def test_v7_compact_dotted_properties_and_brackets_with_quotes():
    config = rc.parse(
        "/interface wifi\nset [ find default-name=wifi1 ] channel.band=5ghz-ax .width=20mhz "
        "configuration.mode=ap .ssid=x\n"
    )
    assert config.menus["/interface wifi"][0].args == {
        "channel.band": "5ghz-ax",
        "channel.width": "20mhz",
        "configuration.mode": "ap",
        "configuration.ssid": "x",
    }
    assert rc.tokenize('set [ find comment="a]b" ] disabled=yes') == [
        "set",
        '[ find comment="a]b" ]',
        "disabled=yes",
    ]


def test_a_secret_is_sent_on_create_and_only_rotated_on_request():
    running = rc.parse("/interface wireguard\nadd comment=t listen-port=51820 name=wg-hub\n")
    want = rc.parse(
        '/interface wireguard\nadd comment=t listen-port=51820 name=wg-hub private-key="s3cret="\n'
    )
    assert rc.diff(running, want) == []
    assert rc.diff(running, want, rotate_secrets=True) == [
        '/interface wireguard set [ find name=wg-hub ] private-key="s3cret="'
    ]
    assert 'private-key="s3cret="' in rc.diff(rc.Config(), want)[0]


def test_accounts_are_never_removed_even_with_prune():
    want = rc.parse('/user\nadd comment=x group=full name=digikel password="pw"\n')
    running = rc.parse("/user\nadd group=full name=admin\n")
    assert not [c for c in rc.diff(running, want, prune=True) if " remove " in c]
    assert rc.diff(rc.Config(), want, rotate_secrets=True) == [
        "/user set [ find name=digikel ] password=pw"
    ]
