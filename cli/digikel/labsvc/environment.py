"""The lab as an environment of the product (digikel.environment): registered under the entry
point group `digikel.environments` as `lab`.

- URLs: each real URL is mapped to its lab address (the instance's data-centre plan), with TLS
  verified for the real host name against the lab CA;
- endpoints: the containers of the lab instance of DIGIKEL_LABSVC_DIR (labsvc.instance). The
  operator's lab names them after their hosts, as the inventory's `ansible_host` says; a test's
  lab prefixes them, and each host is pointed at its container, so a test never reaches the
  operator's containers. Hosts without a running container are absent, not failed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from digikel.environment import Endpoints, HttpsTarget
from digikel.errors import DigikelError
from digikel.labsvc.addresses import lab_target
from digikel.labsvc.state import resolve_state_dir
from digikel.labsvc.tls import lab_ca_path

if TYPE_CHECKING:
    from digikel.inventory.model import Inventory


@dataclass(frozen=True)
class LabEnvironment:
    """The lab services of `state_dir` (default: DIGIKEL_LABSVC_DIR, else the project's own)."""

    inventory: Inventory
    state_dir: Path | str | None = None
    name: str = "lab"

    def https_target(self, url: str) -> HttpsTarget:
        from digikel.labsvc.datacentre import datacentre_plan

        directory = resolve_state_dir(self.state_dir)
        mapped = lab_target(self.inventory, url, datacentre_plan(directory))
        ca = lab_ca_path(directory)
        if not ca.is_file():
            raise DigikelError(
                f"no lab CA at {ca}: start the lab services (`digikel lab services up`) first"
            )
        return HttpsTarget(url, mapped.host_name, mapped.address, mapped.port, mapped.path, ca)

    def connections(self, hosts: list[str]) -> dict[str, str]:
        """Each host's container, where the city inventory's ansible_host does not name it (any
        instance but the operator's)."""
        from digikel.labsvc.instance import lab_instance

        instance = lab_instance(self.state_dir)
        return {h: instance.container(h) for h in hosts} if instance.name else {}

    def endpoints(self, site: str, hosts: list[str]) -> Endpoints:
        from digikel.labsvc.containers import containers_status
        from digikel.labsvc.instance import lab_instance

        statuses = containers_status(hosts, state_dir=self.state_dir)
        running = {c.name for c in statuses if c.state == "running"}
        reachable = [h for h in hosts if h in running]
        return Endpoints(
            reachable,
            [h for h in hosts if h not in running],
            self.connections(reachable),
            lab_instance(self.state_dir).facts_dir,
            absent_hint="start them with "
            f"`digikel lab services up --site {site} --only containers`",
        )
