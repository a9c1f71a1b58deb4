"""The seam between the product and its environment: production is the product's own, any other
environment is a plug-in, and the stages get the run's collaborators as typed fields."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from digikel.environment import (
    Endpoints,
    HttpsTarget,
    Production,
    environment_for,
    production_target,
    register_environment,
)
from digikel.errors import DigikelError
from digikel.rollout.endpoints import connections_file, site_endpoints
from digikel.rollout.engine import RolloutOptions, run_rollout
from digikel.rollout.locks import SiteLocks
from digikel.rollout.stages import RunResources, StageContext, StageOutcome
from digikel.store import open_store


def test_production_fetches_the_real_url_with_the_system_trust_store() -> None:
    target = production_target("https://sipp.samarindakota.go.id:8443/layanan?x=1")
    assert target == HttpsTarget(
        "https://sipp.samarindakota.go.id:8443/layanan?x=1",
        "sipp.samarindakota.go.id",
        "sipp.samarindakota.go.id",
        8443,
        "/layanan?x=1",
        None,
    )
    assert production_target("https://portal.example.id").path == "/"
    assert production_target("https://portal.example.id").port == 443


def test_a_production_inventory_is_reached_as_it_says(inv) -> None:
    production = dataclasses.replace(inv, environment="production")
    environment = environment_for(production)
    assert isinstance(environment, Production)
    assert environment.endpoints("bukuan", ["a", "b"]) == Endpoints(["a", "b"])


def test_the_lab_is_a_plug_in_found_by_its_entry_point(inv) -> None:
    from digikel.labsvc.environment import LabEnvironment

    assert inv.environment == "lab"
    assert isinstance(environment_for(inv), LabEnvironment)


def test_an_environment_without_its_plug_in_says_what_to_install(inv) -> None:
    elsewhere = dataclasses.replace(inv, environment="staging")
    with pytest.raises(DigikelError, match=r'pip install -e "\.\[staging\]"'):
        environment_for(elsewhere)


class Pretend:
    """An environment of this test's: one host absent, the other reached elsewhere."""

    name = "pretend"

    def https_target(self, url: str) -> HttpsTarget:
        return production_target(url)

    def endpoints(self, site: str, hosts: list[str]) -> Endpoints:
        return Endpoints(
            hosts[:1],
            hosts[1:],
            {hosts[0]: {"ansible_host": f"{site}-box"}},
            absent_hint="bring it up",
        )


def test_the_endpoints_stage_asks_the_environment(inv, tmp_path: Path) -> None:
    register_environment("pretend", lambda inventory: Pretend())
    pretend = dataclasses.replace(inv, environment="pretend")
    ctx = StageContext(pretend, pretend.site("bukuan"), False, 0, str(tmp_path))
    endpoints = site_endpoints(ctx)
    assert endpoints.reachable == ["bukuan-pc01"]
    assert endpoints.absent and "bukuan-pc01" not in endpoints.absent
    path = connections_file(endpoints, tmp_path)
    assert path is not None
    assert '"ansible_host": "bukuan-box"' in path.read_text()
    assert connections_file(Endpoints(["x"]), tmp_path / "none") is None


def test_every_stage_gets_the_runs_store_vault_and_environment(inv, tmp_path: Path) -> None:
    seen: list[StageContext] = []

    def stage(ctx: StageContext) -> StageOutcome:
        seen.append(ctx)
        return StageOutcome(ok=True)

    vault = {"vault_digikel_device_password": "x"}
    with open_store(f"sqlite:///{tmp_path / 'store.db'}") as store:
        options = RolloutOptions(
            sites=[inv.site("bukuan")],
            stages=["preflight"],
            resources=RunResources(store, vault),
        )
        result = run_rollout(inv, store, SiteLocks(store), options, {"preflight": stage})
    assert result.status == "ok"
    (ctx,) = seen
    assert ctx.store is store and ctx.vault() is vault
    assert ctx.reached_through().name == "lab"
