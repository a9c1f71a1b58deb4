"""Read, validate and expand the inventory: files -> checked schema -> sites and devices.

Every problem is collected (never only the first) so an operator fixes a file in one pass.
"""

from __future__ import annotations

import csv
from dataclasses import replace
from ipaddress import IPv4Address
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

from digikel.errors import InventoryError, Problem
from digikel.inventory import addressing as plan
from digikel.inventory.checks import check_city, check_site_plan, check_sites
from digikel.inventory.macs import MacRecord, macs_path, read_macs
from digikel.inventory.model import Device, Inventory, Site, slugify
from digikel.inventory.problems import dotted, from_validation_error, site_place
from digikel.inventory.schema import (
    ApplicationsFile,
    CityFile,
    EnvironmentFile,
    Package,
    SiteEntry,
)
from digikel.inventory.yamlfile import line_of, load_yaml

_site_entry = TypeAdapter(SiteEntry)
M = TypeVar("M", bound=BaseModel)


def shown(path: Path) -> str:
    """A path as the operator typed it: relative to the working folder when it lies below it."""
    here = Path.cwd()
    return str(path.relative_to(here)) if path.is_relative_to(here) else str(path)


def load_inventory(env_file: Path | str) -> Inventory:
    """The validated inventory of one environment; InventoryError lists every problem."""
    inventory, problems = build_inventory(Path(env_file))
    if problems or inventory is None:
        raise InventoryError(problems)
    return inventory


def _validated(model: type[M], data: Any, file: str, problems: list[Problem]) -> M | None:
    if data is None:
        return None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems.extend(from_validation_error(exc, model, data, file, dotted))
        return None


def build_inventory(env_file: Path) -> tuple[Inventory | None, list[Problem]]:
    """The inventory (None when it cannot be built) and every problem found on the way."""
    problems: list[Problem] = []
    env_data, found = load_yaml(env_file, shown(env_file))
    problems += found
    env = _validated(EnvironmentFile, env_data, shown(env_file), problems)
    if env is None:
        return None, problems
    base = env_file.parent

    city_path = (base / env.city).resolve()
    city_data, found = load_yaml(city_path, shown(city_path))
    problems += found
    city = _validated(CityFile, city_data, shown(city_path), problems)

    apps_path = (base / env.applications).resolve()
    apps_data, found = load_yaml(apps_path, shown(apps_path))
    problems += found
    apps = _validated(ApplicationsFile, apps_data, shown(apps_path), problems)

    sites_path = (base / env.sites).resolve()
    sites_data, found = load_yaml(sites_path, shown(sites_path))
    problems += found
    entry_lines: dict[tuple[str, str], int | None] = {}
    entries = _site_entries(sites_data, shown(sites_path), problems, entry_lines)

    reference: dict[str, set[str]] | None = None
    if env.reference is not None:
        reference = _read_reference((base / env.reference).resolve(), problems)

    if city is None or apps is None or entries is None:
        return None, problems
    city_problems = check_city(city, shown(city_path), city_data)
    problems += city_problems
    if city_problems:
        # The plan itself is wrong: expanding sites from it would only multiply the messages.
        return None, problems

    sites = []
    skipped: set[str] = set()  # slugs of the sites that could not be expanded
    for (kecamatan, name), (entry, line) in entries.items():
        package = _merged(city, entry.devices)
        plan_problems = check_site_plan(city, env, entry, package)
        if plan_problems:  # expanding it would compute addresses from numbers out of range
            place = site_place(("kecamatan", kecamatan, name))
            problems += [
                Problem(shown(sites_path), f"{place} -> {field}", message, line)
                for field, message in plan_problems
            ]
            skipped.add(entry.slug or slugify(name))
            continue
        sites.append(_expand_site(city, env, kecamatan, name, entry, package))
    app_ids = [a.id for a in apps.applications]
    lines = dict(entry_lines)
    problems += check_sites(
        city, sites, entries_overrides(entries), app_ids, reference, shown(sites_path), lines
    )
    problems += _duplicate_app_ids(app_ids, shown(apps_path), apps_data)
    macs_file = macs_path(env_file, env.macs)
    roles = {d.name: d.role for site in sites for d in site.devices}
    records, found = read_macs(macs_file, shown(macs_file), roles)
    # The hosts of a site that was not expanded are unknown only because of its own problem.
    problems += [
        p for p in found if not any(p.place.startswith(f"macs -> {slug}-") for slug in skipped)
    ]
    if records:
        sites = [_with_macs(site, records) for site in sites]
    sites.sort(key=lambda s: s.number)
    inventory = Inventory(
        environment=env.environment,
        env_file=env_file.resolve(),
        city=city,
        sites=sites,
        applications=list(apps.applications),
        known_hosts_path=(base / env.known_hosts).resolve(),
        portal=_portal(city, env),
        macs_path=macs_file,
        endpoint_known_hosts_path=(
            (base / env.endpoint_known_hosts).resolve() if env.endpoint_known_hosts else None
        ),
    )
    return inventory, problems


def _with_macs(site: Site, records: dict[str, MacRecord]) -> Site:
    devices = tuple(
        replace(d, mac=records[d.name].mac) if d.name in records else d for d in site.devices
    )
    return replace(site, devices=devices)


def entries_overrides(
    entries: dict[tuple[str, str], tuple[SiteEntry, int | None]],
) -> dict[str, Package]:
    return {name: entry.devices for (_, name), (entry, _) in entries.items()}


def _site_entries(
    data: Any, file: str, problems: list[Problem], lines: dict[tuple[str, str], int | None]
) -> dict[tuple[str, str], tuple[SiteEntry, int | None]] | None:
    """Each kelurahan entry validated on its own, so one bad site does not hide the others."""
    if data is None:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("kecamatan"), dict):
        problems.append(
            Problem(
                file,
                "",
                "expected a mapping with key 'kecamatan': {kecamatan: {kelurahan: ...}}",
                line_of(data, ("kecamatan",)),
            )
        )
        return None
    for key in data:
        if key != "kecamatan":
            problems.append(
                Problem(
                    file, str(key), "unknown key; expected only 'kecamatan'", line_of(data, (key,))
                )
            )
    entries: dict[tuple[str, str], tuple[SiteEntry, int | None]] = {}
    for kecamatan, kelurahan in data["kecamatan"].items():
        loc: tuple[Any, ...] = ("kecamatan", kecamatan)
        if not isinstance(kelurahan, dict) or not kelurahan:
            problems.append(
                Problem(
                    file,
                    site_place(loc),
                    "expected a mapping of kelurahan names to their entries",
                    line_of(data, loc),
                )
            )
            continue
        for name, raw in kelurahan.items():
            lines[(str(kecamatan), str(name))] = line_of(data, (*loc, name))
            try:
                entry = _site_entry.validate_python(raw if raw is not None else {})
            except ValidationError as exc:
                problems.extend(
                    from_validation_error(exc, SiteEntry, data, file, site_place, (*loc, name))
                )
                continue
            entries[(str(kecamatan), str(name))] = (entry, lines[(str(kecamatan), str(name))])
    return entries


def _read_reference(path: Path, problems: list[Problem]) -> dict[str, set[str]] | None:
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as exc:
        problems.append(Problem(shown(path), "", f"the reference list cannot be read: {exc}"))
        return None
    reference: dict[str, set[str]] = {}
    for row in rows:
        if not row.get("kecamatan") or not row.get("kelurahan"):
            problems.append(Problem(shown(path), "", "expected columns 'kecamatan,kelurahan'"))
            return None
        reference.setdefault(row["kecamatan"], set()).add(row["kelurahan"])
    return reference


def _merged(city: CityFile, override: Package) -> Package:
    """The site's package: the standard one with the site's overrides laid over it."""
    merged: dict[str, Any] = {}
    for kind in Package.model_fields:
        standard = getattr(city.standard_package, kind).model_dump()
        changes = getattr(override, kind).model_dump(exclude_none=True)
        merged[kind] = {**standard, **changes}
    return Package.model_validate(merged)


def _expand_site(
    city: CityFile,
    env: EnvironmentFile,
    kecamatan: str,
    name: str,
    entry: SiteEntry,
    package: Package,
) -> Site:
    address_plan = city.address_plan
    slug = entry.slug or slugify(name)
    block = entry.block or plan.site_block(
        address_plan.sites_start, address_plan.site_prefix, entry.number
    )
    segments = plan.site_segments(block, address_plan.segments)
    wanted: list[tuple[str, int, str | None, str | None]] = [
        ("router", 1, None, package.router.model)
    ]
    for role, counted in (
        ("switch", package.switches),
        ("ap", package.access_points),
        ("counter", package.counters),
    ):
        wanted += [(role, i, None, counted.model) for i in range(1, (counted.count or 0) + 1)]
    queue, info = package.displays.queue or 0, package.displays.info or 0
    wanted += [
        ("display", i, "queue" if i <= queue else "info", package.displays.model)
        for i in range(1, queue + info + 1)
    ]
    count = package.printers.count or 0
    wanted += [("printer", i, None, package.printers.model) for i in range(1, count + 1)]
    devices = tuple(
        _device(city, env, entry.number, slug, segments, role, index, kind, model or "")
        for role, index, kind, model in wanted
    )
    return Site(
        number=entry.number,
        slug=slug,
        name=name,
        kecamatan=kecamatan,
        wave=entry.wave,
        block=block,
        segments=segments,
        uplink=entry.uplink,
        physical_works=entry.physical_works,
        devices=devices,
        tunnel_address=plan.tunnel_address(city.datacentre.transit, entry.number),
        hidden_applications=tuple(entry.hide_applications),
    )


def _device(
    city: CityFile,
    env: EnvironmentFile,
    number: int,
    slug: str,
    segments: dict[str, plan.Segment],
    role: str,
    index: int,
    kind: str | None,
    model: str,
) -> Device:
    _, segment_name, _ = plan.ROLE_PLACEMENT[role]
    segment = segments.get(segment_name)
    address = plan.device_address(segment, role, index) if segment else IPv4Address(0)
    spec = city.models.get(model)
    platform = spec.platform if spec else "unknown"
    host, port = _connect(env, role, number, address)
    return Device(
        name=plan.device_name(slug, role, index),
        role=role,
        platform=platform,
        model=model,
        index=index,
        address=address,
        segment=segment_name,
        site=slug,
        connect_host=host,
        connect_port=port,
        kind=kind,
    )


def _connect(env: EnvironmentFile, role: str, number: int, address: IPv4Address) -> tuple[str, int]:
    """Where digikel reaches a device in this environment."""
    if env.environment == "production":
        return str(address), 631 if role == "printer" else 22
    last_octet = int(address) & 0xFF
    if role in ("router", "switch", "ap"):
        return str(plan.lab_address(env.lab_network_prefix, number, last_octet)), env.lab_ssh_port
    if role == "printer":
        # ippeveprinter cannot listen on one 127.x address (it wants IPv4 and IPv6 of a name),
        # so lab printers share localhost and differ by port: 1SSOO = site SS, octet OO.
        return "127.0.0.1", plan.lab_printer_port(env.lab_printer_port_base, number, last_octet)
    # Counters and displays: a podman container running sshd, published at 127.67.S.O. A counter
    # and a display share their last octet (one per VLAN), so displays answer on the next port.
    endpoint = plan.lab_address(env.lab_endpoint_prefix, number, last_octet)
    return str(endpoint), env.lab_endpoint_ssh_port + (1 if role == "display" else 0)


def _portal(city: CityFile, env: EnvironmentFile) -> Device:
    name = "dc-portal01"
    lab = env.environment == "lab"
    return Device(
        name=name,
        role="portal",
        platform="debian12",
        model="server",
        index=1,
        address=city.datacentre.portal,
        segment="datacentre",
        site="",
        connect_host=(
            str(plan.lab_address(env.lab_endpoint_prefix, 0, int(city.datacentre.portal) & 0xFF))
            if lab
            else str(city.datacentre.portal)
        ),
        connect_port=env.lab_endpoint_ssh_port if lab else 22,
    )


def _duplicate_app_ids(ids: list[str], file: str, data: Any) -> list[Problem]:
    seen: set[str] = set()
    problems = []
    for i, app_id in enumerate(ids):
        if app_id in seen:
            problems.append(
                Problem(
                    file,
                    f"applications -> [{i}] -> id",
                    f"duplicate application id {app_id!r}",
                    line_of(data, ("applications", i, "id")),
                )
            )
        seen.add(app_id)
    return problems
