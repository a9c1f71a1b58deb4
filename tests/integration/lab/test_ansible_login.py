"""Ansible's network_cli (community.routeros and cisco.ios terminal plugins) logs in to the lab."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.lab

PLAYBOOK = """
- hosts: all
  gather_facts: false
  tasks:
    - name: Read the RouterOS identity
      community.routeros.command:
        commands: ["/system identity print"]
      when: ansible_network_os == 'community.routeros.routeros'
      register: ros
    - name: Read the IOS version and hostname in enable mode
      cisco.ios.ios_command:
        commands: ["show version", "show running-config | include ^hostname"]
      when: ansible_network_os == 'cisco.ios.ios'
      register: ios
    - name: Record what each device answered
      ansible.builtin.copy:
        dest: "{{ out_dir }}/{{ inventory_hostname }}.json"
        content: "{{ (ros.stdout if ros is not skipped else ios.stdout) | to_json }}"
      delegate_to: localhost
"""


def test_network_cli_logs_in_to_routeros_and_ios(lab, site_specs, names, tmp_path, known_hosts):
    chosen = [s for s in site_specs if s.name in (names["router"], names["switch"])]
    lab.reset([s.name for s in chosen])
    hosts = {}
    for spec in chosen:
        ios = spec.platform == "ios"
        hosts[spec.name] = {
            "ansible_host": spec.host,
            "ansible_port": spec.port,
            "ansible_user": spec.username,
            "ansible_password": spec.password,
            "ansible_connection": "ansible.netcommon.network_cli",
            "ansible_network_os": "cisco.ios.ios" if ios else "community.routeros.routeros",
            "ansible_become": ios,
            "ansible_become_method": "ansible.netcommon.enable",
            "ansible_become_password": spec.password,
        }
    inventory = tmp_path / "hosts.yml"
    inventory.write_text(yaml.safe_dump({"all": {"hosts": hosts}}))
    playbook = tmp_path / "play.yml"
    playbook.write_text(PLAYBOOK)
    env = dict(os.environ)
    env.update(
        ANSIBLE_HOST_KEY_CHECKING="True",
        ANSIBLE_CONFIG=str(tmp_path / "none.cfg"),
        ANSIBLE_PARAMIKO_HOST_KEY_AUTO_ADD="False",
        ANSIBLE_PARAMIKO_LOOK_FOR_KEYS="False",
        ANSIBLE_NETWORK_CLI_SSH_TYPE="paramiko",
        ANSIBLE_PARAMIKO_RECORD_HOST_KEYS="False",
        HOME=str(tmp_path),
    )
    (tmp_path / ".ssh").mkdir()
    (tmp_path / ".ssh" / "known_hosts").write_text(known_hosts.read_text())
    bin_dir = Path(sys.executable).parent
    result = subprocess.run(
        [
            str(bin_dir / "ansible-playbook"),
            "-i",
            str(inventory),
            str(playbook),
            "-e",
            f"out_dir={tmp_path}",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    router = json.loads((tmp_path / f"{names['router']}.json").read_text())
    switch = json.loads((tmp_path / f"{names['switch']}.json").read_text())
    assert "name: MikroTik" in router[0]
    assert "C1000 Software" in switch[0]
    assert switch[1].strip() == "hostname Switch"
