"""The deterministic address plan: pure functions from a site number to its blocks and hosts.

Documented with a worked example in docs/address-plan.md; keep the two in step.
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network

from digikel.inventory.schema import SegmentSpec

# Where each kind of device sits and which host number its first one takes in that segment.
# The router is .1 of every segment; switches follow it in mgmt; everything else starts at .11.
ROLE_PLACEMENT: dict[str, tuple[str, str, int]] = {
    # role: (name suffix, segment, host number of index 1)
    "router": ("rtr", "mgmt", 1),
    "switch": ("sw", "mgmt", 2),
    "ap": ("ap", "mgmt", 11),
    "counter": ("pc", "counters", 11),
    "display": ("dsp", "displays", 11),
    "printer": ("prn", "printers", 11),
}


@dataclass(frozen=True)
class Segment:
    """One VLAN of a site: its network and the router's address in it (the gateway)."""

    name: str
    vlan: int
    network: IPv4Network

    @property
    def gateway(self) -> IPv4Address:
        return self.network.network_address + 1

    def as_dict(self) -> dict[str, object]:
        return {
            "vlan": self.vlan,
            "network": str(self.network),
            "prefix": self.network.prefixlen,
            "gateway": str(self.gateway),
        }


def site_block(sites_start: IPv4Address, site_prefix: int, number: int) -> IPv4Network:
    """The block of site `number` (1-based): the number-th block of that size from the start."""
    size = 2 ** (32 - site_prefix)
    return IPv4Network((int(sites_start) + (number - 1) * size, site_prefix))


def segment_network(block: IPv4Network, spec: SegmentSpec) -> IPv4Network:
    return IPv4Network((int(block.network_address) + spec.offset * 256, spec.prefix))


def site_segments(block: IPv4Network, specs: dict[str, SegmentSpec]) -> dict[str, Segment]:
    return {
        name: Segment(name, spec.vlan, segment_network(block, spec)) for name, spec in specs.items()
    }


def device_address(segment: Segment, role: str, index: int) -> IPv4Address:
    first = ROLE_PLACEMENT[role][2]
    return segment.network.network_address + first + index - 1


def device_name(slug: str, role: str, index: int) -> str:
    return f"{slug}-{ROLE_PLACEMENT[role][0]}{index:02d}"


def tunnel_address(transit: IPv4Network, number: int) -> IPv4Address:
    """The site's WireGuard address: hub is .1, site n is .(n+1)."""
    return transit.network_address + number + 1


def lab_address(prefix: IPv4Network, number: int, host_octet: int) -> IPv4Address:
    """Where the lab simulates a device: <prefix>.<site number>.<last octet of its plan address>."""
    return prefix.network_address + number * 256 + host_octet


# MikroTik's default configuration answers on 192.168.88.1 (docs/network.md, bootstrap).
FACTORY_ADDRESS = "192.168.88.1"


def lab_factory_address(connect_host: str) -> str:
    """The lab's stand-in for 192.168.88.1 of one device: 127.64.S.O -> 127.65.S.O ("" when
    the device is not simulated at a 127.64 address)."""
    parts = connect_host.split(".")
    if len(parts) != 4 or parts[:2] != ["127", "64"]:
        return ""
    return ".".join(["127", "65", *parts[2:]])


def lab_printer_port(base: int, number: int, host_octet: int) -> int:
    """The lab's IPP port of a printer: base + 100 x site number + last octet of its address."""
    return base + 100 * number + host_octet
