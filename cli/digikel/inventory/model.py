"""The expanded city: sites, their segments and devices, as every part of digikel sees them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path
from typing import Any

from digikel.errors import InputError
from digikel.inventory.addressing import Segment
from digikel.inventory.schema import Application, CityFile, PhysicalWorks, Uplink

NETWORK_ROLES = ("switch", "ap", "router")  # push order inside a site: access first, gateway last
ENDPOINT_ROLES = ("counter", "display")


def snake(text: str) -> str:
    """A group-name-safe form: 'Sungai Kunjang' -> 'sungai_kunjang'."""
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


@dataclass(frozen=True)
class Device:
    name: str
    role: str
    platform: str
    model: str
    index: int
    address: IPv4Address
    segment: str
    site: str
    connect_host: str
    connect_port: int
    kind: str | None = None  # displays: "queue" or "info"
    mac: str | None = None  # counters, displays, printers: recorded at installation (macs.yml)

    @property
    def is_network(self) -> bool:
        return self.role in NETWORK_ROLES

    def as_dict(self) -> dict[str, object]:
        data: dict[str, object] = {
            "name": self.name,
            "role": self.role,
            "platform": self.platform,
            "model": self.model,
            "address": str(self.address),
            "segment": self.segment,
        }
        if self.kind:
            data["kind"] = self.kind
        if self.mac:
            data["mac"] = self.mac
        return data


@dataclass(frozen=True)
class Site:
    number: int
    slug: str
    name: str
    kecamatan: str
    wave: str
    block: IPv4Network
    segments: dict[str, Segment]
    uplink: Uplink
    physical_works: PhysicalWorks
    devices: tuple[Device, ...]
    tunnel_address: IPv4Address
    hidden_applications: tuple[str, ...] = ()

    @property
    def group(self) -> str:
        return f"site_{snake(self.slug)}"

    @property
    def network_devices(self) -> list[Device]:
        """Router, switches and access points, access devices first and the gateway last."""
        return sorted(
            (d for d in self.devices if d.is_network),
            key=lambda d: (NETWORK_ROLES.index(d.role), d.index),
        )

    def devices_of(self, role: str) -> list[Device]:
        return [d for d in self.devices if d.role == role]

    def summary(self) -> dict[str, object]:
        return {
            "number": self.number,
            "slug": self.slug,
            "name": self.name,
            "kecamatan": self.kecamatan,
            "wave": self.wave,
            "block": str(self.block),
            "physical_works": self.physical_works.status,
            "uplink": self.uplink.type,
            "devices": len(self.devices),
        }


@dataclass
class Inventory:
    """The whole city in one environment (lab or production). Build it with load_inventory()."""

    environment: str
    env_file: Path
    city: CityFile
    sites: list[Site]
    applications: list[Application]
    known_hosts_path: Path
    portal: Device
    macs_path: Path | None = None
    endpoint_known_hosts_path: Path | None = None  # None: known_hosts_path
    _by_name: dict[str, Device] = field(default_factory=dict, repr=False)

    _by_slug: dict[str, Site] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._by_name = {d.name: d for s in self.sites for d in s.devices}
        self._by_name[self.portal.name] = self.portal
        self._by_slug = {s.slug: s for s in self.sites}

    @property
    def endpoints_known_hosts(self) -> Path:
        """The known_hosts Ansible verifies the counters', displays' and portal's keys against."""
        return self.endpoint_known_hosts_path or self.known_hosts_path

    @property
    def env_dir(self) -> Path:
        return self.env_file.parent

    @property
    def root(self) -> Path:
        return self.env_dir.parent

    @property
    def devices(self) -> list[Device]:
        return list(self._by_name.values())

    def site(self, ref: str | int) -> Site:
        """A site by slug, number or kelurahan name (case-insensitive)."""
        text = str(ref).strip()
        if text in self._by_slug:
            return self._by_slug[text]
        for site in self.sites:
            if text in (site.slug, str(site.number)) or text.lower() == site.name.lower():
                return site
        raise InputError(
            f"unknown site {text!r}: expected a slug, number or kelurahan name "
            f"(see `digikel inventory list`)"
        )

    def device(self, name: str) -> Device:
        try:
            return self._by_name[name]
        except KeyError:
            raise InputError(f"unknown host {name!r} in the inventory") from None

    def site_of(self, device: Device) -> Site:
        return self.site(device.site)

    def select(
        self,
        sites: list[str] | None = None,
        kecamatan: list[str] | None = None,
        wave: list[str] | None = None,
    ) -> list[Site]:
        """Sites matching every filter given (each filter is a list of alternatives)."""
        chosen = self.sites
        if sites:
            wanted = {self.site(ref).slug for ref in sites}
            chosen = [s for s in chosen if s.slug in wanted]
        if kecamatan:
            known = {s.kecamatan.lower(): s.kecamatan for s in self.sites}
            known.update({snake(k): v for k, v in list(known.items())})
            names = set()
            for ref in kecamatan:
                key = ref.strip().lower()
                if key not in known and snake(key) not in known:
                    raise InputError(
                        f"unknown kecamatan {ref!r}: expected one of "
                        + ", ".join(sorted(set(known.values())))
                    )
                names.add(known.get(key) or known[snake(key)])
            chosen = [s for s in chosen if s.kecamatan in names]
        if wave:
            for ref in wave:
                if ref not in self.city.waves:
                    raise InputError(
                        f"unknown wave {ref!r}: expected one of " + ", ".join(self.city.waves)
                    )
            chosen = [s for s in chosen if s.wave in wave]
        return chosen

    def hostvars(self, name: str) -> dict[str, Any]:
        """Exactly the variables the Ansible plugin gives host `name`."""
        from digikel.inventory.hostvars import hostvars

        return hostvars(self, self.device(name))
