"""The preflight stage: is the site ready to be touched at all?

Physical works must be done (the city's public works office renovates first), the vault must
hold the site's secrets, and the site's network devices must answer. Nothing is changed here.
"""

from __future__ import annotations

import datetime as dt
import socket
from typing import TYPE_CHECKING

from digikel.rollout.stages import Secrets, StageContext, StageOutcome
from digikel.store import HostOutcome

if TYPE_CHECKING:
    from digikel.inventory.model import Device, Site
    from digikel.store import Store


def physical_works_done(store: Store, ctx: StageContext) -> tuple[bool, str]:
    """Done when the newest hand mark says so, or, with no mark yet, when the inventory does."""
    from digikel.readiness.collect import one_site_readiness
    from digikel.readiness.components import PHYSICAL_WORKS

    readiness = one_site_readiness(ctx.inventory, store, ctx.site, dt.timedelta(days=3650))
    status = readiness.component(PHYSICAL_WORKS)
    detail = f"physical works {status.state.value} (from {status.source})"
    return status.green, detail


def missing_secrets(site: Site, secrets: Secrets) -> list[str]:
    """Vault variables this site needs that the vault does not hold."""
    needed = ["vault_digikel_device_password"]
    missing = [name for name in needed if not secrets.get(name)]
    if not secrets.get("vault_digikel_wireguard_private_keys", {}).get(site.slug):
        missing.append(f"vault_digikel_wireguard_private_keys[{site.slug}]")
    if site.uplink.type == "pppoe" and not secrets.get("vault_digikel_pppoe_passwords", {}).get(
        site.slug
    ):
        missing.append(f"vault_digikel_pppoe_passwords[{site.slug}]")
    return missing


def answers(device: Device, timeout: float = 3.0) -> str | None:
    """None when the device accepts a TCP connection on its management port, else why not."""
    try:
        with socket.create_connection((device.connect_host, device.connect_port), timeout=timeout):
            return None
    except OSError as exc:
        return f"{device.connect_host}:{device.connect_port}: {exc.strerror or exc}"


def preflight_stage(ctx: StageContext) -> StageOutcome:
    store = ctx.run_store()
    problems: list[str] = []
    done, physical = physical_works_done(store, ctx)
    if not done:
        problems.append(
            f"{physical}: mark it with `digikel site mark {ctx.site.slug} physical-done`"
            " once PUPR hands the office over"
        )
    missing = missing_secrets(ctx.site, ctx.vault())
    if missing:
        problems.append("vault lacks " + ", ".join(missing))
    hosts = []
    for device in ctx.site.network_devices:
        why = answers(device)
        hosts.append(HostOutcome(device.name, False, why is not None, why is not None, why))
        if why:
            problems.append(f"{device.name} does not answer ({why})")
    detail = "; ".join(problems) if problems else f"{physical}; vault ok; devices answer"
    return StageOutcome(ok=not problems, detail=detail, hosts=hosts)
