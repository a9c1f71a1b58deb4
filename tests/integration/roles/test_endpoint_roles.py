"""The endpoint roles and playbooks, for real.

Every role's Molecule scenario runs in full (destroy, syntax, create, prepare, check, converge,
idempotence, side_effect where present, verify, destroy) in podman systemd containers booted from
the locally built Debian 12 image; a failing step fails the test. The playbooks are checked
against the real lab inventory: syntax, and which hosts a site, kecamatan or wave limit selects.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
VENV_BIN = REPO / ".venv" / "bin"
ROLES = sorted(p.parents[2].name for p in REPO.glob("roles/*/molecule/default/molecule.yml"))
PLAYBOOKS = sorted(p.name for p in (REPO / "playbooks").glob("*.yml"))
TIMINGS = REPO / ".digikel" / "molecule-timings.json"
SCENARIO_TIMEOUT = 20 * 60


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    env["ANSIBLE_FORCE_COLOR"] = "0"
    env["PY_COLORS"] = "0"
    env["NO_COLOR"] = "1"
    return env


def _run(args: list[str], cwd: Path = REPO, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=cwd, env=_env(), capture_output=True, text=True, timeout=timeout, check=False
    )


def _record_timing(role: str, seconds: float, ok: bool) -> None:
    TIMINGS.parent.mkdir(parents=True, exist_ok=True)
    data = json.loads(TIMINGS.read_text()) if TIMINGS.exists() else {}
    data[role] = {"seconds": round(seconds, 1), "ok": ok, "at": int(time.time())}
    TIMINGS.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")


def test_every_role_has_a_scenario() -> None:
    roles = sorted(p.name for p in (REPO / "roles").iterdir() if (p / "tasks").is_dir())
    assert roles == ROLES
    assert {"baseline", "counter", "display", "printing", "portal"} <= set(ROLES)


def test_scenario_host_vars_match_the_inventory() -> None:
    """The scenarios play real lab devices: their generated host variables are current."""
    result = _run([sys.executable, str(REPO / "scripts" / "molecule_hostvars.py"), "--check"])
    assert result.returncode == 0, (
        "stale Molecule host variables; run .venv/bin/python scripts/molecule_hostvars.py\n"
        + result.stderr
    )


@pytest.mark.parametrize("playbook", PLAYBOOKS)
def test_playbook_syntax(playbook: str) -> None:
    result = _run([str(VENV_BIN / "ansible-playbook"), "--syntax-check", f"playbooks/{playbook}"])
    assert result.returncode == 0, result.stdout + result.stderr


def _hosts(playbook: str, limit: str) -> set[str]:
    result = _run(
        [str(VENV_BIN / "ansible-playbook"), f"playbooks/{playbook}", "--list-hosts", "-l", limit]
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return {
        line.strip()
        for line in result.stdout.splitlines()
        if line.startswith("      ") and not line.strip().startswith(("pattern:", "hosts ("))
    }


@pytest.mark.parametrize(
    ("limit", "select"),
    [
        ("site_loa_bakung", {"sites": ["loa-bakung"]}),
        ("kecamatan_palaran", {"kecamatan": ["Palaran"]}),
        ("wave_pilot_2023", {"wave": ["pilot-2023"]}),
    ],
)
def test_site_playbook_limits_follow_the_inventory_groups(
    inv, limit: str, select: dict[str, list[str]]
) -> None:
    sites = inv.select(**select)
    assert sites
    expected = {d.name for s in sites for d in s.devices if d.role in ("counter", "display")}
    assert _hosts("site.yml", limit) == expected
    assert _hosts("printing.yml", limit) == {n for n in expected if "-pc" in n}


def test_portal_playbook_targets_the_data_centre_host() -> None:
    assert _hosts("portal.yml", "all") == {"dc-portal01"}
    assert "dc-portal01" in _hosts("baseline.yml", "datacentre")


def test_ansible_lint_production_profile() -> None:
    result = _run(
        [
            str(VENV_BIN / "ansible-lint"),
            "--nocolor",
            "roles",
            "playbooks",
            "tests/integration/roles",
        ],
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    assert "Profile 'production' was required, and it passed" in result.stderr + result.stdout


@pytest.mark.molecule
@pytest.mark.parametrize("role", ROLES)
def test_molecule_scenario(role: str, base_image: str, molecule_lock: None) -> None:
    started = time.monotonic()
    try:
        result = _run(
            [str(VENV_BIN / "molecule"), "test"],
            cwd=REPO / "roles" / role,
            timeout=SCENARIO_TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        _run([str(VENV_BIN / "molecule"), "destroy"], cwd=REPO / "roles" / role)
        _record_timing(role, time.monotonic() - started, ok=False)
        raise
    seconds = time.monotonic() - started
    _record_timing(role, seconds, ok=result.returncode == 0)
    print(f"molecule test {role}: {seconds:.0f} s", file=sys.stderr)
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"molecule test {role} failed:\n{output[-8000:]}"
    # Both of molecule's log formats: "[default > verify] Executed" and "default ➜ verify: Executed".
    for step in ("check", "converge", "idempotence", "verify"):
        assert re.search(rf"\b{step}\W+Executed: Successful", output), f"{role}: no {step} step"


@pytest.mark.molecule
def test_playbooks_run_in_check_diff_mode_on_a_fresh_endpoint(
    fresh_endpoint: str, podman_as_root: list[str]
) -> None:
    """Each playbook, limited to one real lab host of the inventory (its container replaced by a
    fresh one through ansible_host), runs clean in --check --diff and changes nothing."""
    runs = [
        ("site.yml", "loa-bakung-pc01"),
        ("displays.yml", "loa-bakung-dsp01"),
        ("printing.yml", "pelabuhan-pc01"),
        ("portal.yml", "dc-portal01"),
        ("baseline.yml", "dc-portal01"),
    ]
    env_cache = {"ANSIBLE_CACHE_PLUGIN": "memory"}  # never leave these facts in the lab's cache
    for playbook, host in runs:
        result = subprocess.run(
            [
                str(VENV_BIN / "ansible-playbook"), f"playbooks/{playbook}", "--check", "--diff",
                "-l", host, "-e", f"ansible_host={fresh_endpoint}", *podman_as_root,
            ],
            cwd=REPO, env={**_env(), **env_cache}, capture_output=True, text=True,
            timeout=600, check=False,
        )  # fmt: skip
        assert result.returncode == 0, f"{playbook} -l {host}:\n{result.stdout[-6000:]}"
        assert f"{host}" in result.stdout and "failed=0" in result.stdout
    # --check changed nothing: the container still has no chromium, CUPS or nginx.
    probe = _run(["podman", "exec", fresh_endpoint, "sh", "-c", "command -v chromium lpstat nginx"])
    assert probe.stdout.strip() == "", probe.stdout
