"""Ansible inventory plugin: the digikel city inventory as hosts, groups and host variables."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ansible.errors import AnsibleParserError
from ansible.plugins.inventory import BaseInventoryPlugin

if TYPE_CHECKING:  # the plugin imports digikel only once Ansible runs it (_import_digikel)
    from digikel.inventory.model import Inventory

DOCUMENTATION = r"""
name: digikel
short_description: Samarinda's kelurahan sites expanded into hosts and groups
description:
  - Reads the digikel city inventory (city.yml, sites.yml, applications.yml beside the
    environment file), validates it and expands every site's standard package into hosts.
  - Groups by kecamatan (kecamatan_*), site (site_*), wave (wave_*), device role (routers,
    switches, access_points, counters, displays, printers, portal) and platform (platform_*).
  - The expansion is digikel's own Python API (digikel.inventory), so Ansible, the network
    code and the CLI read one model.
options:
  plugin:
    description: Marks the file as this plugin's.
    required: true
    choices: [digikel]
  environment:
    description: Which environment's connection details to use.
    required: true
    type: str
    choices: [lab, production]
  city:
    description: City settings, relative to this file.
    type: str
    default: ../city.yml
  sites:
    description: The kelurahan sites, relative to this file.
    type: str
    default: ../sites.yml
  applications:
    description: The OPD application catalogue, relative to this file.
    type: str
    default: ../applications.yml
  reference:
    description: Official kelurahan list (CSV); null disables the check.
    type: str
    default: ../reference/samarinda-kelurahan.csv
  known_hosts:
    description: SSH known-hosts file of the environment's network devices.
    type: str
    default: known_hosts
  macs:
    description: MAC addresses of the endpoints and printers (host -> MAC), relative to this file.
    type: str
    default: macs.yml
  lab_network_prefix:
    description: Loopback prefix of the simulated network devices (lab only).
    type: str
    default: 127.64.0.0/16
  lab_ssh_port:
    description: SSH port of the simulated network devices (lab only).
    type: int
    default: 2222
  lab_printer_port_base:
    description: Lab printers listen on localhost at this base + 100 x site number + last octet.
    type: int
    default: 10000
"""

EXAMPLES = r"""
# inventory/lab/digikel.yml
plugin: digikel
environment: lab
"""


def _import_digikel() -> None:
    """Let a plain checkout work without `pip install`: the package lives in <repo>/cli."""
    try:
        import digikel  # noqa: F401  (only checking that it imports)
    except ImportError:
        sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "cli"))


# Ansible 2.19 treats inventory values as data, never as templates; the only values digikel means as
# templates are these vault references, so only they are marked trusted.
TEMPLATED = frozenset({"ansible_password"})


def _trusted(value: str) -> str:
    try:
        from ansible.template import trust_as_template
    except ImportError:  # ansible-core < 2.19 templates inventory strings as they are
        return value
    return trust_as_template(value)  # type: ignore[no-any-return]


class InventoryModule(BaseInventoryPlugin):  # type: ignore[misc]  # Ansible ships no type hints
    NAME = "digikel"

    def verify_file(self, path: str) -> bool:
        return super().verify_file(path) and path.endswith(("digikel.yml", "digikel.yaml"))

    def parse(self, inventory: Any, loader: Any, path: str, cache: bool = True) -> None:
        super().parse(inventory, loader, path, cache)
        self._read_config_data(path)  # reads and checks the options documented above
        _import_digikel()
        from digikel.errors import InventoryError
        from digikel.inventory import load_inventory

        try:
            model = load_inventory(path)
        except InventoryError as exc:
            raise AnsibleParserError(str(exc)) from None
        self._populate(model)

    def _populate(self, model: Inventory) -> None:
        from digikel.inventory import hostvars  # importable now: parse ran _import_digikel

        tree = hostvars.groups(model)
        for name in tree:
            self.inventory.add_group(name)
        for name, members in tree.items():
            for child in members["children"]:
                self.inventory.add_child(name, child)
            for host in members["hosts"]:
                self.inventory.add_host(host, group=name)
        # Shared values live on the group they belong to (all, site_*), as a hand-written
        # inventory would put them; Ansible merges them into each host's variables.
        self._set_all("all", hostvars.city_vars(model))
        for site in model.sites:
            self._set_all(site.group, hostvars.site_group_vars(model, site))
        for device in model.devices:
            self._set_all(device.name, hostvars.device_vars(model, device))

    def _set_all(self, entity: str, variables: Mapping[str, Any]) -> None:
        for key, value in variables.items():
            self.inventory.set_variable(entity, key, _trusted(value) if key in TEMPLATED else value)
