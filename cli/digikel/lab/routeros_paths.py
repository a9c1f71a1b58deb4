"""Whether a RouterOS device can still carry the management session (docs/lab.md, "Sessions end
as on a device").

A session reaches the device's management address (`DeviceSpec.mgmt_address`, the inventory's
plan address) over the interface that holds it. The path is alive while:
- an enabled `/ip address` holds that address;
- its interface exists and is enabled, and so is every parent (a VLAN's `interface=`);
- a VLAN on a VLAN-filtering bridge has an enabled `/interface bridge vlan` entry with the bridge
  tagged, and the bridge has an enabled port that carries that VLAN (tagged, or `pvid=`);
- any other bridge on the way has at least one enabled port;
- the `input` chain of `/ip firewall filter` lets the session's packets in: TCP to the SSH port
  of an established connection, arriving on that interface. Rules are read in order; the first
  that matches decides (`accept` keeps, `drop`/`reject`/`tarpit` cuts). A criterion the lab cannot
  judge (source addresses, address lists, marks) counts as matching for a blocking rule and as not
  matching for an accepting one: the lab is stricter than the device, never more lenient.
"""

from __future__ import annotations

import ipaddress
from typing import Any

_IGNORED = {"action", "chain", "comment", "disabled", "log", "log-prefix", "hw-offload"}


def _enabled(props: dict[str, str]) -> bool:
    return props.get("disabled", "no") != "yes"


def _vlan_ids(text: str) -> set[int]:
    ids: set[int] = set()
    for part in text.split(","):
        part = part.strip()
        if "-" in part:
            low, _, high = part.partition("-")
            if low.isdigit() and high.isdigit():
                ids.update(range(int(low), int(high) + 1))
        elif part.isdigit():
            ids.add(int(part))
    return ids


def _interfaces(device: Any) -> dict[str, tuple[str, dict[str, str]]]:
    return {
        name: (menu.path, item["props"]) for name, (menu, item) in device.interface_names().items()
    }


def _bridge_carries(device: Any, bridge: str, vlan: int | None) -> bool:
    ports = [
        i["props"]
        for i in device.items("/interface/bridge/port")
        if i["props"].get("bridge") == bridge and _enabled(i["props"])
    ]
    if vlan is None:
        return bool(ports)
    entries = [
        i["props"]
        for i in device.items("/interface/bridge/vlan")
        if i["props"].get("bridge") == bridge
        and _enabled(i["props"])
        and vlan in _vlan_ids(i["props"].get("vlan-ids", ""))
    ]
    if not any(bridge in e.get("tagged", "").split(",") for e in entries):
        return False
    members = {
        p for e in entries for key in ("tagged", "untagged") for p in e.get(key, "").split(",")
    }
    return any(p.get("interface") in members or p.get("pvid") == str(vlan) for p in ports)


def _interface_up(device: Any, name: str, seen: set[str]) -> bool:
    interfaces = _interfaces(device)
    if name in seen or name not in interfaces:
        return False
    seen.add(name)
    path, props = interfaces[name]
    if not _enabled(props):
        return False
    if path == "/interface/vlan":
        parent = props.get("interface", "")
        if not _interface_up(device, parent, seen):
            return False
        parent_path, parent_props = interfaces[parent]
        if parent_path == "/interface/bridge":
            filtering = parent_props.get("vlan-filtering") == "yes"
            vlan = int(props["vlan-id"]) if props.get("vlan-id", "").isdigit() else None
            return _bridge_carries(device, parent, vlan if filtering else None)
        return True
    if path == "/interface/bridge":
        return _bridge_carries(device, name, None)
    return True


def _list_members(device: Any, listname: str) -> set[str]:
    return {
        i["props"].get("interface", "")
        for i in device.items("/interface/list/member")
        if i["props"].get("list") == listname and _enabled(i["props"])
    }


def _matches(device: Any, key: str, want: str, packet: dict[str, str]) -> bool | None:
    """True/False for a criterion the lab can judge, None for one it cannot."""
    negate = want.startswith("!")
    want = want[1:] if negate else want
    result: bool
    if key == "connection-state":
        result = packet["connection-state"] in want.split(",")
    elif key == "protocol":
        result = want in (packet["protocol"], "6")
    elif key == "dst-port":
        port = int(packet["dst-port"])
        result = any(
            (int(a) <= port <= int(b)) if "-" in part else part == str(port)
            for part in want.split(",")
            for a, _, b in [part.partition("-")]
            if part.replace("-", "").isdigit()
        )
    elif key == "in-interface":
        result = want == packet["in-interface"]
    elif key == "in-interface-list":
        result = want == "all" or packet["in-interface"] in _list_members(device, want)
    elif key == "dst-address":
        try:
            result = ipaddress.ip_address(packet["dst-address"]) in ipaddress.ip_network(
                want, strict=False
            )
        except ValueError:
            return None
    else:
        return None
    return result != negate


def _firewall_allows(device: Any, packet: dict[str, str]) -> bool:
    for item in device.items("/ip/firewall/filter"):
        props = item["props"]
        if props.get("chain") != "input" or not _enabled(props):
            continue
        action = props.get("action", "accept")
        blocking = action in ("drop", "reject", "tarpit")
        if not blocking and action != "accept":
            continue  # log, passthrough, jump...: the packet goes on
        verdicts = [
            _matches(device, key, value, packet)
            for key, value in props.items()
            if key not in _IGNORED
        ]
        unknown = blocking  # stricter: an unjudgeable criterion matches a drop, not an accept
        if all((v if v is not None else unknown) for v in verdicts):
            return not blocking
    return True


def management_path_alive(device: Any, address: str) -> bool:
    """Whether a session to `address` (the inventory management address) still gets through."""
    if not address:
        return False
    ssh_port = "22"
    for item in device.items("/ip/service"):
        if item["props"].get("name") == "ssh":
            ssh_port = item["props"].get("port", "22")
    for item in device.items("/ip/address"):
        props = item["props"]
        if not _enabled(props) or props.get("address", "").split("/")[0] != address:
            continue
        interface = props.get("interface", "")
        if not _interface_up(device, interface, set()):
            continue
        packet = {
            "protocol": "tcp",
            "dst-port": ssh_port,
            "connection-state": "established",
            "in-interface": interface,
            "dst-address": address,
        }
        if _firewall_allows(device, packet):
            return True
    return False
