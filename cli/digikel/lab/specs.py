"""The lab's devices from the inventory: every router, switch and access point of the chosen sites,
with the inventory's addresses and the vault's credentials and host-key seed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from digikel.errors import InputError, VaultError
from digikel.lab.device import DeviceSpec

if TYPE_CHECKING:
    from digikel.inventory.model import Device, Inventory, Site

SIMULATED = ("routeros", "ios")


def select_sites(
    inv: Inventory,
    sites: list[str] | None = None,
    kecamatan: list[str] | None = None,
    wave: list[str] | None = None,
    everything: bool = False,
) -> list[Site]:
    """The sites a lab command targets; no filter at all means every site."""
    if everything or not (sites or kecamatan or wave):
        return list(inv.sites)
    return inv.select(sites=sites, kecamatan=kecamatan, wave=wave)


def lab_devices(inv: Inventory, chosen: list[Site]) -> list[Device]:
    return [d for site in chosen for d in site.network_devices if d.platform in SIMULATED]


def lab_specs(
    inv: Inventory,
    sites: list[str] | None = None,
    kecamatan: list[str] | None = None,
    wave: list[str] | None = None,
    secrets: dict[str, Any] | None = None,
) -> list[DeviceSpec]:
    """DeviceSpecs of the network devices of the chosen sites (all sites without a filter)."""
    if inv.environment != "lab":
        raise InputError(
            f"{inv.env_file}: the lab simulates the 'lab' environment only, not {inv.environment!r}"
        )
    if secrets is None:
        from digikel.inventory.secrets import load_secrets

        secrets = load_secrets(inv)
    password = secrets.get("vault_digikel_device_password")
    seed = secrets.get("vault_digikel_lab_hostkey_seed")
    if not password or not seed:
        raise VaultError(
            f"{inv.env_dir}/group_vars/all/vault.yml: expected vault_digikel_device_password and "
            "vault_digikel_lab_hostkey_seed"
        )
    enable = str(secrets.get("vault_digikel_enable_secret") or password)
    specs = []
    for device in lab_devices(inv, select_sites(inv, sites, kecamatan, wave)):
        user = str(inv.hostvars(device.name).get("digikel_network_user", "digikel"))
        routeros = device.platform == "routeros"
        specs.append(
            DeviceSpec(
                name=device.name,
                platform=device.platform,
                model=device.model,
                host=device.connect_host,
                port=device.connect_port,
                username=user,
                password=str(password),
                hostkey_seed=str(seed),
                role=device.role,
                site=device.site,
                enable_secret=enable,
                mgmt_address=str(device.address),
                factory_host=factory_host(device.connect_host) if routeros else "",
                factory_port=device.connect_port if routeros else 0,
            )
        )
    return specs


def factory_host(connect_host: str) -> str:
    """The lab's stand-in for 192.168.88.1 of one device (the inventory's rule)."""
    from digikel.inventory.addressing import lab_factory_address

    return lab_factory_address(connect_host)
