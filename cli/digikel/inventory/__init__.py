"""The city inventory: one model for the CLI, the network code and (via the plugin) Ansible."""

from __future__ import annotations

from digikel.inventory.load import build_inventory, load_inventory
from digikel.inventory.model import Device, Inventory, Site

__all__ = ["Device", "Inventory", "Site", "build_inventory", "load_inventory"]
