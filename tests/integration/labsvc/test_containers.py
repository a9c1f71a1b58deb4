"""Endpoint containers for real: podman, systemd inside, Ansible through the real inventory.

Boots two containers (a counter of loa-bakung and the data-centre portal) in a lab instance of the
test's own (its state directory, container names `t<worker>-ctr-<host>`, the portal published on
the moved data-centre plan), so the operator's lab on this machine (containers named after their
hosts, the portal on 127.66.1.1:8443) is neither reused, nor disturbed, nor removed."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from digikel.cli.common import Context
from digikel.cli.labsvc import app
from digikel.errors import DigikelError
from digikel.labsvc import DatacentrePlan, containers_down, containers_status, podman_problem
from digikel.labsvc.containers import (
    APT_CACHE,
    LABEL,
    STATE_LABEL,
    base_image,
    container_specs,
    containers_up,
    run_args,
)
from digikel.labsvc.environment import LabEnvironment
from digikel.labsvc.instance import Instance, configure_instance
from digikel.rollout.endpoints import connections_file

HOSTS = ["loa-bakung-pc01", "dc-portal01"]
UP = ["up", "--only", "containers", *(a for h in HOSTS for a in ("--host", h))]


def _podman(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["podman", *args], capture_output=True, text=True, timeout=120)


def _others() -> dict[str, str]:
    """{container: id} of every lab container that is not a test's (the operator's lab). Tests'
    instances are named t<xdist worker>-...: the other worker's come and go meanwhile."""
    done = _podman(
        "ps", "--all", "--filter", f"label={LABEL}=endpoint", "--format", "{{.Names}} {{.ID}}"
    )
    rows = (line.split() for line in done.stdout.splitlines() if line.strip())
    return {name: ident for name, ident in rows if not re.match(r"t\d+-", name)}


@pytest.fixture
def instance(
    tmp_path: Path, moved_plan: DatacentrePlan, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Instance]:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    state = tmp_path / "labsvc"
    # The CLI and the library find the lab instance through DIGIKEL_LABSVC_DIR, as an operator's.
    monkeypatch.setenv("DIGIKEL_LABSVC_DIR", str(state))
    yield configure_instance(state, f"t{worker}-ctr", moved_plan)


def _check_systemd_and_hostname(instance: Instance) -> None:
    for host in HOSTS:
        name = instance.container(host)
        assert name == f"{instance.name}-{host}"
        state = _podman("exec", name, "systemctl", "is-system-running").stdout.strip()
        assert state in ("running", "degraded"), f"{name}: {state}"
        # The container is the host for whatever runs inside: its name is the inventory's.
        assert _podman("exec", name, "hostname").stdout.strip() == host
        assert _podman("exec", name, "cat", "/proc/1/comm").stdout.strip() == "systemd"


def _check_capability_and_apt_cache(instance: Instance) -> None:
    name = instance.container("loa-bakung-pc01")
    info = json.loads(_podman("container", "inspect", name).stdout)[0]
    assert "CAP_NET_ADMIN" in info["EffectiveCaps"]
    mounts = {m["Destination"]: m["Source"] for m in info["Mounts"]}
    # Each container has its own archive cache: apt must not share a lock across containers.
    assert mounts["/var/cache/apt/archives"] == str(APT_CACHE / name)
    assert info["Config"]["Labels"][f"{LABEL}.instance"] == instance.name


def _check_portal_port(instance: Instance) -> None:
    portal = f"{instance.plan.portal}:{instance.plan.port}"
    assert portal != "127.66.1.1:8443"  # never the operator's lab's portal address
    published = _podman("port", instance.container("dc-portal01")).stdout.strip().splitlines()
    assert f"443/tcp -> {portal}" in published
    assert any(line.startswith("22/tcp -> 127.0.0.1:") for line in published)
    sockets = subprocess.run(["ss", "-ltnH"], capture_output=True, text=True).stdout
    assert f"{portal} " in sockets


def _ansible(repo: Path, hosts: list[str], connections: Path, key: Path, *args: str):
    return subprocess.run(
        [
            str(repo / ".venv" / "bin" / "ansible"),
            ":".join(hosts),
            "-i",
            str(repo / "inventory" / "lab" / "digikel.yml"),
            "-i",
            str(connections),
            "--private-key",
            str(key),
            *args,
        ],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "ANSIBLE_CACHE_PLUGIN": "memory", "SSH_AUTH_SOCK": ""},
    )


def _endpoint_key(inv, tmp_path: Path) -> Path:
    from digikel.inventory.secrets import load_secrets

    key = tmp_path / "digikel-endpoint-key"
    key.write_text(load_secrets(inv)["vault_digikel_endpoint_ssh_private_key"])
    key.chmod(0o600)
    return key


def _check_ansible_over_ssh(repo: Path, inv, tmp_path: Path, instance: Instance) -> None:
    # The city inventory, and after it the lab instance's connections (what the rollout's
    # endpoints stage passes): each host reaches its own container over SSH, as the installer's
    # admin with digikel's key, verified against the key pinned at boot.
    lab = LabEnvironment(inv)
    endpoints = lab.endpoints("loa-bakung", HOSTS)
    assert endpoints.reachable == HOSTS
    connections = connections_file(endpoints, tmp_path)
    assert connections is not None
    for host in HOSTS:
        where = endpoints.connections[host]
        assert where["ansible_host"] == "127.0.0.1"  # a test's instance: a port of its own
        pinned = (instance.state_dir / "known_hosts").read_text()
        assert f"[127.0.0.1]:{where['ansible_port']} ssh-ed25519 " in pinned
    key = _endpoint_key(inv, tmp_path)
    done = _ansible(repo, HOSTS, connections, key, "-m", "ansible.builtin.command", "-a", "id -un")
    assert done.returncode == 0, done.stdout + done.stderr
    admin = inv.city.accounts.admins[0].name
    for name in HOSTS:
        assert f"{name} | CHANGED | rc=0 >>\n{admin}" in done.stdout, done.stdout


def ansible_control_path(host: str, port: object, user: str) -> str:
    """Where Ansible's ssh connection keeps its master (ssh.py _create_control_path)."""
    digest = hashlib.sha1(f"{host}-{port}-{user}".encode()).hexdigest()[:10]
    return f"{Path.home()}/.ansible/cp/{digest}"


def close_master(host: str, port: object, user: str) -> None:
    """End Ansible's ControlPersist master to host:port: an open master is an already verified
    channel, and the next connection must meet the known_hosts file afresh."""
    subprocess.run(
        ["ssh", "-O", "exit", "-o", f"ControlPath={ansible_control_path(host, port, user)}",
         "-p", str(port), f"{user}@{host}"],
        capture_output=True, timeout=30, check=False,
    )  # fmt: skip


def _check_unknown_and_changed_keys_are_refused(
    repo: Path, inv, tmp_path: Path, instance: Instance
) -> None:
    known = instance.state_dir / "known_hosts"
    pinned = known.read_text()
    lab = LabEnvironment(inv)
    connections = connections_file(lab.endpoints("loa-bakung", HOSTS), tmp_path)
    assert connections is not None
    key = _endpoint_key(inv, tmp_path)
    host = HOSTS[0]
    port = lab.endpoints("loa-bakung", [host]).connections[host]["ansible_port"]
    mine = f"[127.0.0.1]:{port} "
    close_master("127.0.0.1", port, inv.city.accounts.admins[0].name)
    try:
        # unknown: the line is gone; OpenSSH must refuse, not learn it
        known.write_text("".join(x for x in pinned.splitlines(True) if not x.startswith(mine)))
        done = _ansible(repo, [host], connections, key, "-m", "ansible.builtin.ping")
        assert done.returncode != 0 and "UNREACHABLE" in done.stdout, done.stdout
        assert "Host key verification failed" in done.stdout + done.stderr
        assert mine not in known.read_text()  # nothing was learnt
        # changed: another machine's key where this one's was pinned
        other = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIXpI74ExClLJadKazYkCkf1a30w8AlzAIg9y/DzOCbc"
        known.write_text(pinned.replace(pinned.split(mine, 1)[1].split("\n")[0], other))
        done = _ansible(repo, [host], connections, key, "-m", "ansible.builtin.ping")
        assert done.returncode != 0, done.stdout
        assert "REMOTE HOST IDENTIFICATION HAS CHANGED" in done.stdout + done.stderr
    finally:
        known.write_text(pinned)
    done = _ansible(repo, [host], connections, key, "-m", "ansible.builtin.ping")
    assert done.returncode == 0, done.stdout + done.stderr


def test_two_endpoint_containers_boot_answer_ansible_and_go(
    lab_inventory_path: Path, repo: Path, inv, instance: Instance, tmp_path: Path
) -> None:
    # setup installs podman: where it does not work, the test fails rather than skip unseen.
    problem = podman_problem()
    assert problem is None, f"podman does not work on this machine: {problem}"
    others = _others()
    runner = CliRunner()
    try:
        result = runner.invoke(app, UP, obj=Context(json=True, inventory_path=lab_inventory_path))
        assert result.exit_code == 0, result.output
        rows = json.loads(result.stdout)["containers"]["containers"]
        assert [(c["name"], c["container"], c["state"], c["ready"]) for c in rows] == [
            (h, instance.container(h), "running", True) for h in HOSTS
        ]
        _check_systemd_and_hostname(instance)
        _check_capability_and_apt_cache(instance)
        _check_portal_port(instance)
        _check_ansible_over_ssh(repo, inv, tmp_path, instance)
        _check_unknown_and_changed_keys_are_refused(repo, inv, tmp_path, instance)
        # The instance sees its own containers only.
        assert sorted(c.name for c in containers_status()) == sorted(HOSTS)

        # up again keeps the very same containers
        names = [instance.container(h) for h in HOSTS]
        ids = _podman("inspect", "--format", "{{.Id}}", *names).stdout.split()
        again = runner.invoke(app, UP, obj=Context(inventory_path=lab_inventory_path))
        assert again.exit_code == 0, again.output
        assert _podman("inspect", "--format", "{{.Id}}", *names).stdout.split() == ids
    finally:
        removed = containers_down()  # everything of this instance, and nothing else
    assert sorted(removed) == sorted(HOSTS)
    for host in HOSTS:
        assert _podman("container", "exists", instance.container(host)).returncode == 1
    assert [c.state for c in containers_status(HOSTS)] == ["missing", "missing"]
    # Every other lab's container (the operator's) is still there, the very same one.
    after = _others()
    assert {n: after.get(n) for n in others} == others


def test_another_checkouts_containers_are_refused_and_its_orphans_replaced(
    inv, repo: Path, tmp_path: Path, moved_plan: DatacentrePlan
) -> None:
    """Two checkouts are both "the operator's lab" with the same names: the container one made
    is never reused, listed or removed by the other while that checkout exists, and is replaced
    once it is gone (a deleted clone's leftover)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    first = configure_instance(tmp_path / "first" / "labsvc", f"t{worker}-twin", moved_plan)
    second = configure_instance(tmp_path / "second" / "labsvc", f"t{worker}-twin", moved_plan)
    host = "loa-bakung-pc02"
    specs = container_specs(inv, [], hosts=[host], instance=second)
    name = first.container(host)
    assert name == second.container(host)
    (APT_CACHE / name).mkdir(parents=True, exist_ok=True)  # what containers_up prepares
    made = _podman(*run_args(specs[0], base_image(repo), first)[1:])
    try:
        assert made.returncode == 0, made.stderr
        with pytest.raises(DigikelError, match=f"another checkout \\({first.state_dir}\\)"):
            containers_up(specs, repo_root=repo, state_dir=second.state_dir)
        assert [c.state for c in containers_status([host], state_dir=second.state_dir)] == [
            "missing"
        ]
        assert containers_down(state_dir=second.state_dir) == []
        assert _podman("container", "exists", name).returncode == 0

        shutil.rmtree(tmp_path / "first")  # the first checkout is deleted: an orphan
        result = containers_up(specs, repo_root=repo, state_dir=second.state_dir)
        assert [(c.name, c.state) for c in result.containers] == [(host, "running")]
        owner = _podman(
            "inspect", "--format", f'{{{{ index .Config.Labels "{STATE_LABEL}" }}}}', name
        ).stdout.strip()
        assert owner == str(second.state_dir)
    finally:
        containers_down(state_dir=second.state_dir)
        _podman("rm", "--force", "--time", "1", name)
