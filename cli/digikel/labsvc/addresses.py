"""The lab's address plan for what stands in outside this machine (all on loopback).

- Printers: ippeveprinter binds every address of the host name it serves (`-n`), IPv4 AND IPv6,
  and refuses to start without both. The only name resolving to both on a stock machine is
  `localhost`, so every lab printer listens on 127.0.0.1 (and ::1) with a port of its own:
  10000 + 100 * site number + last octet of its planned address (site 51, .11 -> 15111).
- OPD application i (1-based, catalogue order): 127.66.0.(10+i):8443.
- Portal: 127.66.1.1:8443, served by the stand-in (launcher pages from the catalogue), or by
  the dc-portal01 container (the real portal role) when it is started with `--portal`.
- Queue-calling pages of every site: 127.66.1.2:8443/<slug>/display.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from ipaddress import IPv4Address
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from digikel.errors import InputError

if TYPE_CHECKING:
    from digikel.inventory.model import Device, Inventory

HTTPS_PORT = 8443
APPS_BASE = IPv4Address("127.66.0.10")
PORTAL_ADDRESS = IPv4Address("127.66.1.1")
QUEUE_ADDRESS = IPv4Address("127.66.1.2")


def printer_endpoint(inv: Inventory, device: Device) -> tuple[str, int]:
    """Where the lab serves this printer: the inventory's lab address for it (one source)."""
    return device.connect_host, device.connect_port


@dataclass(frozen=True)
class DatacentrePlan:
    """Where the data-centre stand-ins listen. The default is the lab's plan; tests move it
    elsewhere on loopback so that they never collide with a lab running on this machine."""

    apps_base: IPv4Address = APPS_BASE
    portal: IPv4Address = PORTAL_ADDRESS
    queue: IPv4Address = QUEUE_ADDRESS
    port: int = HTTPS_PORT

    def application(self, index: int) -> IPv4Address:
        """Application number `index` (1-based, catalogue order)."""
        if not 1 <= index <= 200:
            raise InputError(f"application number {index}: the lab has room for 1..200")
        return self.apps_base + index

    def as_dict(self) -> dict[str, object]:
        return {
            "apps_base": str(self.apps_base),
            "portal": str(self.portal),
            "queue": str(self.queue),
            "port": self.port,
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> DatacentrePlan:
        return cls(
            IPv4Address(str(data["apps_base"])),
            IPv4Address(str(data["portal"])),
            IPv4Address(str(data["queue"])),
            int(str(data["port"])),
        )


LAB_PLAN = DatacentrePlan()


def application_address(index: int) -> IPv4Address:
    """Application number `index` (1-based, catalogue order) in the lab's plan."""
    return LAB_PLAN.application(index)


@dataclass(frozen=True)
class LabTarget:
    """Where a real URL is served in the lab: connect to address:port, speak TLS as host_name."""

    url: str
    host_name: str
    address: str
    port: int
    path: str
    kind: str  # "application" | "queue" | "portal"
    app_id: str | None = None

    @property
    def lab_url(self) -> str:
        return f"https://{self.address}:{self.port}{self.path}"


def _template_regex(template: str) -> re.Pattern[str]:
    """'https://h/{slug}/display' -> a pattern matching its URLs, with the slug captured."""
    parts = re.split(r"(\{slug\}|\{name\})", template)
    body = "".join(
        "(?P<slug>[a-z0-9-]+)" if p == "{slug}" else "[^/]+" if p == "{name}" else re.escape(p)
        for p in parts
    )
    return re.compile(f"^{body}/?$")


def lab_target(inv: Inventory, url: str, plan: DatacentrePlan = LAB_PLAN) -> LabTarget:
    """Map a real URL of the data centre (application, queue page, portal) to its lab address."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme != "https" or not host:
        raise InputError(f"{url!r}: expected an https:// URL of the application catalogue")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    match = _template_regex(inv.city.queue_url).match(url.split("?", 1)[0])
    if match:
        return LabTarget(url, host, str(plan.queue), plan.port, path, "queue")
    if host == (urlsplit(inv.city.portal_url).hostname or "").lower():
        return LabTarget(url, host, str(plan.portal), plan.port, path, "portal")
    for index, app in enumerate(inv.applications, start=1):
        if (urlsplit(app.url).hostname or "").lower() == host:
            address = str(plan.application(index))
            return LabTarget(url, host, address, plan.port, path, "application", app.id)
    raise InputError(
        f"{url!r}: host {host!r} is neither an application of inventory/applications.yml, "
        "the portal nor the queue pages, so the lab has no address for it"
    )
