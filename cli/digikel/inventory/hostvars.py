"""Host variables and groups: the one expansion Ansible (via the plugin) and Python share."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

from digikel.inventory.model import Device, Inventory, Site, snake

NETWORK_OS = {"routeros": "community.routeros.routeros", "ios": "cisco.ios.ios"}
ROLE_GROUP = {
    "router": "routers",
    "switch": "switches",
    "ap": "access_points",
    "counter": "counters",
    "display": "displays",
    "printer": "printers",
    "portal": "portal",
}
PARENT_GROUPS = {
    "network": ("routers", "switches", "access_points"),
    "endpoints": ("counters", "displays"),
    "datacentre": ("portal",),
}


def site_vars(inv: Inventory, site: Site) -> dict[str, Any]:
    city = inv.city
    return {
        "number": site.number,
        "slug": site.slug,
        "name": site.name,
        "kecamatan": site.kecamatan,
        "wave": site.wave,
        "block": str(site.block),
        "portal_url": city.portal_url.format(slug=site.slug, name=site.name),
        "queue_url": city.queue_url.format(slug=site.slug, name=site.name),
    }


def hub_vars(inv: Inventory, site: Site | None) -> dict[str, Any]:
    dc = inv.city.datacentre
    data: dict[str, Any] = {
        "endpoint": dc.hub_endpoint,
        "public_key": dc.hub_public_key,
        "transit_network": str(dc.transit),
        "hub_tunnel_address": str(dc.transit.network_address + 1),
        "dc_networks": [str(dc.servers), *(str(n) for n in dc.opd_networks)],
        "dns": [str(a) for a in dc.dns],
        "ntp": [str(a) for a in dc.ntp],
        "monitoring": str(dc.monitoring),
        "portal_address": str(dc.portal),
    }
    if site is not None:
        data["site_tunnel_address"] = f"{site.tunnel_address}/{dc.transit.prefixlen}"
    return data


def _applications(inv: Inventory, site: Site | None) -> list[dict[str, str]]:
    hidden = set(site.hidden_applications) if site else set()
    return [a.model_dump() for a in inv.applications if a.id not in hidden]


def _connection_vars(inv: Inventory, device: Device) -> dict[str, Any]:
    if device.role in ("router", "switch", "ap"):
        return {
            "ansible_host": device.connect_host,
            "ansible_port": device.connect_port,
            "ansible_user": inv.city.accounts.network_user,
            "ansible_connection": "ansible.netcommon.network_cli",
            "ansible_network_os": NETWORK_OS.get(device.platform, device.platform),
            "ansible_password": "{{ vault_digikel_device_password }}",
        }
    if device.role == "printer":
        return {"ansible_host": device.connect_host, "ansible_port": device.connect_port}
    # Counters, displays and the portal: SSH as the installer's admin account, in every
    # environment alike (the lab differs only in address and port). The host key must be the
    # pinned one: unknown or changed is refused, never learnt (docs/secrets.md).
    return {
        "ansible_connection": "ssh",
        "ansible_host": device.connect_host,
        "ansible_port": device.connect_port,
        "ansible_user": inv.city.accounts.admins[0].name,
        "ansible_ssh_common_args": ssh_common_args(inv.endpoints_known_hosts),
    }


def ssh_common_args(known_hosts: Path) -> str:
    """OpenSSH options of every endpoint connection: verify against `known_hosts` alone."""
    return (
        f"-o StrictHostKeyChecking=yes -o UserKnownHostsFile={shlex.quote(str(known_hosts))}"
        " -o GlobalKnownHostsFile=/dev/null -o UpdateHostKeys=no"
    )


def city_vars(inv: Inventory) -> dict[str, Any]:
    """Variables every host shares: set once on the `all` group."""
    city = inv.city
    return {
        "digikel_environment": inv.environment,
        "digikel_timezone": city.timezone,
        "digikel_network_user": city.accounts.network_user,
        "digikel_operator_user": city.accounts.operator_user,
        "digikel_admins": [a.model_dump() for a in city.accounts.admins],
    }


def site_group_vars(inv: Inventory, site: Site) -> dict[str, Any]:
    """Variables every host of a site shares: set once on its site_* group."""
    city = inv.city
    return {
        "digikel_site": site_vars(inv, site),
        "digikel_hub": hub_vars(inv, site),
        "digikel_applications": _applications(inv, site),
        "digikel_segments": {name: seg.as_dict() for name, seg in site.segments.items()},
        "digikel_uplink": site.uplink.model_dump(mode="json", exclude_none=True),
        "digikel_site_devices": [d.as_dict() for d in site.devices],
        "digikel_site_printers": [
            {
                "name": p.name,
                "address": str(p.address),
                "model": p.model,
                "uri": f"ipp://{p.address}/ipp/print",
                "default": p.index == 1,
            }
            for p in site.devices_of("printer")
        ],
        "digikel_wifi": {
            "staff_ssid": city.wifi.staff_ssid.format(slug=site.slug, name=site.name),
            "public_ssid": city.wifi.public_ssid.format(slug=site.slug, name=site.name),
            "public_rate_limit": city.wifi.public_rate_limit,
        },
    }


def device_vars(inv: Inventory, device: Device) -> dict[str, Any]:
    """Variables of one host alone (connection, role, address)."""
    data: dict[str, Any] = _connection_vars(inv, device)
    data.update(
        {
            "digikel_role": device.role,
            "digikel_platform": device.platform,
            "digikel_model": device.model,
            "digikel_index": device.index,
            "digikel_address": str(device.address),
            "digikel_segment": device.segment,
        }
    )
    if device.kind:
        data["digikel_display_kind"] = device.kind
    if device.mac:  # recorded at installation; the router reserves digikel_address for it
        data["digikel_mac"] = device.mac
    if not device.site:  # the data-centre portal serves every site
        data["digikel_hub"] = hub_vars(inv, None)
        data["digikel_applications"] = _applications(inv, None)
        data["digikel_sites"] = [
            {
                "slug": s.slug,
                "name": s.name,
                "kecamatan": s.kecamatan,
                "number": s.number,
                "applications": [a["id"] for a in _applications(inv, s)],
            }
            for s in inv.sites
        ]
    return data


def hostvars(inv: Inventory, device: Device) -> dict[str, Any]:
    """Every variable a host ends up with, as Ansible merges the plugin's group and host vars.

    Secrets appear only as vault references.
    """
    merged = city_vars(inv)
    if device.site:
        merged.update(site_group_vars(inv, inv.site(device.site)))
    merged.update(device_vars(inv, device))
    return merged


def groups(inv: Inventory) -> dict[str, dict[str, list[str]]]:
    """Every group: its hosts and child groups, in a stable order."""
    tree: dict[str, dict[str, list[str]]] = {}

    def group(name: str) -> dict[str, list[str]]:
        return tree.setdefault(name, {"hosts": [], "children": []})

    for site in inv.sites:
        kecamatan = f"kecamatan_{snake(site.kecamatan)}"
        if site.group not in group(kecamatan)["children"]:
            group(kecamatan)["children"].append(site.group)
        group(f"wave_{snake(site.wave)}")["children"].append(site.group)
        for device in site.devices:
            group(site.group)["hosts"].append(device.name)
            group(ROLE_GROUP[device.role])["hosts"].append(device.name)
            if device.role in ("router", "switch", "ap"):
                group(f"platform_{device.platform}")["hosts"].append(device.name)
    group("portal")["hosts"].append(inv.portal.name)
    for parent, children in PARENT_GROUPS.items():
        group(parent)["children"].extend(children)
        for child in children:
            group(child)
    return tree
