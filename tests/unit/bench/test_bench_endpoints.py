"""The pure parts of the endpoints benchmark: the defaults configuration, the recap and the
profile_tasks parsers, and the rollout's no-change check."""

from __future__ import annotations

import configparser
import json
from pathlib import Path

import pytest
from bench.endpoints import (
    defaults_config,
    playbook_checker,
    recap,
    rollout_unchanged,
    slowest_tasks,
)

REPO = Path(__file__).resolve().parents[3]

PROJECT_CFG = """\
[defaults]
inventory = inventory/lab/digikel.yml
inventory_plugins = plugins/inventory
roles_path = roles:/opt/roles
vault_identity_list = lab@inventory/lab/vault-password.txt, prod@prompt
host_key_checking = True
forks = 16
gathering = smart
fact_caching = jsonfile
callbacks_enabled = ansible.posix.profile_tasks

[inventory]
enable_plugins = digikel, yaml
unparsed_is_failed = True

[ssh_connection]
pipelining = True
"""


def parsed(text: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(text)
    return parser


def test_defaults_config_keeps_only_what_finds_the_project() -> None:
    cfg = parsed(defaults_config(PROJECT_CFG, Path("/proj")))
    assert dict(cfg["defaults"]) == {
        "inventory": "/proj/inventory/lab/digikel.yml",
        "inventory_plugins": "/proj/plugins/inventory",
        "roles_path": "/proj/roles:/opt/roles",
        "vault_identity_list": "lab@/proj/inventory/lab/vault-password.txt,prod@prompt",
        "host_key_checking": "True",
    }
    assert dict(cfg["inventory"]) == {
        "enable_plugins": "digikel, yaml",
        "unparsed_is_failed": "True",
    }
    assert not cfg.has_section("ssh_connection")


def test_defaults_config_of_the_real_ansible_cfg_tunes_nothing() -> None:
    cfg = parsed(defaults_config((REPO / "ansible.cfg").read_text(), REPO))
    for tuning in ("forks", "gathering", "fact_caching", "callbacks_enabled", "strategy"):
        assert not cfg.has_option("defaults", tuning)
    assert not cfg.has_section("ssh_connection")
    for path in (cfg["defaults"]["inventory"], cfg["defaults"]["roles_path"]):
        assert Path(path).exists()


RECAP = """\
PLAY RECAP *********************************************************************
handil-bakti-dsp01         : ok=34   changed=0    unreachable=0    failed=0    skipped=1    rescued=0    ignored=0
handil-bakti-pc01          : ok=35   changed=2    unreachable=0    failed=0    skipped=3    rescued=0    ignored=0

TASKS RECAP ********************************************************************
Sunday 29 November 2026  11:34:59 +0000 (0:00:01.028)       0:01:53.485 *******
===============================================================================
baseline : Install the baseline packages -------------------------------- 4.36s
counter : Install chromium, the cage compositor and fonts -- 48.82s
baseline : Harden sshd (no root login), validated with sshd -t --- 3.83s
"""


def test_recap_and_checker() -> None:
    assert recap(RECAP) == {"handil-bakti-dsp01": (0, 0), "handil-bakti-pc01": (2, 0)}
    playbook_checker(expect_no_change=False)(RECAP)
    with pytest.raises(RuntimeError, match="expected no change"):
        playbook_checker(expect_no_change=True)(RECAP)
    with pytest.raises(RuntimeError, match="failed host"):
        playbook_checker(expect_no_change=False)(
            RECAP.replace("failed=0    skipped=1", "failed=1    skipped=1")
        )
    with pytest.raises(RuntimeError, match="no PLAY RECAP"):
        playbook_checker(expect_no_change=False)("ERROR! no playbook")


def test_slowest_tasks_from_profile_tasks() -> None:
    assert slowest_tasks(RECAP, top=2) == [
        ("counter : Install chromium, the cage compositor and fonts", 48.82),
        ("baseline : Install the baseline packages", 4.36),
    ]


def rollout_json(**site: object) -> str:
    base = {"site": "handil-bakti", "status": "ok", "stages": {"endpoints": "ok"}, "changed": False}
    return json.dumps({"run": 1, "status": "ok", "sites": [{**base, **site}]})


def test_rollout_unchanged() -> None:
    rollout_unchanged(rollout_json())
    with pytest.raises(RuntimeError):
        rollout_unchanged(rollout_json(changed=True))
    with pytest.raises(RuntimeError):  # skipped: no container ran
        rollout_unchanged(rollout_json(stages={"endpoints": "skipped"}))
