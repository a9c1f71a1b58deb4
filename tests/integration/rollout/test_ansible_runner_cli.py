"""The project layout runs unchanged under ansible-runner's own CLI (and so under AWX)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent


def test_site_playbook_resolves_under_ansible_runner_cli(repo: Path, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env["PATH"] = f"{BIN}:{env.get('PATH', '')}"
    run = subprocess.run(
        [
            str(BIN / "ansible-runner"),
            "run",
            str(tmp_path),
            "--project-dir",
            str(repo),
            "-p",
            "playbooks/site.yml",
            "--inventory",
            str(repo / "inventory/lab/digikel.yml"),
            "--limit",
            "site_loa_bakung",
            "--cmdline=--list-hosts --list-tasks",
        ],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    text = run.stdout
    # The repo's ansible.cfg, inventory plugin and roles path all resolved:
    assert "loa-bakung-pc06" in text and "loa-bakung-dsp01" in text
    assert "counter : Point chromium at the kelurahan's portal" in text
    status = (tmp_path / "artifacts").glob("*/status")
    assert [p.read_text() for p in status] == ["successful"]
