"""Where the product meets the environment it runs in: the only seam the lab plugs into.

An inventory names its environment (`environment:` of inventory/<env>/digikel.yml). Production is
the product's own: a URL is fetched at its own host with the system's trust store, and the
endpoints are reached at the inventory's `ansible_host`. Any other environment is a plug-in,
found under the entry point group `digikel.environments` (the lab registers `lab` there, from
the optional extra `digikel[lab]`) or registered in-process with `register_environment`.

The product never imports a plug-in; a plug-in may import the product.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit

from digikel.errors import DigikelError

if TYPE_CHECKING:
    from digikel.inventory.model import Inventory

ENTRY_POINT_GROUP = "digikel.environments"
PRODUCTION = "production"


@dataclass(frozen=True)
class HttpsTarget:
    """How a URL is fetched: TLS verifies `host_name` (SNI, certificate, Host header) over a TCP
    connection to `address`:`port`, trusting `ca_file` (None: the system's trust store)."""

    url: str
    host_name: str
    address: str
    port: int
    path: str
    ca_file: Path | None = None


@dataclass(frozen=True)
class Endpoints:
    """A site's endpoints as this environment reaches them."""

    reachable: list[str]
    # Hosts the environment does not run (a lab container not started): not a failure.
    absent: list[str] = field(default_factory=list)
    # host -> connection variables (ansible_host, ansible_port, ansible_ssh_common_args), read
    # after the city inventory's; empty: the inventory's.
    connections: dict[str, dict[str, object]] = field(default_factory=dict)
    # Ansible's fact cache for this environment; None: ansible.cfg's.
    facts_dir: Path | None = None
    # How to bring the absent hosts up, for the operator.
    absent_hint: str = ""


class Environment(Protocol):
    """What the product asks of an environment."""

    @property
    def name(self) -> str:
        """As the inventory names it (`environment:`)."""
        ...

    def https_target(self, url: str) -> HttpsTarget:
        """Where and how to fetch `url`. Raises DigikelError when it cannot be fetched at all."""
        ...

    def endpoints(self, site: str, hosts: list[str]) -> Endpoints:
        """Which of `hosts` (site `site`'s counters and displays) to run Ansible on, and how."""
        ...


EnvironmentFactory = Callable[["Inventory"], Environment]


def production_target(url: str) -> HttpsTarget:
    """A URL fetched where it says, verified against the system's trust store."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return HttpsTarget(url, host, host, parts.port or 443, path)


@dataclass(frozen=True)
class Production:
    """The real city: every URL and endpoint where the inventory says it is."""

    name: str = PRODUCTION

    def https_target(self, url: str) -> HttpsTarget:
        return production_target(url)

    def endpoints(self, site: str, hosts: list[str]) -> Endpoints:
        return Endpoints(list(hosts))


_registered: dict[str, EnvironmentFactory] = {}


def register_environment(name: str, factory: EnvironmentFactory) -> None:
    """Make `name` an environment in this process (a test's, or a plug-in without metadata)."""
    _registered[name] = factory


def _plugged(name: str) -> EnvironmentFactory | None:
    if name in _registered:
        return _registered[name]
    for point in entry_points(group=ENTRY_POINT_GROUP, name=name):
        factory: EnvironmentFactory = point.load()
        return factory
    return None


def environment_for(inventory: Inventory) -> Environment:
    """The environment the inventory names: production, else its plug-in."""
    if inventory.environment == PRODUCTION:
        return Production()
    factory = _plugged(inventory.environment)
    if factory is None:
        raise DigikelError(
            f"the {inventory.environment!r} environment is a plug-in that is not installed: "
            f'install digikel with it (pip install -e ".[{inventory.environment}]")'
        )
    return factory(inventory)
