"""The stages a site goes through, and what each one reports back."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from digikel.environment import Environment
    from digikel.inventory.model import Inventory, Site
    from digikel.store import Check, HostOutcome, Store

Secrets = dict[str, Any]
"""The decrypted vault variables of the inventory's environment (inventory.secrets)."""

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
class RunResources:
    """What every stage of one run shares, opened once by whoever starts the run."""

    store: Store
    # The opened vault; None: each stage that needs it reads it.
    secrets: Secrets | None = None
    # Where URLs and endpoints are reached; None: the environment the inventory names.
    environment: Environment | None = None


@dataclass
class StageContext:
    """Everything a stage needs; stages receive it and never build their own connections."""

    inventory: Inventory
    site: Site
    check: bool
    run_id: int
    artifacts_dir: str
    # Called with (host, event text) as results stream in, for live progress.
    on_event: Callable[[str, str], None] = lambda host, text: None
    # The run's store: the stages that read it (preflight) fail without one.
    store: Store | None = None
    # The vault; None: read when a stage first needs it.
    secrets: Secrets | None = None
    # None: the environment the inventory names (digikel.environment.environment_for).
    environment: Environment | None = None

    def vault(self) -> Secrets:
        if self.secrets is None:
            from digikel.inventory.secrets import load_secrets

            self.secrets = load_secrets(self.inventory)
        return self.secrets

    def reached_through(self) -> Environment:
        if self.environment is None:
            from digikel.environment import environment_for

            self.environment = environment_for(self.inventory)
        return self.environment

    def run_store(self) -> Store:
        if self.store is None:
            from digikel.errors import DigikelError

            raise DigikelError("this stage reads the run's store, and the run gave none")
        return self.store


StageFn = Callable[[StageContext], StageOutcome]
