"""What ansible-runner hands ansible-playbook, from digikel's arguments (ansible-runner's own
preparation, no playbook run)."""

from __future__ import annotations

from pathlib import Path

from ansible_runner.config.runner import RunnerConfig

from digikel.rollout.endpoints import runner_args


def _prepared_env(repo: Path, tmp_path: Path) -> dict[str, str]:
    args = runner_args(
        repo, repo / "inventory/lab/digikel.yml", "bukuan-pc01", False, tmp_path / "run"
    )
    config = RunnerConfig(**{k: v for k, v in args.items() if k not in ("quiet", "json_mode")})
    config.prepare()
    return config.env


def test_host_keys_are_checked_although_ansible_runner_turns_it_off(
    repo: Path, tmp_path: Path
) -> None:
    # ansible-runner's default is False: every changed or unknown host key would be accepted.
    assert _prepared_env(repo, tmp_path)["ANSIBLE_HOST_KEY_CHECKING"] == "True"


def test_the_projects_ansible_cfg_and_fact_cache_are_used(repo: Path, tmp_path: Path) -> None:
    env = _prepared_env(repo, tmp_path)
    assert env["ANSIBLE_CONFIG"] == str(repo / "ansible.cfg")
    # ansible.cfg's fact cache, not one of ansible-runner's per run
    assert "fact_cache" not in env.get("ANSIBLE_CACHE_PLUGIN_CONNECTION", "")
