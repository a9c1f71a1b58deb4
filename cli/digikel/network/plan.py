"""Derived facts the templates need but the inventory does not spell out: ports and pools.

Pure functions of a device's hostvars, so the port plan is the same on every run and testable
without a device. The rule (written in docs/network.md): on a switch, the site's endpoints and
access points take the access ports in inventory order (counters, displays, printers, APs), the
last copper port is the trunk up to the router; on the router ether1 is the WAN and switch K
hangs on ether(1+K).
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network
from typing import Any

# Copper ports per switch model; the last one is the uplink trunk to the router.
SWITCH_PORTS: dict[str, int] = {
    "CRS328-24P-4S+RM": 24,
    "CRS326-24G-2S+RM": 24,
    "C1000-24P-4G-L": 24,
    "C1000-8P-2G-L": 8,
}
DEFAULT_SWITCH_PORTS = 24
# Fibre uplink slots after the copper ports (IOS lists them in its configuration; unused here).
SWITCH_UPLINK_SLOTS: dict[str, int] = {"C1000-24P-4G-L": 4, "C1000-8P-2G-L": 2}

# Which segment an attached device's access port carries; APs get a trunk instead.
ACCESS_ROLES = ("counter", "display", "printer")
WIFI_SEGMENTS = ("staff_wifi", "public_wifi")
# Segments whose router interface runs a DHCP server (mgmt addresses are static).
DHCP_SEGMENTS = ("counters", "displays", "printers", "staff_wifi", "public_wifi")


@dataclass(frozen=True)
class Port:
    """One switch port: its interface name, what sits on it and which VLANs it carries."""

    number: int
    interface: str
    description: str
    mode: str  # access | trunk | unused
    access_vlan: int | None = None
    tagged_vlans: tuple[int, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "interface": self.interface,
            "description": self.description,
            "mode": self.mode,
            "access_vlan": self.access_vlan,
            "tagged_vlans": list(self.tagged_vlans),
        }


def port_name(platform: str, number: int) -> str:
    return f"GigabitEthernet1/0/{number}" if platform == "ios" else f"ether{number}"


def vlan_interface(segment: str, vlan: int) -> str:
    """RouterOS VLAN interface name, e.g. vlan60-public-wifi."""
    return f"vlan{vlan}-{segment.replace('_', '-')}"


def switch_ports(hostvars: dict[str, Any]) -> list[Port]:
    """Every copper port of this switch, in port order, with what sits on it."""
    platform = hostvars["digikel_platform"]
    count = SWITCH_PORTS.get(hostvars["digikel_model"], DEFAULT_SWITCH_PORTS)
    segments = hostvars["digikel_segments"]
    vlan_of = {name: seg["vlan"] for name, seg in segments.items()}
    all_vlans = tuple(sorted(vlan_of.values()))
    ap_vlans = tuple(sorted([vlan_of["mgmt"], *(vlan_of[s] for s in WIFI_SEGMENTS)]))

    attached = _devices_on_switch(hostvars, count - 1)
    ports: list[Port] = []
    for number in range(1, count):
        name = port_name(platform, number)
        if number <= len(attached):
            dev = attached[number - 1]
            if dev["role"] == "ap":
                ports.append(Port(number, name, dev["name"], "trunk", None, ap_vlans))
            else:
                ports.append(Port(number, name, dev["name"], "access", vlan_of[dev["segment"]]))
        else:
            ports.append(Port(number, name, "unused", "unused"))
    router = _router_name(hostvars)
    ports.append(
        Port(count, port_name(platform, count), f"uplink {router}", "trunk", None, all_vlans)
    )
    if platform == "ios":
        slots = SWITCH_UPLINK_SLOTS.get(hostvars["digikel_model"], 0)
        for number in range(count + 1, count + slots + 1):
            ports.append(Port(number, port_name(platform, number), "unused", "unused"))
    return ports


def _router_name(hostvars: dict[str, Any]) -> str:
    routers = [d["name"] for d in hostvars["digikel_site_devices"] if d["role"] == "router"]
    return routers[0] if routers else "router"


def _devices_on_switch(hostvars: dict[str, Any], capacity: int) -> list[dict[str, Any]]:
    """The endpoints and APs this switch serves: switch K takes the K-th run of `capacity`."""
    order = {role: i for i, role in enumerate((*ACCESS_ROLES, "ap"))}
    wanted = [d for d in hostvars["digikel_site_devices"] if d["role"] in order]
    wanted.sort(key=lambda d: order[d["role"]])  # stable: inventory order inside a role
    index = int(hostvars["digikel_index"])
    return wanted[(index - 1) * capacity : index * capacity]


def router_trunks(hostvars: dict[str, Any]) -> list[dict[str, str]]:
    """The router's LAN trunk ports: switch K on ether(1+K)."""
    switches = [d for d in hostvars["digikel_site_devices"] if d["role"] == "switch"]
    return [{"interface": f"ether{i + 2}", "peer": d["name"]} for i, d in enumerate(switches)]


def dhcp_range(network: str) -> str:
    """Pool for a segment: .100-.199 of a /24; the upper /24 (.10-.250) of a bigger segment.

    The low addresses stay free for the plan's fixed addresses (.1 router, .2 switches, .11+).
    """
    net = IPv4Network(network)
    base = net.network_address
    if net.prefixlen >= 24:
        return f"{base + 100}-{base + 199}"
    upper = base + net.num_addresses - 256
    return f"{upper + 10}-{upper + 250}"


def netmask(prefix: int) -> str:
    return str(IPv4Network(f"0.0.0.0/{prefix}").netmask)


def wildcard(network: str) -> str:
    return str(IPv4Network(network).hostmask)


def host_port(endpoint: str, default: int) -> tuple[str, int]:
    host, _, port = endpoint.rpartition(":")
    return (host, int(port)) if host and port.isdigit() else (endpoint, default)


def first_host(network: str) -> IPv4Address:
    return IPv4Network(network).network_address + 1
