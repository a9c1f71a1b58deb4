"""The RouterOS parser and differ (pure logic)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from digikel.network import routeros_config as rc
from digikel.network.platforms import absolute

RUNNING = """# 2026-11-29 08:00:00 by RouterOS 7.16.2
# software id = ABCD-EF01
/interface bridge
add comment="LAN trunk bridge" name=bridge-lan vlan-filtering=yes
/interface vlan
add comment=mgmt interface=bridge-lan name=vlan10-mgmt vlan-id=10
add comment=old interface=bridge-lan name=vlan99-old vlan-id=99
/ip address
add address=10.81.0.1/24 comment=mgmt interface=vlan10-mgmt
add address=10.81.99.1/24 comment=old interface=vlan99-old
/ip service
set telnet disabled=yes
/interface wireguard
add comment="tunnel" listen-port=51820 mtu=1420 name=wg-hub
/system identity
set name=MikroTik
"""

INTENDED = """/system identity
set name=rtr01
/interface bridge
add comment="LAN trunk bridge" name=bridge-lan vlan-filtering=yes
/interface wireguard
add comment="tunnel" listen-port=51820 mtu=1420 name=wg-hub private-key="k3y=="
/interface vlan
add comment=mgmt interface=bridge-lan name=vlan10-mgmt vlan-id=10
add comment=counters interface=bridge-lan name=vlan20-counters vlan-id=20
/ip address
add address=10.81.0.1/24 comment=mgmt interface=vlan10-mgmt
add address=10.81.1.1/24 comment=counters interface=vlan20-counters
/ip service
set telnet disabled=yes
set [ find name=ftp ] disabled=yes
"""


def test_parse_reads_menus_items_quotes_and_continuations():
    text = (
        '/ip firewall filter\nadd action=drop chain=forward comment="a \\"quoted\\" \\\n'
        '    rule" dst-port=53\n/ip/dns set servers=10.80.1.53\n'
    )
    config = rc.parse(text)
    rule = next(iter(config.menus["/ip firewall filter"].values()))
    assert rule.args["comment"] == 'a "quoted" rule'
    assert rule.args["dst-port"] == "53"
    assert config.menus["/ip dns"][("set", "", "")].args == {"servers": "10.80.1.53"}


def test_set_targets_by_name_and_bare_word_are_the_same_item():
    a = rc.parse("/ip service\nset telnet disabled=yes\n")
    b = rc.parse("/ip service\nset [ find name=telnet ] disabled=yes\n")
    assert rc.diff(a, b) == []


def test_diff_removes_first_then_adds_and_sets_in_intended_order():
    cmds = rc.diff(rc.parse(RUNNING), rc.parse(INTENDED))
    assert cmds == [
        "/ip address",
        "remove [ find comment=old ]",
        "/interface vlan",
        "remove [ find name=vlan99-old ]",
        "/system identity",
        "set name=rtr01",
        "/interface vlan",
        "add comment=counters interface=bridge-lan name=vlan20-counters vlan-id=20",
        "/ip address",
        "add address=10.81.1.1/24 comment=counters interface=vlan20-counters",
        "/ip service",
        "set ftp disabled=yes",
    ]


def test_applying_the_diff_converges_and_a_second_diff_is_empty():
    running, intended = rc.parse(RUNNING), rc.parse(INTENDED)
    applied = simulate(running, rc.diff(running, intended))
    # The device hides secrets from its export: what it shows back lacks private-key.
    shown = rc.parse(applied.text(with_secrets=False))
    assert rc.diff(shown, intended) == []


def test_secrets_are_sent_on_create_and_only_rotated_on_request():
    running = rc.parse("/interface wireguard\nadd comment=t listen-port=51820 name=wg-hub\n")
    intended = rc.parse(
        '/interface wireguard\nadd comment=t listen-port=51820 name=wg-hub private-key="s3cret="\n'
    )
    assert rc.diff(running, intended) == []
    assert rc.diff(running, intended, rotate_secrets=True) == [
        "/interface wireguard",
        'set [ find name=wg-hub ] private-key="s3cret="',
    ]
    created = rc.diff(rc.Config(), intended)
    assert 'private-key="s3cret="' in created[1]


def test_a_property_the_device_has_but_we_do_not_want_recreates_the_item():
    running = rc.parse("/ip pool\nadd name=p ranges=10.0.0.10-10.0.0.20 next-pool=other\n")
    intended = rc.parse("/ip pool\nadd name=p ranges=10.0.0.10-10.0.0.20\n")
    assert rc.diff(running, intended) == [
        "/ip pool",
        "remove [ find name=p ]",
        "add name=p ranges=10.0.0.10-10.0.0.20",
    ]


def test_changed_value_is_set_in_place():
    running = rc.parse("/ip pool\nadd name=p ranges=10.0.0.10-10.0.0.20\n")
    intended = rc.parse("/ip pool\nadd name=p ranges=10.0.0.10-10.0.0.30\n")
    assert rc.diff(running, intended) == [
        "/ip pool",
        "set [ find name=p ] ranges=10.0.0.10-10.0.0.30",
    ]


FW = "/ip firewall filter\n" + "".join(
    f"add action=accept chain=input comment=r{i}\n" for i in range(1, 5)
)


def test_firewall_appended_rule_is_just_added():
    running = rc.parse(FW)
    intended = rc.parse(FW + "add action=drop chain=input comment=r5\n")
    assert rc.diff(running, intended) == [
        "/ip firewall filter",
        "add action=drop chain=input comment=r5",
    ]


def test_firewall_rule_inserted_in_the_middle_rewrites_the_menu_in_order():
    running = rc.parse(FW)
    lines = FW.splitlines()
    intended = rc.parse(
        "\n".join([*lines[:2], "add action=drop chain=input comment=new", *lines[2:]])
    )
    cmds = rc.diff(running, intended)
    removes = [c for c in cmds if c.startswith("remove")]
    adds = [c.split("comment=")[1] for c in cmds if c.startswith("add")]
    assert len(removes) == 4
    assert adds == ["r1", "new", "r2", "r3", "r4"]
    assert rc.diff(simulate(running, cmds), intended) == []


def test_firewall_reordered_rules_rewrite_and_converge():
    running = rc.parse(FW)
    lines = FW.splitlines()
    intended = rc.parse("\n".join([lines[0], lines[2], lines[1], *lines[3:]]))
    cmds = rc.diff(running, intended)
    after = simulate(running, cmds)
    assert [i.args["comment"] for i in after.menus["/ip firewall filter"].values()] == [
        "r2",
        "r1",
        "r3",
        "r4",
    ]


def test_users_are_never_removed_and_absent_user_menu_is_proven_by_login():
    intended = rc.parse('/user\nadd comment=x group=full name=digikel password="pw"\n')
    assert rc.diff(rc.Config(), intended) == []
    assert rc.diff(rc.Config(), intended, rotate_secrets=True) == [
        "/user",
        "set [ find name=digikel ] password=pw",
    ]
    running = rc.parse("/user\nadd group=full name=admin\n")
    cmds = rc.diff(running, intended)
    assert not [c for c in cmds if c.startswith("remove")]


def test_fill_secrets_takes_them_from_the_intended_config():
    backup = rc.parse("/interface wireguard\nadd comment=t name=wg-hub\n")
    intended = rc.parse('/interface wireguard\nadd comment=t name=wg-hub private-key="k"\n')
    filled = rc.fill_secrets(backup, intended)
    assert next(iter(filled.menus["/interface wireguard"].values())).args["private-key"] == "k"


def test_absolute_commands():
    assert absolute(["/ip address", "add address=1.2.3.4/24", "/ip dns", "set servers=1"]) == [
        "/ip address add address=1.2.3.4/24",
        "/ip dns set servers=1",
    ]


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=30))
def test_quoting_round_trips(value):
    line = f"/ip pool\nadd comment={rc.quote(value)} name=p\n"
    item = next(iter(rc.parse(line).menus["/ip pool"].values()))
    assert item.args["comment"] == value


# --- a tiny RouterOS model that executes our commands, for convergence tests ---


def simulate(config: rc.Config, commands: list[str]) -> rc.Config:
    import copy
    import re

    state = copy.deepcopy(config)
    menu = "/"
    for line in commands:
        if line.startswith("/"):
            menu = line
            state.menus.setdefault(menu, {})
            continue
        items = state.menus.setdefault(menu, {})
        verb, _, rest = line.partition(" ")
        if verb == "add":
            state.add(rc.parse(f"{menu}\nadd {rest}\n").menus[menu].popitem()[1])
            continue
        match = re.match(r"(\[ find [^\]]+ \]|\S+)\s*(.*)", rest)
        assert match, line
        target, args = match.group(1), match.group(2)
        found = [k for k, i in items.items() if matches(i, target)]
        if verb == "remove":
            assert found, f"no such item: {line}"
            for k in found:
                del items[k]
        elif verb == "set":
            if not found:
                parsed = rc.parse(f"{menu}\nset {rest}\n").menus[menu].popitem()[1]
                state.add(parsed)
                continue
            new = rc.parse(f"{menu}\nadd {args}\n").menus[menu].popitem()[1].args
            for k in found:
                items[k].args.update(new)
    return state


def matches(item: rc.Item, target: str) -> bool:
    if not target.startswith("["):
        return (item.verb == "set" and item.target == target) or item.args.get("name") == target
    inner = rc.tokenize(target[1:-1].strip())[1:]
    return all(item.args.get(k) == v for k, _, v in (t.partition("=") for t in inner))


def test_sets_go_last_so_the_final_safe_mode_batch_holds_them():
    from digikel.network.platforms import sets_last

    cmds = [
        "/system identity set name=r",
        "/ip address remove [ find comment=old ]",
        '/ip firewall filter add chain=input comment="set by hand"',
        "/ip service set telnet disabled=yes",
        "/ip pool add name=p",
    ]
    assert sets_last(cmds) == [
        "/ip address remove [ find comment=old ]",
        '/ip firewall filter add chain=input comment="set by hand"',
        "/ip pool add name=p",
        "/system identity set name=r",
        "/ip service set telnet disabled=yes",
    ]


def test_same_config_ignores_order_of_unordered_menus_but_not_values():
    from digikel.network.platforms import same_config

    a = "/ip pool\nadd name=a ranges=1\nadd name=b ranges=2\n/ip dns\nset servers=1\n"
    b = "/ip dns\nset servers=1\n/ip pool\nadd name=b ranges=2\nadd name=a ranges=1\n"
    assert same_config("routeros", a, b)
    assert not same_config("routeros", a, b.replace("servers=1", "servers=2"))
    fw = "/ip firewall filter\nadd chain=input comment=a\nadd chain=input comment=b\n"
    swapped = "/ip firewall filter\nadd chain=input comment=b\nadd chain=input comment=a\n"
    assert not same_config("routeros", fw, swapped)


def test_items_duplicated_by_hand_are_all_removed_and_the_intended_one_added():
    running = rc.parse(
        "/ip pool\nadd comment=x name=p ranges=1\n"
        "/ip firewall address-list\nadd address=1.1.1.1 comment=dc list=dc\n"
        "add address=2.2.2.2 comment=dc list=dc\n"
    )
    intended = rc.parse("/ip firewall address-list\nadd address=1.1.1.1 comment=dc list=dc\n")
    cmds = rc.diff(running, intended)
    assert cmds == [
        "/ip firewall address-list",
        "remove [ find comment=dc ]",
        "/ip pool",
        "remove [ find name=p ]",
        "/ip firewall address-list",
        "add address=1.1.1.1 comment=dc list=dc",
    ]
