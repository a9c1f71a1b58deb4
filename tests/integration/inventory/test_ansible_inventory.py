"""The real `ansible-inventory`, driven by the repo's own ansible.cfg, sees the Python model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

BIN = Path(sys.executable).parent


def ansible_inventory(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    # Facts cached by earlier runs against the lab's containers would join the host variables.
    env["ANSIBLE_CACHE_PLUGIN"] = "memory"
    return subprocess.run(
        [str(BIN / "ansible-inventory"), *args],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def listed(repo: Path) -> dict:
    run = ansible_inventory(repo, "--list")
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def test_list_has_every_host_and_group_of_the_model(listed, inv) -> None:
    from digikel.inventory.hostvars import groups

    hostvars = listed["_meta"]["hostvars"]
    assert set(hostvars) == {d.name for d in inv.devices}
    for name, members in groups(inv).items():
        assert sorted(listed[name].get("hosts", [])) == sorted(members["hosts"]), name
        assert sorted(listed[name].get("children", [])) == sorted(members["children"]), name


def plain(value):
    """Ansible 2.19 marks inventory strings as data (not templates) when it dumps them."""
    if isinstance(value, dict):
        if set(value) == {"__ansible_unsafe"}:
            return value["__ansible_unsafe"]
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def test_hostvars_equal_the_python_api(listed, inv, repo) -> None:
    hostvars = listed["_meta"]["hostvars"]
    # Beyond the plugin's variables, hosts only get what the environment's group_vars files add:
    # those of `all` (the vault aside) to every host, those of a role's group to its hosts.
    group_vars = repo / "inventory/lab/group_vars"

    def keys(*files: Path) -> set[str]:
        return {k for f in files if f.exists() for k in yaml.safe_load(f.read_text()) or {}}

    everyone = keys(*(f for f in (group_vars / "all").glob("*.yml") if f.name != "vault.yml"))
    assert "digikel_package_cache_url" in everyone  # the lab's data-centre cache, for all hosts
    for device in inv.devices:
        expected = json.loads(json.dumps(inv.hostvars(device.name)))
        from_ansible = {
            k: plain(v) for k, v in hostvars[device.name].items() if not k.startswith("vault_")
        }
        assert {k: from_ansible.get(k) for k in expected} == expected, device.name
        extra = everyone | keys(group_vars / f"{device.role}s.yml")
        assert set(from_ansible) - set(expected) <= extra, device.name


def test_graph_shows_kecamatan_site_and_host(repo) -> None:
    run = ansible_inventory(repo, "--graph", "kecamatan_sungai_kunjang")
    assert run.returncode == 0, run.stderr
    assert "@site_loa_bakung:" in run.stdout
    assert "loa-bakung-rtr01" in run.stdout


def test_production_environment_uses_planned_addresses(repo) -> None:
    run = ansible_inventory(
        repo, "-i", "inventory/production/digikel.yml", "--host", "loa-bakung-rtr01"
    )
    assert run.returncode == 0, run.stderr
    hostvars = json.loads(run.stdout)
    assert (hostvars["ansible_host"], hostvars["ansible_port"]) == ("10.84.32.1", 22)


def test_a_broken_inventory_fails_ansible_with_the_same_message(repo, inventory_copy) -> None:
    env_file = inventory_copy(sites=[("      number: 2\n", "      number: 1\n")])
    run = ansible_inventory(repo, "-i", str(env_file), "--list")
    assert run.returncode != 0
    assert "duplicate number '1', already used by kelurahan 'Harapan Baru'" in run.stderr


def test_vault_reference_is_a_template_and_everything_else_data(listed) -> None:
    router = listed["_meta"]["hostvars"]["loa-bakung-rtr01"]
    # The password reference must be templated by Ansible (trusted), names must never be.
    assert router["ansible_password"] == "{{ vault_digikel_device_password }}"
    assert router["digikel_role"] == {"__ansible_unsafe": "router"}


def test_ansible_resolves_the_device_password_from_the_vault(repo) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    run = subprocess.run(
        [
            str(BIN / "ansible"),
            "loa-bakung-rtr01",
            "-c",
            "local",
            "-m",
            "ansible.builtin.debug",
            "-a",
            "msg={{ ansible_password | length }}-{{ ansible_password is match('lab-only') }}",
        ],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "20-True" in run.stdout
