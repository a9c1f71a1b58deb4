"""Lab instances: each state directory owns its container names and data-centre addresses, so the
operator's lab and the tests' run side by side (docs/lab-services.md)."""

from __future__ import annotations

import json
import subprocess
import sys
from ipaddress import IPv4Address
from pathlib import Path

import pytest

from digikel.environment import Endpoints
from digikel.errors import InputError
from digikel.labsvc import LAB_PLAN, DatacentrePlan, datacentre_status, stop_datacentre
from digikel.labsvc.containers import container_specs, run_args
from digikel.labsvc.datacentre import start_datacentre
from digikel.labsvc.instance import configure_instance, lab_instance
from digikel.labsvc.state import project_state_dir
from digikel.rollout.endpoints import connections_file, project_dir

BIN = Path(sys.executable).parent


def test_the_operators_lab_names_containers_after_their_hosts(repo: Path, monkeypatch) -> None:
    monkeypatch.delenv("DIGIKEL_LABSVC_DIR", raising=False)
    monkeypatch.chdir(repo)
    instance = lab_instance()
    assert instance.state_dir == project_state_dir() == repo / ".digikel" / "labsvc"
    assert instance.name == ""
    assert instance.container("sungai-keledang-pc01") == "sungai-keledang-pc01"
    assert instance.portal_publish == "127.66.1.1:8443:443"
    assert instance.facts_dir is None  # ansible.cfg's own cache


def test_any_other_state_directory_is_another_instance(tmp_path: Path, inv) -> None:
    first, second = lab_instance(tmp_path / "a"), lab_instance(tmp_path / "b")
    assert first.name and second.name and first.name != second.name
    assert first.container("loa-bakung-pc01") == f"{first.name}-loa-bakung-pc01"
    assert first.facts_dir == tmp_path / "a" / "facts"
    # What it starts carries its name: podman's name and label, and its own apt cache.
    spec = container_specs(inv, [], hosts=["loa-bakung-pc01"], instance=first)[0]
    args = run_args(spec, "img", first)
    assert args[args.index("--name") + 1] == f"{first.name}-loa-bakung-pc01"
    assert args[args.index("--hostname") + 1] == "loa-bakung-pc01"
    assert f"digikel.labsvc.instance={first.name}" in args


def test_a_configured_instance_keeps_its_name_and_plan(tmp_path: Path, inv) -> None:
    plan = DatacentrePlan(
        apps_base=IPv4Address("127.66.250.10"),
        portal=IPv4Address("127.66.251.1"),
        queue=IPv4Address("127.66.251.2"),
    )
    configure_instance(tmp_path, "t9-doc", plan)
    instance = lab_instance(tmp_path)
    assert (instance.name, instance.plan) == ("t9-doc", plan)
    assert instance.portal_publish == "127.66.251.1:8443:443"
    portal = container_specs(inv, [], hosts=["dc-portal01"], instance=instance)[0]
    # sshd on a port podman picks (not the operator's address), HTTPS on the instance's plan
    assert portal.publish == ("127.0.0.1::22", "127.66.251.1:8443:443")
    with pytest.raises(InputError, match="lab instance name"):
        configure_instance(tmp_path, "Not A Name!")


def test_the_data_centre_listens_on_its_instances_plan(
    tmp_path: Path, inv, moved_plan: DatacentrePlan
) -> None:
    configure_instance(tmp_path, "t9-dc", moved_plan)
    try:
        status = start_datacentre(inv, tmp_path)  # no plan given: the instance's
        addresses = {item.address for item in status.listeners}
        assert str(moved_plan.queue) in addresses and str(LAB_PLAN.queue) not in addresses
        assert all(item.state == "up" for item in status.listeners), status.as_dict()
    finally:
        stop_datacentre(tmp_path)
    assert not datacentre_status(tmp_path).running


def test_ansible_reaches_an_instances_containers_through_its_connections(
    tmp_path: Path, inv, repo: Path, monkeypatch
) -> None:
    """The rollout's second inventory source: real `ansible-inventory`, city inventory first."""
    state = tmp_path / "labsvc"
    configure_instance(state, "t9-conn")
    monkeypatch.setenv("DIGIKEL_LABSVC_DIR", str(state))
    hosts = ["sungai-keledang-pc01", "sungai-keledang-dsp01"]
    connections = connections_file(
        Endpoints(
            hosts,
            connections={
                h: {"ansible_host": "127.0.0.1", "ansible_port": 40022 + i}
                for i, h in enumerate(hosts)
            },
        ),
        tmp_path,
    )
    assert connections is not None and lab_instance().name == "t9-conn"
    for host in hosts:
        done = subprocess.run(
            [
                str(BIN / "ansible-inventory"),
                "-i",
                str(repo / "inventory" / "lab" / "digikel.yml"),
                "-i",
                str(connections),
                "--host",
                host,
            ],
            cwd=repo,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        hostvars = json.loads(done.stdout)
        # the run's connections win over the city inventory's (not the operator's container)
        assert (hostvars["ansible_host"], hostvars["ansible_port"]) == (
            "127.0.0.1",
            40022 + hosts.index(host),
        )
        assert hostvars["ansible_connection"] == "ssh"


def test_a_copied_inventory_still_runs_the_projects_playbooks(
    inventory_copy, repo: Path, monkeypatch
) -> None:
    from digikel.inventory import load_inventory

    copied = load_inventory(inventory_copy())
    assert not (copied.root.parent / "playbooks").exists()
    monkeypatch.chdir(copied.root.parent)  # nowhere near the project
    assert project_dir(copied) == repo
