"""Hand changes on a lab site's network, as a field engineer makes them (`digikel lab drift`).

Each change is typed over SSH into the site's router with digikel's own account, the way an
engineer on site would, never through the lab's control API: the device records it exactly as it
records any session's change, so what `digikel watch` finds is what it would find on real gear.
The endpoint changes (a browser policy, a printer queue) are labsvc's (labsvc/drift.py): they
happen inside a counter PC's container.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from digikel.errors import InputError

if TYPE_CHECKING:
    from digikel.inventory.model import Device, Inventory, Site

# What an engineer types; the rule and the new name say who did it, as they usually do not.
FIREWALL_RULE = (
    "/ip firewall filter add action=accept chain=forward protocol=tcp dst-port=3389 "
    'comment="temporary: remote desktop for the vendor"'
)
RENAMED_VLAN = "vlan20-counters"
NEW_VLAN_NAME = "vlan20-loket"

NETWORK_DRIFTS = ("firewall-rule", "vlan-rename")


@dataclass(frozen=True)
class HandChange:
    """One change made by hand: where, what kind, and what was typed."""

    kind: str
    target: str  # the device or host changed
    detail: str

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "target": self.target, "detail": self.detail}


def router_of(site: Site) -> Device:
    routers = [d for d in site.network_devices if d.role == "router"]
    if not routers:
        raise InputError(f"{site.slug}: no router in the inventory")
    return routers[0]


def commands_for(kind: str) -> list[str]:
    if kind == "firewall-rule":
        return [FIREWALL_RULE]
    if kind == "vlan-rename":
        return [f"/interface vlan set [find name={RENAMED_VLAN}] name={NEW_VLAN_NAME}"]
    raise InputError(f"unknown network drift {kind!r}: expected one of {', '.join(NETWORK_DRIFTS)}")


def drift_network(
    inv: Inventory,
    site: Site,
    secrets: dict[str, Any],
    kinds: tuple[str, ...] = NETWORK_DRIFTS,
) -> list[HandChange]:
    """Make the hand changes `kinds` on the site's (RouterOS) router, over one SSH session."""
    from digikel.network.connection import Timeouts, connect, endpoint_for, run_command

    router = router_of(site)
    if router.platform != "routeros":
        raise InputError(
            f"{router.name}: hand changes are RouterOS commands; it is {router.platform}"
        )
    commands = [(kind, command) for kind in kinds for command in commands_for(kind)]
    timeouts = Timeouts(connect=10.0, command=20.0)
    made = []
    with connect(endpoint_for(inv, router, secrets), timeouts) as conn:
        for kind, command in commands:
            answer = run_command(conn, command, timeouts).strip()
            if "failure" in answer or "bad command" in answer or "syntax error" in answer:
                raise InputError(f"{router.name}: {command!r} refused: {answer}")
            made.append(HandChange(kind, router.name, command))
    return made
