"""playbooks/verify.yml's "Evidence displays: the queue page is on screen", for real.

A fresh container of the base image becomes a screen-less queue display (the display role with
display_backend=headless, its kiosk really running under cage), then verify.yml's displays play
takes the picture on it, fetches it into the evidence folder the verify stage names and judges
it; with the kiosk stopped the same check fails.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[3]
VENV_BIN = REPO / ".venv" / "bin"
CHECK = "Evidence displays: the queue page is on screen"
PAGE = (
    "<!doctype html><html><body style='margin:0;background:#1a5276;color:#fff;"
    "font:96px DejaVu Sans'><p>Antrian</p><p>A-042</p></body></html>"
)
CONVERGE = f"""\
- name: A screen-less queue display
  hosts: displays
  gather_facts: true
  pre_tasks:
    - name: Write the queue page the display shows
      ansible.builtin.copy:
        content: "{PAGE}"
        dest: /var/lib/digikel-test-queue.html
        mode: "0644"
  roles:
    - role: display
      vars:
        display_backend: headless
"""


def _playbook(
    playbook: Path, inventory: Path, *extra: str, json_output: bool = False
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "ANSIBLE_FORCE_COLOR": "0",
        "NO_COLOR": "1",
        "ANSIBLE_ROLES_PATH": str(REPO / "roles"),
        "ANSIBLE_CACHE_PLUGIN": "memory",  # never leave these facts in the lab's cache
    }
    if json_output:
        env["ANSIBLE_STDOUT_CALLBACK"] = "ansible.posix.json"
    return subprocess.run(
        [str(VENV_BIN / "ansible-playbook"), str(playbook), "-i", str(inventory), *extra],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip


def _failure(done: subprocess.CompletedProcess[str]) -> str:
    """The failed tasks' messages (apt's can be long) and the run's tail."""
    fatal = [line[:3000] for line in done.stdout.splitlines() if line.startswith("fatal:")]
    return "\n".join(fatal) + "\n" + done.stdout[-4000:] + done.stderr[-2000:]


def _check_message(output: str, host: str) -> dict[str, Any]:
    # The JSON report, between the timing lines of the profile_tasks callback (ansible.cfg).
    start = output.index("\n{\n") + 1 if not output.startswith("{") else 0
    report, _ = json.JSONDecoder().raw_decode(output[start:])
    for play in report["plays"]:
        for task in play["tasks"]:
            if task["task"]["name"] == CHECK:
                message: dict[str, Any] = task["hosts"][host]["msg"]
                return message
    raise AssertionError(f"no {CHECK!r} task ran")


@pytest.mark.molecule
def test_the_display_check_keeps_a_good_picture_and_fails_without_kiosk(
    fresh_endpoint: str, tmp_path: Path, screenshot_tool: Any
) -> None:
    inventory = tmp_path / "hosts.yml"
    inventory.write_text(
        json.dumps(
            {
                "displays": {
                    "hosts": {fresh_endpoint: {"ansible_connection": "containers.podman.podman"}},
                    "vars": {
                        "digikel_site": {"queue_url": "file:///var/lib/digikel-test-queue.html"}
                    },
                }
            }
        )
    )
    converge = tmp_path / "converge.yml"
    converge.write_text(CONVERGE)
    done = _playbook(converge, inventory)
    assert done.returncode == 0, _failure(done)

    evidence = tmp_path / "evidence"
    verify = REPO / "playbooks" / "verify.yml"
    done = _playbook(verify, inventory, "-e", f"digikel_evidence_dir={evidence}", json_output=True)
    assert done.returncode == 0, _failure(done)
    message = _check_message(done.stdout, fresh_endpoint)
    assert str(message["ok"]).lower() == "true", message
    assert "kiosk running" in message["detail"] and "1920x1080 PNG" in message["detail"]
    picture = evidence / f"{fresh_endpoint}.png"
    assert f"picture kept as {picture}" in message["detail"]
    width, height, colours = screenshot_tool.png_summary(picture.read_bytes())
    assert (width, height) == (1920, 1080) and colours > 2

    # The kiosk stopped: the check fails; without an evidence folder nothing is fetched.
    stop = subprocess.run(
        ["podman", "exec", fresh_endpoint, "systemctl", "stop", "digikel-kiosk.service"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert stop.returncode == 0, stop.stderr
    picture.unlink()
    done = _playbook(verify, inventory, json_output=True)
    assert done.returncode == 0, _failure(done)
    message = _check_message(done.stdout, fresh_endpoint)
    assert str(message["ok"]).lower() == "false", message
    assert message["detail"].startswith("kiosk ") and "kiosk running" not in message["detail"]
    assert "picture not kept" in message["detail"]
    assert not picture.exists()
