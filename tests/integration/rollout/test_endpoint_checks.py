"""The verify stage's endpoint checks: playbooks/verify.yml through ansible-runner's API, on a real
systemd container, turned into readiness checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from digikel.labsvc import container_specs, containers_down, containers_up, podman_problem
from digikel.rollout.endpoints import endpoint_checks
from digikel.rollout.stages import StageContext

HOSTS = ["bukuan-pc01", "bukuan-dsp01"]  # a site no other test boots


@pytest.fixture(scope="module")
def containers(inv, repo):
    problem = podman_problem()
    assert problem is None, f"podman does not work here: {problem}"
    result = containers_up(container_specs(inv, [], hosts=HOSTS), repo_root=repo)
    assert result.skipped is None, result.skipped
    try:
        yield HOSTS
    finally:
        containers_down(names=HOSTS)


def test_an_unconfigured_site_fails_every_endpoint_check(inv, containers, tmp_path: Path) -> None:
    context = StageContext(inv, inv.site("bukuan"), False, 0, str(tmp_path))
    checks = endpoint_checks(context)
    by_target: dict[str, list[str]] = {}
    for check in checks:
        assert not check.ok, check  # a bare container has no portal policy, queue or kiosk
        by_target.setdefault(check.target or "", []).append(f"{check.component}: {check.name}")
    assert sorted(by_target) == sorted(HOSTS)  # the other hosts have no container: not checked
    assert sorted(by_target["bukuan-pc01"]) == [
        "counters: browser opens the kelurahan's portal",
        "counters: operator session starts at boot",
        "counters: the site's printer queues are installed",
    ]
    assert sorted(by_target["bukuan-dsp01"]) == [
        "displays: kiosk and nightly restart enabled",
        "displays: kiosk shows the kelurahan's queue page",
    ]
    detail = next(c.detail for c in checks if c.name == "browser opens the kelurahan's portal")
    assert detail == "policy starts on no managed policy"


def test_the_endpoints_stage_converges_streams_events_and_then_verifies(
    inv, containers, tmp_path: Path
) -> None:
    from digikel.rollout.endpoints import endpoints_stage

    events: list[tuple[str, str]] = []
    site = inv.site("bukuan")

    def context(name: str) -> StageContext:
        return StageContext(
            inv,
            site,
            False,
            0,
            str(tmp_path / name),
            on_event=lambda host, text: events.append((host, text)),
        )

    first = endpoints_stage(context("first"))
    assert first.ok, first.detail
    assert first.changed
    results = {h.host: h for h in first.hosts}
    assert results["bukuan-pc01"].changed and not results["bukuan-pc01"].failed
    assert results["bukuan-dsp01"].changed and not results["bukuan-dsp01"].failed
    assert set(results) == set(HOSTS)  # the lab runs no container for the others
    # Every host's task results streamed back as they happened.
    assert {host for host, _ in events} >= set(HOSTS)
    assert any(text.startswith("ok: ") for _, text in events)

    checks = endpoint_checks(context("verify"))
    assert checks and all(c.ok for c in checks), [c for c in checks if not c.ok]

    second = endpoints_stage(context("second"))
    assert second.ok and not second.changed, second.detail
