"""The stages a site goes through, and what each one reports back."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from digikel.inventory.model import Inventory, Site
    from digikel.store import Check, HostOutcome

STAGES = ("preflight", "network", "endpoints", "verify")


@dataclass
class StageOutcome:
    """What one stage did at one site. `changed` comes from the tools' own before/after."""

    ok: bool
    changed: bool = False
    detail: str = ""
    # Nothing to do here (the lab runs no container for this site): not a failure, not "done".
    skipped: bool = False
    hosts: list[HostOutcome] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)


@dataclass
class StageContext:
    """Everything a stage needs; stages receive it and never build their own connections."""

    inventory: Inventory
    site: Site
    check: bool
    run_id: int
    artifacts_dir: str
    options: dict[str, Any] = field(default_factory=dict)
    # Called with (host, event text) as results stream in, for live progress.
    on_event: Callable[[str, str], None] = lambda host, text: None


StageFn = Callable[[StageContext], StageOutcome]
