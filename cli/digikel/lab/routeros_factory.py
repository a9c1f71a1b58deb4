"""RouterOS factory states: `blank` (no-defaults, the lab's default) and MikroTik's `defconf`.

defconf follows MikroTik's manual ("Default configurations", help.mikrotik.com) and the shape of
real 7.x exports of devices still on their default configuration (bridge `bridge` with comment
defconf, 192.168.88.1/24, pool 192.168.88.10-254, DHCP server `defconf`, the "defconf: ..."
firewall rules, interface lists WAN/LAN, neighbour discovery and MAC server on LAN). The items are
plain added items, as on the device: the export lists them with `add`.
"""

from __future__ import annotations

from typing import Any

from digikel.lab.models import routeros_hardware

FACTORIES = ("blank", "defconf")

_INPUT = [
    {
        "action": "accept",
        "chain": "input",
        "comment": "defconf: accept established,related,untracked",
        "connection-state": "established,related,untracked",
    },
    {
        "action": "drop",
        "chain": "input",
        "comment": "defconf: drop invalid",
        "connection-state": "invalid",
    },
    {"action": "accept", "chain": "input", "comment": "defconf: accept ICMP", "protocol": "icmp"},
    {
        "action": "accept",
        "chain": "input",
        "comment": "defconf: accept to local loopback (for CAPsMAN)",
        "dst-address": "127.0.0.1",
    },
    {
        "action": "drop",
        "chain": "input",
        "comment": "defconf: drop all not coming from LAN",
        "in-interface-list": "!LAN",
    },
]
_FORWARD = [
    {
        "action": "accept",
        "chain": "forward",
        "comment": "defconf: accept in ipsec policy",
        "ipsec-policy": "in,ipsec",
    },
    {
        "action": "accept",
        "chain": "forward",
        "comment": "defconf: accept out ipsec policy",
        "ipsec-policy": "out,ipsec",
    },
    {
        "action": "fasttrack-connection",
        "chain": "forward",
        "comment": "defconf: fasttrack",
        "connection-state": "established,related",
        "hw-offload": "yes",
    },
    {
        "action": "accept",
        "chain": "forward",
        "comment": "defconf: accept established,related, untracked",
        "connection-state": "established,related,untracked",
    },
    {
        "action": "drop",
        "chain": "forward",
        "comment": "defconf: drop invalid",
        "connection-state": "invalid",
    },
    {
        "action": "drop",
        "chain": "forward",
        "comment": "defconf: drop all from WAN not DSTNATed",
        "connection-nat-state": "!dstnat",
        "connection-state": "new",
        "in-interface-list": "WAN",
    },
]


def defconf_kind(model: str, role: str) -> str:
    """router (RB5009, hEX...): WAN on ether1 with firewall and NAT; switch (CRS): one bridge
    with every port and 192.168.88.1, no firewall; ap (cAP ax): CAP mode, every port and radio
    in the bridge and a DHCP client on the bridge."""
    if model.startswith("CRS") or role == "switch":
        return "switch"
    if model.startswith("cAP") or role == "ap":
        return "ap"
    return "router"


def apply_defconf(state: dict[str, Any], model: str, role: str, name: str = "") -> None:
    """Add the model's default configuration to a blank state."""
    menus: dict[str, Any] = state["menus"]
    hardware = routeros_hardware(model, role)
    kind = defconf_kind(model, role)

    def add(path: str, **props: str) -> None:
        item = {"id": state["next_id"], "props": dict(props), "factory": None}
        state["next_id"] += 1
        menus.setdefault(path, []).append(item)

    def add_all(path: str, rows: list[dict[str, str]]) -> None:
        for row in rows:
            add(path, **row)

    ports = list(hardware.ethernet)
    wan = "ether1" if kind == "router" else ""
    add(
        "/interface/bridge",
        **{"admin-mac": _mac(name or model), "auto-mac": "no"},
        comment="defconf",
        name="bridge",
        **{"port-cost-mode": "short"},
    )
    members = [p for p in ports if p != wan] + (list(hardware.wifi) if kind != "switch" else [])
    for port in members:
        add("/interface/bridge/port", bridge="bridge", comment="defconf", interface=port)
    menus["/ip/neighbor/discovery-settings"] = {"discover-interface-list": "LAN"}
    if kind == "ap":
        add("/ip/dhcp-client", comment="defconf", interface="bridge")
        return
    add("/interface/list", comment="defconf", name="WAN")
    add("/interface/list", comment="defconf", name="LAN")
    add("/interface/list/member", comment="defconf", interface="bridge", list="LAN")
    add(
        "/ip/address",
        address="192.168.88.1/24",
        comment="defconf",
        interface="bridge",
        network="192.168.88.0",
    )
    menus["/tool/mac-server"] = {"allowed-interface-list": "LAN"}
    menus["/tool/mac-server/mac-winbox"] = {"allowed-interface-list": "LAN"}
    if kind == "switch":
        return
    add("/interface/list/member", comment="defconf", interface=wan, list="WAN")
    add("/ip/pool", name="default-dhcp", ranges="192.168.88.10-192.168.88.254")
    add("/ip/dhcp-server", **{"address-pool": "default-dhcp"}, interface="bridge", name="defconf")
    add(
        "/ip/dhcp-server/network",
        address="192.168.88.0/24",
        comment="defconf",
        **{"dns-server": "192.168.88.1"},
        gateway="192.168.88.1",
    )
    add("/ip/dhcp-client", comment="defconf", interface=wan)
    menus["/ip/dns"] = {"allow-remote-requests": "yes"}
    add("/ip/dns/static", address="192.168.88.1", comment="defconf", name="router.lan", type="A")
    add_all("/ip/firewall/filter", _INPUT + _FORWARD)
    add(
        "/ip/firewall/nat",
        action="masquerade",
        chain="srcnat",
        comment="defconf: masquerade",
        **{"ipsec-policy": "out,none", "out-interface-list": "WAN"},
    )


def _mac(seed: str) -> str:
    import hashlib

    raw = hashlib.sha256(seed.encode()).digest()
    return ":".join(f"{b:02X}" for b in (b"\x48\xa9\x8a" + raw[:3]))
