"""The shape of the inventory files, checked field by field (pydantic, unknown keys refused)."""

from __future__ import annotations

import datetime as dt
from ipaddress import IPv4Address, IPv4Interface, IPv4Network
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic import Strict as StrictType

PLATFORMS = ("routeros", "ios", "debian12", "ipp")
ROLES = ("router", "switch", "ap", "counter", "display", "printer")


def _as_text(value: object) -> object:
    # YAML reads `wave: 2024` as a number; a wave is a name.
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


Text = Annotated[str, BeforeValidator(_as_text)]
# A whole number as YAML writes it: not `yes` (PyYAML's True, which pydantic would take as 1),
# not "5", not 5.0. Every number also has a range, checked before any address arithmetic.
Whole = Annotated[int, StrictType()]


def _written_address(value: object) -> object:
    # pydantic would take the number 0 as 0.0.0.0 and YAML's `yes` as 0.0.0.1.
    if isinstance(value, str | IPv4Address | IPv4Network | IPv4Interface):
        return value
    raise ValueError(f"expected an IPv4 address or network written as text, got {value!r}")


def _written_date(value: object) -> object:
    # pydantic would take the number 0 as 1970-01-01.
    if isinstance(value, int | float):
        raise ValueError(f"expected a date (YYYY-MM-DD), got {value!r}")
    return value


Address = Annotated[IPv4Address, BeforeValidator(_written_address)]
Network = Annotated[IPv4Network, BeforeValidator(_written_address)]
Interface = Annotated[IPv4Interface, BeforeValidator(_written_address)]
Date = Annotated[dt.date, BeforeValidator(_written_date)]
Slug = Annotated[str, Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=40)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- city.yml -------------------------------------------------------------------------------


class SegmentSpec(Strict):
    vlan: Whole = Field(ge=2, le=4094)
    offset: Whole = Field(ge=0, le=255)
    prefix: Whole = Field(ge=16, le=29)


class AddressPlan(Strict):
    city_range: Network
    sites_start: Address
    site_prefix: Whole = Field(ge=16, le=24)
    segments: dict[str, SegmentSpec]


class Datacentre(Strict):
    range: Network
    servers: Network
    portal: Address
    dns: list[Address]
    ntp: list[Address]
    monitoring: Address
    opd_networks: list[Network]
    transit: Network
    hub_endpoint: str
    hub_public_key: str


class Wave(Strict):
    year: Whole = Field(ge=2020, le=2100)
    description: str = ""


class ModelSpec(Strict):
    platform: Literal["routeros", "ios", "debian12", "ipp"]
    role: Literal["router", "switch", "ap", "counter", "display", "printer"]
    access_ports: Whole | None = Field(default=None, ge=1, le=96)
    # The oldest software the templates work on (RouterOS `7.13`, IOS `15.2(7)E4`), and the
    # packages the device must have (RouterOS: `wifi-qcom` for /interface wifi on cAP ax).
    min_version: str | None = Field(
        default=None, pattern=r"^\d+\.\d+(\.\d+)?(\(\d+[a-z]?\)[A-Z]+\d*)?$"
    )
    packages: list[str] = Field(default_factory=list)


class RouterPackage(Strict):
    model: str | None = None


# How many of a kind: never negative; the upper limits per role (checks.COUNT_LIMITS) and the
# room in the segment are checked before the site is expanded (checks.check_site_plan).
class CountedPackage(Strict):
    count: Whole | None = Field(default=None, ge=0)
    model: str | None = None


class DisplayPackage(Strict):
    queue: Whole | None = Field(default=None, ge=0)
    info: Whole | None = Field(default=None, ge=0)
    model: str | None = None


class Package(Strict):
    """The standard package (all fields set) or a site's overrides of it (only what differs)."""

    router: RouterPackage = RouterPackage()
    switches: CountedPackage = CountedPackage()
    access_points: CountedPackage = CountedPackage()
    counters: CountedPackage = CountedPackage()
    displays: DisplayPackage = DisplayPackage()
    printers: CountedPackage = CountedPackage()


class Admin(Strict):
    name: Slug
    ssh_key: str = Field(
        pattern=r"^(ssh-ed25519|ecdsa-sha2-nistp256|ssh-rsa) [A-Za-z0-9+/=]+( .*)?$"
    )


class Accounts(Strict):
    network_user: Slug
    operator_user: Slug
    admins: list[Admin]


class Wifi(Strict):
    staff_ssid: str
    public_ssid: str
    public_rate_limit: str = Field(pattern=r"^\d+[kM]/\d+[kM]$")


class CityFile(Strict):
    city: str
    domain: str
    portal_url: str
    queue_url: str
    timezone: str
    address_plan: AddressPlan
    datacentre: Datacentre
    waves: dict[Text, Wave]
    models: dict[str, ModelSpec]
    standard_package: Package
    accounts: Accounts
    wifi: Wifi


# --- sites.yml ------------------------------------------------------------------------------


class PhysicalWorks(Strict):
    status: Literal["not-started", "in-progress", "done"]
    date: Date | None = None
    note: str | None = None


class Uplink(Strict):
    isp: str
    type: Literal["dhcp", "static", "pppoe"]
    address: Interface | None = None
    gateway: Address | None = None
    pppoe_user: str | None = None

    @model_validator(mode="after")
    def _fields_of_type(self) -> Uplink:
        if self.type == "static" and (self.address is None or self.gateway is None):
            raise ValueError("a static uplink needs both 'address' (CIDR) and 'gateway'")
        if self.type == "pppoe" and not self.pppoe_user:
            raise ValueError("a pppoe uplink needs 'pppoe_user' (its password lives in the vault)")
        if self.type != "static" and (self.address or self.gateway):
            raise ValueError(f"'address' and 'gateway' belong to a static uplink, not {self.type}")
        return self


class SiteEntry(Strict):
    # The upper limit depends on the plan (blocks in the city range, WireGuard addresses, lab
    # addresses): checks.check_site_plan, before any address is computed from it.
    number: Whole = Field(ge=1)
    wave: Text
    slug: Slug | None = None
    physical_works: PhysicalWorks = PhysicalWorks(status="not-started")
    uplink: Uplink
    devices: Package = Package()
    block: Network | None = None
    hide_applications: list[str] = []
    note: str | None = None


class SitesFile(Strict):
    kecamatan: dict[str, dict[str, SiteEntry]]


# --- applications.yml -----------------------------------------------------------------------


class Application(Strict):
    id: Slug
    name: str
    department: str
    url: str = Field(pattern=r"^https?://[^\s/]+(/\S*)?$")
    purpose: str


class ApplicationsFile(Strict):
    applications: list[Application]


# --- the environment file given to Ansible (inventory/<env>/digikel.yml) ----------------------


class EnvironmentFile(Strict):
    plugin: Literal["digikel"]
    environment: Literal["lab", "production"]
    city: str = "../city.yml"
    sites: str = "../sites.yml"
    applications: str = "../applications.yml"
    # The official kelurahan list per kecamatan; null turns the check off (synthetic inventories).
    reference: str | None = "../reference/samarinda-kelurahan.csv"
    known_hosts: str = "known_hosts"
    # MAC addresses of the environment's endpoints and printers (cli/digikel/inventory/macs.py).
    macs: str = "macs.yml"
    lab_network_prefix: Network = IPv4Network("127.64.0.0/16")
    lab_ssh_port: Whole = Field(default=2222, ge=1, le=65535)
    # Lab endpoints (podman containers running sshd) are published at <prefix>.<site>.<octet>:port
    # (displays: port + 1), so Ansible reaches them over SSH exactly as in production, only at
    # another address and port.
    lab_endpoint_prefix: Network = IPv4Network("127.67.0.0/16")
    lab_endpoint_ssh_port: Whole = Field(default=2200, ge=1, le=65534)
    # The pinned SSH host keys of the counters, displays and portal (OpenSSH known_hosts); null:
    # `known_hosts`. The lab's endpoints make their own keys at first boot, pinned by the lab.
    endpoint_known_hosts: str | None = None
    # Lab printers listen on localhost at base + 100 x site number + last octet.
    lab_printer_port_base: Whole = Field(default=10000, ge=1024, le=45000)
