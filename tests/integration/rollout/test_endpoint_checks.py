"""The verify stage's endpoint checks: playbooks/verify.yml through ansible-runner's API, on a real
systemd container, turned into readiness checks.

The containers belong to a lab instance of the test's own (DIGIKEL_LABSVC_DIR, names
`t<worker>-ep-<host>`): the stage must find and converge them, never the operator's lab's."""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

import pytest

from digikel.labsvc import container_specs, containers_down, containers_up, podman_problem
from digikel.labsvc.instance import configure_instance
from digikel.rollout.endpoints import endpoint_checks
from digikel.rollout.stages import StageContext

HOSTS = ["bukuan-pc01", "bukuan-dsp01"]  # a site no other test boots


@pytest.fixture(scope="module")
def containers(inv, repo, tmp_path_factory):
    problem = podman_problem()
    assert problem is None, f"podman does not work here: {problem}"
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    state = tmp_path_factory.mktemp("labsvc-ep")
    instance = configure_instance(state, f"t{worker}-ep")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DIGIKEL_LABSVC_DIR", str(state))
        result = containers_up(container_specs(inv, [], hosts=HOSTS), repo_root=repo)
        assert result.skipped is None, result.skipped
        assert [c.container for c in result.containers] == [instance.container(h) for h in HOSTS]
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
    # It was the instance's own container that was converged: chromium is installed in it.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    probe = subprocess.run(
        ["podman", "exec", f"t{worker}-ep-bukuan-pc01", "sh", "-c", "command -v chromium"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert probe.returncode == 0 and probe.stdout.strip(), probe.stderr

    # The run's records never hold digikel's SSH key: the run's own agent kept it in memory.
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert b"PRIVATE KEY" not in path.read_bytes(), path


def close_master(host: str, port: object, user: str) -> None:
    """End Ansible's ControlPersist master to host:port (its path: ssh.py _create_control_path)."""
    digest = hashlib.sha1(f"{host}-{port}-{user}".encode()).hexdigest()[:10]
    subprocess.run(
        ["ssh", "-O", "exit", "-o", f"ControlPath={Path.home()}/.ansible/cp/{digest}",
         "-p", str(port), f"{user}@{host}"],
        capture_output=True, timeout=30, check=False,
    )  # fmt: skip


def test_a_changed_or_unknown_host_key_stops_the_stage_and_says_so(
    inv, containers, tmp_path: Path
) -> None:
    from digikel.labsvc.instance import lab_instance
    from digikel.rollout.endpoints import endpoints_stage

    known = lab_instance().state_dir / "known_hosts"
    pinned = known.read_text()
    site = inv.site("bukuan")
    other = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIXpI74ExClLJadKazYkCkf1a30w8AlzAIg9y/DzOCbc"
    lines = pinned.splitlines()
    # Ansible's ControlPersist masters of the earlier tests are verified channels: end them, so
    # the stage's connections meet the known_hosts file afresh.
    from digikel.labsvc.environment import LabEnvironment

    admin = inv.city.accounts.admins[0].name
    for where in LabEnvironment(inv).endpoints("bukuan", HOSTS).connections.values():
        close_master(str(where["ansible_host"]), where["ansible_port"], admin)
    try:
        # every pinned key replaced by another machine's: changed
        known.write_text("".join(f"{line.split(' ', 1)[0]} {other}\n" for line in lines))
        changed = endpoints_stage(StageContext(inv, site, True, 0, str(tmp_path / "changed")))
        assert not changed.ok
        assert "bukuan-pc01: its SSH host key CHANGED" in changed.detail, changed.detail
        assert all(h.unreachable for h in changed.hosts if h.host in HOSTS)
        # nothing pinned: unknown, and nothing is learnt
        known.write_text("")
        unknown = endpoints_stage(StageContext(inv, site, True, 0, str(tmp_path / "unknown")))
        assert not unknown.ok
        assert "bukuan-dsp01: its SSH host key is not pinned" in unknown.detail, unknown.detail
        assert known.read_text() == ""
    finally:
        known.write_text(pinned)
