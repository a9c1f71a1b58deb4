"""The lab as an environment of the product (digikel.environment): registered under the entry
point group `digikel.environments` as `lab`.

- URLs: each real URL is mapped to its lab address (the instance's data-centre plan), with TLS
  verified for the real host name against the lab CA;
- endpoints: the containers of the lab instance of DIGIKEL_LABSVC_DIR (labsvc.instance), over
  SSH at the address podman published each one's sshd on (the operator's lab: the inventory's
  address; a test's lab: a port of its own), so a test never reaches the operator's containers.
  Hosts without a running container are absent, not failed.
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

    def endpoints(self, site: str, hosts: list[str]) -> Endpoints:
        """The site's running containers, each at the address podman published its sshd on and
        verified against the instance's pinned keys (containers.pin_host_keys)."""
        from digikel.inventory.hostvars import ssh_common_args
        from digikel.labsvc.containers import KNOWN_HOSTS, containers_status, ssh_address
        from digikel.labsvc.instance import lab_instance

        instance = lab_instance(self.state_dir)
        known_hosts = instance.state_dir / KNOWN_HOSTS
        connections: dict[str, dict[str, object]] = {}
        for status in containers_status(hosts, state_dir=self.state_dir):
            where = ssh_address(status) if status.state == "running" else None
            if where is not None:
                connections[status.name] = {
                    "ansible_host": where[0],
                    "ansible_port": where[1],
                    "ansible_ssh_common_args": ssh_common_args(known_hosts),
                }
        return Endpoints(
            [h for h in hosts if h in connections],
            [h for h in hosts if h not in connections],
            connections,
            instance.facts_dir,
            absent_hint="start them with "
            f"`digikel lab services up --site {site} --only containers`",
        )
