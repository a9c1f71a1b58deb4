"""A dry run (--check) that can fail (issue 14).

No task hides its errors in check mode any longer. On a new PC a unit the packages would install is
unknown to systemd, so the role skips it, but only after proving that the packages ship it. This
test shows both sides on one fresh container of the base image, with the printing role (its
packages are the cheapest to fetch): the check passes as the role is, and fails when the role
names a unit that no package ships. The other roles' check on a fresh container is each Molecule
scenario's `check` step.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
VENV_BIN = REPO / ".venv" / "bin"

PLAYBOOK = """\
- name: Printing on a new PC
  hosts: all
  gather_facts: false
  roles:
    - role: printing
      vars:
        printing_queues:
          - {name: Loket, uri: "ipp://192.0.2.10/ipp/print", model: Loket printer}
        printing_location: Kelurahan Uji
"""


def _check(container: str, playbook: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "ANSIBLE_FORCE_COLOR": "0",
        "NO_COLOR": "1",
        "ANSIBLE_ROLES_PATH": str(REPO / "roles"),
        "ANSIBLE_CACHE_PLUGIN": "memory",  # never leave these facts in the lab's cache
    }
    return subprocess.run(
        [
            str(VENV_BIN / "ansible-playbook"), str(playbook), "--check", "--diff",
            "-i", f"{container},", "-c", "containers.podman.podman", *extra,
        ],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip


def _outcome(task: str, status: str) -> str:
    """A task's header followed by its status (the profile_tasks timing line may sit between)."""
    return rf"TASK \[{re.escape(task)}[^\n]*\n(?:[^\n]*\*\*\*[^\n]*\n)?\s*{status}: \["


@pytest.mark.molecule
def test_check_passes_on_a_fresh_pc_and_fails_on_a_wrong_unit_name(
    fresh_endpoint: str, tmp_path: Path
) -> None:
    playbook = tmp_path / "printing.yml"
    playbook.write_text(PLAYBOOK)

    honest = _check(fresh_endpoint, playbook)
    assert honest.returncode == 0, honest.stdout[-6000:] + honest.stderr[-2000:]
    assert "failed=0" in honest.stdout and "ignored=0" in honest.stdout
    # The proof ran and held (the packages were missing), and only then was the unit skipped.
    assert re.search(_outcome("apt_lists : Assert that every unit", "ok"), honest.stdout)
    assert re.search(
        _outcome("printing : Keep CUPS enabled and running", "skipping"), honest.stdout
    )

    wrong = _check(fresh_endpoint, playbook, "-e", "printing_cups_unit=cupz.service")
    assert wrong.returncode != 0, wrong.stdout[-6000:]
    assert "no package of" in wrong.stdout and "cupz.service" in wrong.stdout, wrong.stdout[-6000:]
    assert "ignored=0" in wrong.stdout

    # Neither run changed the PC: CUPS is still not installed.
    probe = subprocess.run(
        ["podman", "exec", fresh_endpoint, "sh", "-c", "command -v lpstat cupsd"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert probe.stdout.strip() == "", probe.stdout
