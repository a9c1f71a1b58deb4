"""Which network devices an operation runs on: sites, kecamatan, waves, hosts or all."""

from __future__ import annotations

from typing import TYPE_CHECKING

from digikel.errors import InputError

if TYPE_CHECKING:
    from digikel.inventory.model import Device, Inventory, Site


def select_devices(
    inv: Inventory,
    *,
    sites: list[str] | None = None,
    kecamatan: list[str] | None = None,
    wave: list[str] | None = None,
    hosts: list[str] | None = None,
    all_sites: bool = False,
) -> list[tuple[Site, list[Device]]]:
    """Sites in inventory order, each with its selected network devices (access first, router last).

    Site filters combine (a site must match every filter given); --host adds single devices.
    Nothing chosen is an error: an operation on "everything" must be asked for with --all.
    """
    if not (sites or kecamatan or wave or hosts or all_sites):
        raise InputError(
            "no targets: choose --site, --kecamatan, --wave, --host or --all "
            "(see `digikel inventory list`)"
        )
    chosen: dict[str, set[str]] = {}
    if sites or kecamatan or wave or all_sites:
        for site in inv.select(sites=sites, kecamatan=kecamatan, wave=wave):
            chosen[site.slug] = {d.name for d in site.network_devices}
    for name in hosts or []:
        device = inv.device(name)
        if not device.is_network:
            raise InputError(
                f"host {name!r} is a {device.role}, not a network device "
                "(router, switch or access point)"
            )
        chosen.setdefault(device.site, set()).add(device.name)
    out: list[tuple[Site, list[Device]]] = []
    for site in inv.sites:
        if site.slug in chosen:
            devices = [d for d in site.network_devices if d.name in chosen[site.slug]]
            if devices:
                out.append((site, devices))
    return out
