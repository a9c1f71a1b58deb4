"""The site's intended traffic policy as data, the router firewall rendered from it, and a check.

`POLICY` is the table (docs/network.md, "Traffic policy"): who may open a connection to what, on
which service. Everything not in it is dropped; replies of an allowed connection pass
(established/related). `filter_rules(hostvars)` turns the rows into the router's
`/ip firewall filter` rules, in the order templates/routeros/router.rsc.j2 writes them between
its fixed head (established, invalid) and its final drops.

`evaluate(config, flow)` is the check: a small first-match evaluator of RouterOS `input` and
`forward` chains over a rendered configuration (parsed by `routeros_config.parse`). No library
evaluates RouterOS rules, so this one is ours; it follows MikroTik's manual, "Firewall > Filter":
rules of a chain are read in order, the first whose every matcher matches decides (`accept`,
`drop`, `reject`, `tarpit`), `passthrough`/`log`/`fasttrack-connection` go on to the next rule,
and a packet that reaches the end of a chain is accepted. A matcher it does not know is an
error, never a guess. `expected(flow)` is what the table says; the unit tests compare the two for
a grid of flows at every site (tests/unit/network/test_policy.py).
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from digikel.network import plan
from digikel.network.routeros_config import Config, Item

# Zones. A segment name (mgmt, counters, ...) is that VLAN; the others:
LAN = "lan"  # every segment but public Wi-Fi (the router's interface list LAN)
DATACENTRE = "datacentre"  # the DC networks and the hub transit, over the tunnel
PORTAL, DNS, NTP, MONITORING = "portal", "dns", "ntp", "monitoring"  # DC hosts
INTERNET = "internet"  # out of (or in from) the ISP uplink
ROUTER = "router"  # the router itself (chain input)
ANYWHERE = "anywhere"  # any source, any interface
DC_HOSTS = (PORTAL, DNS, NTP, MONITORING)
PUBLIC = "public_wifi"


@dataclass(frozen=True)
class Service:
    protocol: str  # tcp | udp | icmp | any
    ports: tuple[int, ...] = ()  # destination ports; none = every port

    @property
    def label(self) -> str:
        if self.protocol == "any":
            return "any"
        if not self.ports:
            return self.protocol
        return f"{','.join(str(p) for p in self.ports)}/{self.protocol}"


ANY = Service("any")
ICMP = Service("icmp")


def tcp(*ports: int) -> Service:
    return Service("tcp", ports)


def udp(*ports: int) -> Service:
    return Service("udp", ports)


@dataclass(frozen=True)
class Row:
    """May `sources` open connections to `target` on `services`? Yes, and why."""

    name: str  # short, unique: the firewall rules' comments are built from it
    sources: tuple[str, ...]
    target: str
    services: tuple[Service, ...]
    why: str


POLICY: tuple[Row, ...] = (
    # --- to the router itself (chain input) ---
    Row("icmp", (ANYWHERE,), ROUTER, (ICMP,), "ping and path-MTU discovery"),
    Row(
        "management",
        (DATACENTRE,),
        ROUTER,
        (tcp(22, 8291), udp(161)),
        "digikel (SSH), Winbox as /ip service allows, SNMP polling",
    ),
    Row(
        "dns and dhcp",
        (LAN, PUBLIC),
        ROUTER,
        (udp(53, 67), tcp(53)),
        "DHCP, and DNS for public Wi-Fi, which gets the router as resolver",
    ),
    # --- through the router (chain forward) ---
    Row("printing", ("counters",), "printers", (tcp(631),), "print queues (IPP)"),
    Row(
        "applications",
        ("counters", "displays"),
        DATACENTRE,
        (ANY,),
        "the portal, the queue and the OPD applications",
    ),
    Row("staff portal", ("staff_wifi",), PORTAL, (tcp(80, 443),), "staff use the portal"),
    Row(
        "name service",
        ("mgmt", "printers", "staff_wifi"),
        DNS,
        (udp(53), tcp(53)),
        "their DHCP/static resolver is the hub's DNS",
    ),
    Row("time", ("mgmt", "printers", "staff_wifi"), NTP, (udp(123),), "their NTP is the hub's"),
    Row("snmp traps", ("mgmt",), MONITORING, (udp(162),), "switch and AP traps"),
    Row(
        "internet",
        ("counters", "displays", "staff_wifi", PUBLIC),
        INTERNET,
        (ANY,),
        "web, updates; public Wi-Fi reaches the internet only",
    ),
    Row(
        "manage devices",
        (DATACENTRE,),
        "mgmt",
        (tcp(22, 8291), udp(161), ICMP),
        "switches and APs: SSH, Winbox, SNMP, ping",
    ),
    Row(
        "manage endpoints",
        (DATACENTRE,),
        "counters",
        (tcp(22), ICMP),
        "Ansible (SSH), ping",
    ),
    Row("manage displays", (DATACENTRE,), "displays", (tcp(22), ICMP), "Ansible (SSH), ping"),
    Row(
        "metrics",
        (MONITORING,),
        "counters",
        (tcp(9100),),
        "node exporter (baseline_node_exporter_port)",
    ),
    Row("display metrics", (MONITORING,), "displays", (tcp(9100),), "node exporter"),
    Row(
        "manage printers",
        (DATACENTRE,),
        "printers",
        (tcp(631), udp(161), ICMP),
        "IPP checks, SNMP, ping",
    ),
)


# --- rendering --------------------------------------------------------------------------------


def _address_lists(hub: dict[str, Any]) -> dict[str, list[str]]:
    return {
        PORTAL: [hub["portal_address"]],
        DNS: list(hub["dns"]),
        NTP: list(hub["ntp"]),
        MONITORING: [hub["monitoring"]],
    }


def address_lists(hostvars: dict[str, Any]) -> list[dict[str, str]]:
    """`/ip firewall address-list` entries for the DC hosts the table names (list `dc-<zone>`)."""
    out = []
    for zone, addresses in _address_lists(hostvars["digikel_hub"]).items():
        for address in addresses:
            out.append(
                {"address": address, "comment": f"dc {zone} {address}", "list": f"dc-{zone}"}
            )
    return out


def _source_match(zone: str, segments: dict[str, Any]) -> dict[str, str]:
    if zone == ANYWHERE:
        return {}
    if zone == LAN:
        return {"in-interface-list": "LAN"}
    if zone == DATACENTRE:
        return {"in-interface": "wg-hub", "src-address-list": "datacentre"}
    if zone in DC_HOSTS:
        return {"in-interface": "wg-hub", "src-address-list": f"dc-{zone}"}
    if zone == INTERNET:
        return {"in-interface-list": "WAN"}
    return {"in-interface": plan.vlan_interface(zone, segments[zone]["vlan"])}


def _target_match(zone: str, segments: dict[str, Any]) -> dict[str, str]:
    if zone == ROUTER:
        return {}
    if zone == DATACENTRE:
        return {"out-interface": "wg-hub", "dst-address-list": "datacentre"}
    if zone in DC_HOSTS:
        return {"out-interface": "wg-hub", "dst-address-list": f"dc-{zone}"}
    if zone == INTERNET:
        return {"out-interface-list": "WAN"}
    return {"out-interface": plan.vlan_interface(zone, segments[zone]["vlan"])}


def filter_rules(hostvars: dict[str, Any], chain: str) -> list[dict[str, str]]:
    """The accept rules of `chain` (input | forward), one per row, source and service."""
    segments = hostvars["digikel_segments"]
    rules: list[dict[str, str]] = []
    prefix = "in" if chain == "input" else "fwd"
    for row in POLICY:
        if (row.target == ROUTER) != (chain == "input"):
            continue
        for source in row.sources:
            for service in row.services:
                rule = {"action": "accept", "chain": chain}
                rule.update(_source_match(source, segments))
                rule.update(_target_match(row.target, segments))
                if service.protocol != "any":
                    rule["protocol"] = service.protocol
                if service.ports:
                    rule["dst-port"] = ",".join(str(p) for p in service.ports)
                # "in: management from datacentre (22,8291/tcp)",
                # "fwd: printing from counters to printers (631/tcp)"
                comment = f"{prefix}: {row.name}"
                if source != ANYWHERE:
                    comment += f" from {source}"
                if row.target != ROUTER:
                    comment += f" to {row.target}"
                rule["comment"] = f"{comment} ({service.label})"
                rules.append(dict(sorted(rule.items())))
    return rules


# --- the expected decision ---------------------------------------------------------------------


@dataclass(frozen=True)
class Flow:
    """The first packet of a connection: where it comes from and goes to."""

    source: str  # zone
    src: str  # address
    target: str  # zone
    dst: str  # address
    protocol: str  # tcp | udp | icmp
    port: int | None = None

    def __str__(self) -> str:
        service = self.protocol + (f"/{self.port}" if self.port is not None else "")
        return f"{self.source} {self.src} -> {self.target} {self.dst} {service}"


def _expand(zone: str, segments: Iterable[str]) -> set[str]:
    if zone == ANYWHERE:
        return {*segments, DATACENTRE, *DC_HOSTS, INTERNET}
    if zone == LAN:
        return {s for s in segments if s != PUBLIC}
    if zone == DATACENTRE:
        return {DATACENTRE, *DC_HOSTS}  # a DC host is in the DC
    return {zone}


def expected(flow: Flow, segments: Iterable[str]) -> Row | None:
    """The row of the table that allows `flow`, or None: then it must be dropped."""
    names = list(segments)
    for row in POLICY:
        if not any(flow.source in _expand(s, names) for s in row.sources):
            continue
        if flow.target not in _expand(row.target, names):
            continue
        for service in row.services:
            if service.protocol in ("any", flow.protocol) and (
                not service.ports or flow.port in service.ports
            ):
                return row
    return None


PROBE_SERVICES: tuple[tuple[str, int | None], ...] = (
    ("icmp", None),
    *(("tcp", p) for p in (22, 23, 53, 80, 443, 445, 631, 3389, 8291, 9100)),
    *(("udp", p) for p in (53, 67, 123, 161, 162, 500, 51820)),
)


def probe_flows(hostvars: dict[str, Any]) -> Iterator[Flow]:
    """Every zone to every zone on a spread of services: the table's flows and their
    neighbours (a port next door, another protocol, another host of the same network)."""
    segments = hostvars["digikel_segments"]
    hub = hostvars["digikel_hub"]
    hosts: list[tuple[str, str]] = [
        (name, _host(seg["network"], 50)) for name, seg in segments.items()
    ]
    dc = [
        (PORTAL, hub["portal_address"]),
        (DNS, hub["dns"][0]),
        (NTP, hub["ntp"][0]),
        (MONITORING, hub["monitoring"]),
        (DATACENTRE, _host(hub["dc_networks"][0], 30)),  # another DC server
        *((DATACENTRE, _host(net, 5)) for net in hub["dc_networks"][1:]),  # the OPD networks
        (DATACENTRE, hub["hub_tunnel_address"]),
    ]
    internet = [(INTERNET, "203.0.113.7")]
    sources = [*hosts, *dc, *internet]
    for source, src in sources:
        # The router: its address on the source's side.
        if source in segments:
            own = segments[source]["gateway"]
        elif source == INTERNET:
            own = segments["mgmt"]["gateway"]  # any address of the router: input all the same
        else:
            own = hub["site_tunnel_address"].split("/")[0]
        targets = [*hosts, *dc, *internet, (ROUTER, own)]
        for target, dst in targets:
            if target == source or dst == src:
                continue
            if source in (*DC_HOSTS, DATACENTRE) and target in (*DC_HOSTS, DATACENTRE):
                continue  # inside the DC: not the router's business
            for protocol, port in PROBE_SERVICES:
                yield Flow(source, src, target, dst, protocol, port)


def _host(network: str, n: int) -> str:
    return str(ipaddress.ip_network(network).network_address + n)


# --- the evaluator ------------------------------------------------------------------------------


class Unsupported(ValueError):
    """A rule uses a matcher or action the evaluator cannot judge."""


_IGNORED = {"action", "chain", "comment", "disabled", "log", "log-prefix", "hw-offload"}
_GOES_ON = {"passthrough", "log", "fasttrack-connection"}
_STOPS = {"accept": True, "drop": False, "reject": False, "tarpit": False}


@dataclass(frozen=True)
class Packet:
    chain: str
    in_interface: str
    out_interface: str  # "" in input
    src: str
    dst: str
    protocol: str
    port: int | None
    state: str = "new"


class Firewall:
    """The IPv4 filter of one rendered RouterOS configuration, with what it needs to judge a
    packet: interface lists, address lists, the router's own addresses and routes."""

    def __init__(self, config: Config) -> None:
        self.rules = [
            i
            for i in config.menus.get("/ip firewall filter", [])
            if i.args.get("disabled") != "yes"
        ]
        self.lists: dict[str, set[str]] = {}
        for item in config.menus.get("/interface list member", []):
            self.lists.setdefault(item.args["list"], set()).add(item.args["interface"])
        self.address_lists: dict[str, list[ipaddress.IPv4Network]] = {}
        for item in config.menus.get("/ip firewall address-list", []):
            net = ipaddress.IPv4Network(item.args["address"], strict=False)
            self.address_lists.setdefault(item.args["list"], []).append(net)
        self.own: set[ipaddress.IPv4Address] = set()
        self.routes: list[tuple[ipaddress.IPv4Network, str]] = []
        for item in config.menus.get("/ip address", []):
            iface = ipaddress.IPv4Interface(item.args["address"])
            self.own.add(iface.ip)
            self.routes.append((iface.network, item.args["interface"]))
        for item in config.menus.get("/ip route", []):
            gateway = item.args.get("gateway", "")
            if gateway and not gateway[0].isdigit():  # an interface: wg-hub
                net = ipaddress.IPv4Network(item.args["dst-address"])
                self.routes.append((net, gateway))
        self._chains: dict[str, list[tuple[Item, str, list[Any]]]] = {}
        # The default route leaves by the uplink: the WAN list's member.
        wan = sorted(self.lists.get("WAN", set()))
        self.uplink = wan[0] if wan else ""

    def interface_of(self, zone_source: str, hostvars: dict[str, Any]) -> str:
        segments = hostvars["digikel_segments"]
        if zone_source in segments:
            return plan.vlan_interface(zone_source, segments[zone_source]["vlan"])
        if zone_source == INTERNET:
            return self.uplink
        return "wg-hub"

    def route(self, dst: str) -> str:
        address = _address(dst)
        best: tuple[int, str] = (-1, self.uplink)
        for net, iface in self.routes:
            if address in net and net.prefixlen > best[0]:
                best = (net.prefixlen, iface)
        return best[1]

    def packet(self, flow: Flow, hostvars: dict[str, Any]) -> Packet:
        in_interface = self.interface_of(flow.source, hostvars)
        if _address(flow.dst) in self.own:
            return Packet("input", in_interface, "", flow.src, flow.dst, flow.protocol, flow.port)
        out = self.route(flow.dst)
        return Packet("forward", in_interface, out, flow.src, flow.dst, flow.protocol, flow.port)

    def decide(self, packet: Packet) -> tuple[bool, Item | None]:
        """Accepted?, and the rule that decided (None: the end of the chain, accept)."""
        for rule, action, matchers in self._compiled(packet.chain):
            if all(match(packet) for match in matchers) and action in _STOPS:
                return _STOPS[action], rule
        return True, None

    def _compiled(self, chain: str) -> list[tuple[Item, str, list[Any]]]:
        if chain not in self._chains:
            compiled = []
            for rule in self.rules:
                if rule.args.get("chain") != chain:
                    continue
                action = rule.args.get("action", "accept")
                if action not in _STOPS and action not in _GOES_ON:
                    raise Unsupported(f"action {action!r} in {rule.line()}")
                keys = sorted((k for k in rule.args if k not in _IGNORED), key=_cheap_first)
                matchers = [self._matcher(k, rule.args[k], rule) for k in keys]
                compiled.append((rule, action, matchers))
            self._chains[chain] = compiled
        return self._chains[chain]

    def _matcher(self, key: str, want: str, rule: Item) -> Any:
        """A test of one property of a packet; `!value` negates it."""
        negate = want.startswith("!")
        test = self._test(key, want[1:] if negate else want, rule)
        if negate:
            return lambda p: not test(p)
        return test

    def _test(self, key: str, value: str, rule: Item) -> Any:
        if key == "connection-state":
            states = set(value.split(","))
            return lambda p: p.state in states
        if key == "protocol":
            return lambda p: p.protocol == value
        if key == "dst-port":
            if rule.args.get("protocol") not in ("tcp", "udp", "sctp", "udp-lite", "dccp"):
                # RouterOS refuses dst-port without a protocol that has ports.
                raise Unsupported(f"dst-port without a protocol with ports in {rule.line()}")
            return lambda p: p.port is not None and _in_ports(p.port, value)
        if key == "in-interface":
            return lambda p: p.in_interface == value
        if key == "out-interface":
            return lambda p: p.out_interface == value
        if key in ("in-interface-list", "out-interface-list"):
            if "," in value:  # one list per rule: RouterOS takes a single name here
                raise Unsupported(f"{key}={value} names several lists in {rule.line()}")
            members = self.lists.get(value, set())
            everything = value == "all"
            if key == "in-interface-list":
                return lambda p: everything or p.in_interface in members
            return lambda p: everything or p.out_interface in members
        if key in ("src-address", "dst-address"):
            net = _network(value)
            if key == "src-address":
                return lambda p: _address(p.src) in net
            return lambda p: _address(p.dst) in net
        if key in ("src-address-list", "dst-address-list"):
            nets = self.address_lists.get(value, [])
            if key == "src-address-list":
                return lambda p: any(_address(p.src) in n for n in nets)
            return lambda p: any(_address(p.dst) in n for n in nets)
        raise Unsupported(f"matcher {key}= in {rule.line()}")


def _cheap_first(key: str) -> int:
    # Interfaces and protocol decide most rules at once; address lists cost the most.
    order = ("in-interface", "out-interface", "protocol", "connection-state")
    return order.index(key) if key in order else len(order)


@functools.lru_cache(maxsize=4096)
def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    return ipaddress.ip_address(text)


@functools.lru_cache(maxsize=4096)
def _network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    return ipaddress.ip_network(text, strict=False)


def _in_ports(port: int, text: str) -> bool:
    for part in text.split(","):
        low, _, high = part.partition("-")
        if int(low) <= port <= int(high or low):
            return True
    return False
