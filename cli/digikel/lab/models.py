"""Hardware the lab simulates: the ports each model the programme buys comes with."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Hardware:
    ethernet: tuple[str, ...]
    wifi: tuple[str, ...] = ()
    uplinks: tuple[str, ...] = ()  # IOS uplink ports, after the access ports


_ROUTEROS: dict[str, Hardware] = {
    "RB5009UG+S+IN": Hardware((*(f"ether{i}" for i in range(1, 9)), "sfp-sfpplus1")),
    "CRS328-24P-4S+RM": Hardware(
        tuple(f"ether{i}" for i in range(1, 25)) + tuple(f"sfp-sfpplus{i}" for i in range(1, 5))
    ),
    "CRS326-24G-2S+RM": Hardware(
        tuple(f"ether{i}" for i in range(1, 25)) + tuple(f"sfp-sfpplus{i}" for i in range(1, 3))
    ),
    "cAP ax": Hardware(("ether1", "ether2"), ("wifi1", "wifi2")),
    "hAP ax2": Hardware(tuple(f"ether{i}" for i in range(1, 6)), ("wifi1", "wifi2")),
}


def routeros_hardware(model: str, role: str = "") -> Hardware:
    """Ports of a RouterOS model; unknown models get a plausible set for their role."""
    if model in _ROUTEROS:
        return _ROUTEROS[model]
    if role == "ap":
        return Hardware(("ether1", "ether2"), ("wifi1", "wifi2"))
    count = 24 if role == "switch" else 5
    match = re.search(r"(\d+)", model)
    if match and 4 <= int(match.group(1)) <= 52 and role == "switch":
        count = int(match.group(1))
    return Hardware(tuple(f"ether{i}" for i in range(1, count + 1)))


def ios_hardware(model: str) -> Hardware:
    """Ports of a Catalyst model: `C1000-24P-4G-L` has Gi1/0/1-24 plus 4 uplinks Gi1/0/25-28."""
    match = re.match(r"^[A-Z]*\d+-(\d+)[A-Z]*-(\d+)[A-Z]", model)
    access, uplinks = (int(match.group(1)), int(match.group(2))) if match else (24, 4)
    ports = tuple(f"GigabitEthernet1/0/{i}" for i in range(1, access + 1))
    ups = tuple(f"GigabitEthernet1/0/{i}" for i in range(access + 1, access + uplinks + 1))
    return Hardware(ports, (), ups)
