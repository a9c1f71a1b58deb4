"""Check an application, queue page or the portal from this machine, as the rollout's verify does
(`digikel lab services probe`): the product's HTTPS probe (digikel.probing.https) through the lab
environment (labsvc.environment) when the inventory is the lab's, else through its own."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from digikel.environment import environment_for
from digikel.labsvc.environment import LabEnvironment
from digikel.probing.https import ProbeResult
from digikel.probing.https import probe as https_probe

if TYPE_CHECKING:
    from digikel.inventory.model import Inventory
    from digikel.inventory.schema import Application

__all__ = ["ProbeResult", "probe"]


def probe(
    target: str | Application,
    *,
    inventory: Inventory,
    state_dir: Path | str | None = None,
    timeout: float = 5.0,
    path: str | None = None,
) -> ProbeResult:
    """GET an application (id, Application or URL), a queue page or portal URL.

    `path` replaces the URL's path (e.g. "/health"). Never raises for an unreachable or failing
    service: the result says what happened. Raises InputError for a URL the lab cannot map.
    """
    environment = (
        LabEnvironment(inventory, state_dir)
        if inventory.environment == "lab"
        else environment_for(inventory)
    )
    return https_probe(
        target, inventory=inventory, environment=environment, timeout=timeout, path=path
    )
