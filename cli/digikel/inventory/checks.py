"""Checks that span fields and sites: the address plan, duplicates, counts, the official list."""

from __future__ import annotations

from collections import defaultdict
from ipaddress import IPv4Network, ip_address
from itertools import pairwise
from typing import Any

from digikel.errors import Problem
from digikel.inventory.addressing import ROLE_PLACEMENT
from digikel.inventory.model import Site
from digikel.inventory.schema import CityFile, EnvironmentFile, Package, SiteEntry
from digikel.inventory.yamlfile import line_of

# How many of each device a site may have: bounded by the address plan (host numbers in the
# segment) and by what an office can hold.
COUNT_LIMITS = {
    "switch": (1, 4),  # mgmt .2-.5, below the APs at .11
    "ap": (0, 8),
    "counter": (1, 40),
    "display": (1, 8),
    "printer": (0, 8),
}
PACKAGE_ROLE = {
    "router": "router",
    "switches": "switch",
    "access_points": "ap",
    "counters": "counter",
    "displays": "display",
    "printers": "printer",
}


def _hub_endpoint_problem(endpoint: str, city_range: IPv4Network) -> str | None:
    """The hub must be reachable before the tunnel is up: an IP address (a name would need the
    resolver, and the routers' resolver is the DC's DNS, reachable only through the tunnel)
    outside the city range (which is routed into the tunnel), with a port."""
    host, sep, port = endpoint.rpartition(":")
    if not sep or not port.isdigit() or not 1 <= int(port) <= 65535:
        return f"expected ADDRESS:PORT, got {endpoint!r}"
    try:
        address = ip_address(host)
    except ValueError:
        return (
            f"{host!r} is not an IP address: a router resolves names only through the DC's DNS, "
            "which it reaches through this very tunnel; write the hub's public address"
        )
    if address in city_range:
        return f"{address} lies inside the city range {city_range}, which the tunnel carries"
    return None


def check_city(city: CityFile, file: str, data: Any) -> list[Problem]:
    """The address plan and the standard package must make sense before any site is expanded."""
    problems: list[Problem] = []

    def problem(loc: tuple[Any, ...], message: str) -> None:
        problems.append(Problem(file, " -> ".join(map(str, loc)), message, line_of(data, loc)))

    address_plan, dc = city.address_plan, city.datacentre
    block_size = 2 ** (32 - address_plan.site_prefix)
    seen: dict[str, IPv4Network] = {}
    vlans: dict[int, str] = {}
    for name, spec in address_plan.segments.items():
        loc = ("address_plan", "segments", name)
        first = spec.offset * 256
        size = 2 ** (32 - spec.prefix)
        if first % size:
            problem(loc, f"offset {spec.offset} does not start a /{spec.prefix} boundary")
            continue
        if first + size > block_size:
            problem(
                loc,
                f"a /{spec.prefix} at offset {spec.offset} does not fit in a "
                f"/{address_plan.site_prefix} site block",
            )
            continue
        network = IPv4Network((first, spec.prefix))
        for other, other_net in seen.items():
            if network.overlaps(other_net):
                problem(loc, f"overlaps segment {other!r}")
        seen[name] = network
        if spec.vlan in vlans:
            problem(
                (*loc, "vlan"), f"VLAN {spec.vlan} is already used by segment {vlans[spec.vlan]!r}"
            )
        vlans[spec.vlan] = name
    for needed in ("mgmt", "counters", "displays", "printers", "staff_wifi", "public_wifi"):
        if needed not in address_plan.segments:
            problem(("address_plan", "segments"), f"missing segment {needed!r}")

    if not dc.range.subnet_of(address_plan.city_range):
        problem(
            ("datacentre", "range"),
            f"{dc.range} lies outside the city range {address_plan.city_range}",
        )
    for key in ("servers", "transit"):
        if not getattr(dc, key).subnet_of(dc.range):
            problem(
                ("datacentre", key),
                f"{getattr(dc, key)} lies outside the data-centre range {dc.range}",
            )
    for i, net in enumerate(dc.opd_networks):
        if not net.subnet_of(dc.range):
            problem(
                ("datacentre", "opd_networks", i),
                f"{net} lies outside the data-centre range {dc.range}",
            )
    if dc.portal not in dc.servers:
        problem(("datacentre", "portal"), f"{dc.portal} is not in the servers network {dc.servers}")
    hub_problem = _hub_endpoint_problem(dc.hub_endpoint, address_plan.city_range)
    if hub_problem:
        problem(("datacentre", "hub_endpoint"), hub_problem)
    if (
        address_plan.sites_start not in address_plan.city_range
        or address_plan.sites_start in dc.range
    ):
        problem(
            ("address_plan", "sites_start"),
            "expected an address inside the city range and outside the data-centre range",
        )
    elif int(address_plan.sites_start) % block_size:
        problem(
            ("address_plan", "sites_start"),
            f"expected the first address of a /{address_plan.site_prefix} block, "
            f"got {address_plan.sites_start}",
        )

    unset = False
    for kind in Package.model_fields:
        part = getattr(city.standard_package, kind).model_dump()
        for key, value in part.items():
            if value is None and not (kind == "displays" and key in ("info",)):
                problem(("standard_package", kind), f"the standard package must set {key!r}")
                unset = True
    if not unset and not problems:  # the segments are sound: the package must fit in them
        for key, message in count_problems(city, package_counts(city.standard_package)):
            problem(("standard_package", key), message)
    return problems


def package_counts(package: Package) -> dict[str, int]:
    """How many devices of each role a site's (merged) package asks for."""
    displays = package.displays
    return {
        "router": 1,
        "switch": package.switches.count or 0,
        "ap": package.access_points.count or 0,
        "counter": package.counters.count or 0,
        "display": (displays.queue or 0) + (displays.info or 0),
        "printer": package.printers.count or 0,
    }


def check_site_plan(
    city: CityFile, env: EnvironmentFile, entry: SiteEntry, package: Package
) -> list[tuple[str, str]]:
    """What keeps one site from being expanded, as (field, message): every range that the
    address arithmetic of addressing.py relies on, checked before any of it runs, so a huge or
    impossible number is a problem in the file and never an error inside ipaddress."""
    found: list[tuple[str, str]] = []
    address_plan, dc = city.address_plan, city.datacentre
    city_range, prefix = address_plan.city_range, address_plan.site_prefix
    size = 2 ** (32 - prefix)
    number = entry.number
    counts = package_counts(package)
    # Every limit on the number, the tightest first; one message is enough for one number.
    number_problems: list[str] = []
    if entry.block is not None:
        if entry.block.prefixlen != prefix:
            found.append(("block", f"expected a /{prefix} block, got {entry.block}"))
        elif not entry.block.subnet_of(city_range):
            found.append(("block", f"{entry.block} lies outside the city range {city_range}"))
    else:
        room = (int(city_range.broadcast_address) + 1 - int(address_plan.sites_start)) // size
        if number > room:
            number_problems.append(
                f"site number {number} has no /{prefix} block left in the city range "
                f"{city_range}: blocks from {address_plan.sites_start} hold sites 1 to {room}"
            )
    if number + 1 >= dc.transit.num_addresses - 2:  # hub takes .1, broadcast at the end
        number_problems.append(
            f"site number {number} has no WireGuard address left in {dc.transit}"
        )
    if env.environment == "lab":
        lab = env.lab_network_prefix
        if (number + 1) * 256 > lab.num_addresses:
            number_problems.append(
                f"site number {number} has no lab address in {lab}: the lab simulates "
                f"site n at {lab.network_address} + n x 256"
            )
        top_port = env.lab_printer_port_base + 100 * number + 255
        if counts["printer"] and top_port > 65535:
            number_problems.append(
                f"site number {number} puts its lab printers above port 65535: they listen "
                f"at {env.lab_printer_port_base} + 100 x {number} + their last octet"
            )
    found += [("number", message) for message in number_problems[:1]]
    found += [(f"devices -> {key}", message) for key, message in count_problems(city, counts)]
    return found


def count_problems(city: CityFile, counts: dict[str, int]) -> list[tuple[str, str]]:
    """(package key, message) for each role whose count is impossible or does not fit in the
    host numbers of its segment (the addresses would spill into the next segment)."""
    found: list[tuple[str, str]] = []
    for role, (low, high) in COUNT_LIMITS.items():
        key = _package_key(role)
        if not low <= counts[role] <= high:
            found.append(
                (key, f"{counts[role]} {role} device(s) is impossible: expected {low} to {high}")
            )
            continue
        _, segment_name, first = ROLE_PLACEMENT[role]
        spec = city.address_plan.segments.get(segment_name)
        last = first + counts[role] - 1
        if spec is not None and counts[role] and last > 2 ** (32 - spec.prefix) - 2:
            found.append(
                (
                    key,
                    f"{counts[role]} {role} device(s) from host .{first} need host .{last}, "
                    f"beyond the /{spec.prefix} {segment_name} segment",
                )
            )
    return found


def check_sites(
    city: CityFile,
    sites: list[Site],
    overrides: dict[str, Package],
    app_ids: list[str],
    reference: dict[str, set[str]] | None,
    file: str,
    lines: dict[tuple[str, str], int | None],
) -> list[Problem]:
    problems: list[Problem] = []

    def problem(site: Site, field: str, message: str) -> None:
        place = f"kecamatan {site.kecamatan!r} -> kelurahan {site.name!r}"
        problems.append(
            Problem(
                file,
                f"{place} -> {field}" if field else place,
                message,
                lines.get((site.kecamatan, site.name)),
            )
        )

    address_plan, dc = city.address_plan, city.datacentre
    # The block's size and range and the number's room were checked before the site was expanded
    # (check_site_plan); what is left spans sites or needs the expanded site.
    for site in sites:
        if site.wave not in city.waves:
            problem(
                site,
                "wave",
                f"unknown wave {site.wave!r}; expected one of: {', '.join(city.waves)}",
            )
        if site.block.overlaps(dc.range):
            problem(site, "block", f"{site.block} overlaps the data-centre range {dc.range}")
        if site.uplink.address and site.uplink.address.network.overlaps(address_plan.city_range):
            problem(
                site,
                "uplink -> address",
                f"the ISP address {site.uplink.address} lies inside the city range",
            )
        if (
            site.uplink.gateway
            and site.uplink.address
            and site.uplink.gateway not in site.uplink.address.network
        ):
            problem(
                site,
                "uplink -> gateway",
                f"{site.uplink.gateway} is not in the uplink network {site.uplink.address.network}",
            )
        for app_id in site.hidden_applications:
            if app_id not in app_ids:
                problem(site, "hide_applications", f"unknown application {app_id!r}")
        _check_devices(city, site, overrides.get(site.name), problem)

    _check_unique(sites, problem)
    _check_blocks(sites, problem)
    if reference is not None:
        problems += _check_reference(sites, reference, file, lines)
    return problems


def _check_devices(city: CityFile, site: Site, override: Package | None, problem: Any) -> None:
    counts: dict[str, int] = defaultdict(int)
    for device in site.devices:
        counts[device.role] += 1
    checked: set[str] = set()
    for device in site.devices:
        if device.role in checked:
            continue
        checked.add(device.role)
        key = _package_key(device.role)
        spec = city.models.get(device.model)
        if spec is None:
            problem(
                site,
                f"devices -> {key} -> model",
                f"unknown model {device.model!r}; expected one of the models of city.yml: "
                + ", ".join(m for m, s in city.models.items() if s.role == device.role),
            )
        elif spec.role != device.role:
            problem(
                site,
                f"devices -> {key} -> model",
                f"{device.model!r} is a {spec.role} model, not a {device.role}",
            )
    ports = sum(
        (city.models[d.model].access_ports or 0)
        for d in site.devices
        if d.role == "switch" and d.model in city.models
    )
    wired = counts["counter"] + counts["display"] + counts["printer"] + counts["ap"]
    if counts["switch"] and ports and wired > ports:
        problem(
            site,
            "devices",
            f"{wired} wired devices need more access ports than the switches have ({ports})",
        )


def _package_key(role: str) -> str:
    return next(k for k, v in PACKAGE_ROLE.items() if v == role)


def _check_unique(sites: list[Site], problem: Any) -> None:
    """Numbers, slugs, host names and addresses are unique city-wide.

    A clash of host names or addresses is reported once per pair of sites (with examples),
    not once per device: one typo should produce one message.
    """
    keys: dict[str, tuple[str, Any]] = {
        "number": ("number", lambda s: [s.number]),
        "slug": ("slug", lambda s: [s.slug]),
        "host name": ("devices", lambda s: [d.name for d in s.devices]),
        "address": ("devices", lambda s: [d.address for d in s.devices]),
    }
    for what, (field, values_of) in keys.items():
        owner: dict[Any, Site] = {}
        clashes: dict[tuple[int, int], list[str]] = defaultdict(list)
        pairs: dict[tuple[int, int], tuple[Site, Site]] = {}
        for site in sites:
            for value in values_of(site):
                first = owner.setdefault(value, site)
                if first is not site:
                    pair = (id(site), id(first))
                    clashes[pair].append(str(value))
                    pairs[pair] = (site, first)
        for pair, values in clashes.items():
            site, first = pairs[pair]
            shown_values = ", ".join(repr(v) for v in values[:3])
            more = f" and {len(values) - 3} more" if len(values) > 3 else ""
            noun = what if len(values) == 1 else ("addresses" if what == "address" else what + "s")
            problem(
                site,
                field,
                f"duplicate {noun} {shown_values}{more}, already used by "
                f"kelurahan {first.name!r} ({first.kecamatan})",
            )


def _check_blocks(sites: list[Site], problem: Any) -> None:
    # Sorting by start address makes overlap a neighbour check instead of all pairs.
    ordered = sorted(sites, key=lambda s: (int(s.block.network_address), -s.block.prefixlen))
    for previous, current in pairwise(ordered):
        if current.block.overlaps(previous.block) and current.number != previous.number:
            problem(
                current,
                "block",
                f"{current.block} overlaps the block {previous.block} of kelurahan "
                f"{previous.name!r} ({previous.kecamatan})",
            )


def _check_reference(
    sites: list[Site],
    reference: dict[str, set[str]],
    file: str,
    lines: dict[tuple[str, str], int | None],
) -> list[Problem]:
    problems: list[Problem] = []
    home = {name: kec for kec, names in reference.items() for name in names}
    present = set(lines)  # every entry of the file, valid or not
    for site in sites:
        place = f"kecamatan {site.kecamatan!r} -> kelurahan {site.name!r}"
        line = lines.get((site.kecamatan, site.name))
        if site.kecamatan not in reference:
            problems.append(
                Problem(
                    file,
                    f"kecamatan {site.kecamatan!r}",
                    "unknown kecamatan; expected one of: " + ", ".join(sorted(reference)),
                    line,
                )
            )
        elif site.name not in reference[site.kecamatan]:
            where = (
                f"it belongs to kecamatan {home[site.name]!r}"
                if site.name in home
                else "no such kelurahan in the official list"
            )
            problems.append(
                Problem(file, place, f"not a kelurahan of {site.kecamatan}: {where}", line)
            )
    for kecamatan, names in sorted(reference.items()):
        for name in sorted(names):
            if (kecamatan, name) not in present and not any(n == name for _, n in present):
                problems.append(
                    Problem(
                        file,
                        f"kecamatan {kecamatan!r}",
                        f"kelurahan {name!r} of the official list is missing",
                    )
                )
    return problems
