"""`digikel watch`, `digikel drift` and `digikel lab drift` through the real CLI, in processes of
their own, on the watch's lab: a hand change is found, shown in full, makes the site not ready,
and is gone after a push; `--install` writes units that systemd-analyze accepts elsewhere
(test_install_units.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.lab
DIGIKEL = str(Path(sys.executable).parent / "digikel")
SITE = "rapak-dalam"
WatchLab = Any  # conftest.WatchLab


def cli(watchlab: WatchLab, *args: str) -> subprocess.CompletedProcess[str]:
    env = os.environ.copy()
    env["DIGIKEL_DB_URL"] = f"sqlite:///{watchlab.root / 'store.db'}"
    env["DIGIKEL_BACKUP_DIR"] = str(watchlab.root / "b")
    env["DIGIKEL_LABSVC_DIR"] = str(watchlab.labsvc)
    return subprocess.run(
        [DIGIKEL, "-i", str(watchlab.env_file), *args],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=600,
        check=False,
    )


def test_a_hand_change_is_watched_shown_blocks_readiness_and_is_put_back(
    watchlab: WatchLab,
) -> None:
    from digikel.lab.drift import NEW_VLAN_NAME

    clean = cli(watchlab, "--json", "watch", "--site", SITE, "--only", "network")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert json.loads(clean.stdout)["drifted_sites"] == []

    made = cli(watchlab, "lab", "drift", SITE, "--kind", "vlan-rename")
    assert made.returncode == 0, made.stdout + made.stderr
    assert f"{SITE}-rtr01: vlan-rename" in made.stdout

    found = cli(watchlab, "--json", "watch", "--site", SITE, "--only", "network")
    assert found.returncode == 3, found.stdout + found.stderr
    doc = json.loads(found.stdout)
    assert doc["kind"] == "watch" and doc["drifted_sites"] == [SITE]
    assert "Traceback" not in found.stderr

    shown = cli(watchlab, "drift", SITE)
    assert shown.returncode == 3, shown.stdout + shown.stderr
    assert f"network {SITE}-rtr01" in shown.stdout and NEW_VLAN_NAME in shown.stdout
    assert "open" in shown.stdout

    status = cli(watchlab, "--json", "site", "show", SITE)
    assert status.returncode == 0, status.stdout + status.stderr
    assert f"{SITE}-rtr01" in status.stdout and "drift" in status.stdout

    pushed = cli(watchlab, "network", "push", "--site", SITE, "--yes")
    assert pushed.returncode == 0, pushed.stdout + pushed.stderr
    back = cli(watchlab, "--json", "watch", "--site", SITE, "--only", "network")
    assert back.returncode == 0, back.stdout + back.stderr
    closed = cli(watchlab, "--json", "drift", SITE, "--history")
    assert closed.returncode == 0, closed.stdout + closed.stderr
    [entry] = json.loads(closed.stdout)["sites"][0]["drift"]
    assert entry["target"] == f"{SITE}-rtr01" and entry["open"] is False


def test_watch_refuses_bad_input_with_exit_2(watchlab: WatchLab) -> None:
    for args in (
        ["watch", "--site", SITE, "--only", "everything"],
        ["watch", "--site", SITE, "--deadline", "soon"],
        ["watch", "--resume", "--site", SITE],
        ["lab", "drift", SITE, "--kind", "unplug-the-router"],
    ):
        done = cli(watchlab, *args)
        assert done.returncode == 2, (args, done.stdout, done.stderr)
        assert "Traceback" not in done.stderr


def test_watch_install_writes_the_service_and_timer(watchlab: WatchLab, tmp_path: Path) -> None:
    done = cli(
        watchlab,
        "--json",
        "watch",
        "--install",
        "--unit-dir",
        str(tmp_path),
        "--schedule",
        "*-*-* 01:30:00",
        "--notify",
    )
    assert done.returncode == 0, done.stdout + done.stderr
    written = sorted(Path(p).name for p in json.loads(done.stdout)["written"])
    assert written == ["digikel-watch.service", "digikel-watch.timer"]
    assert "OnCalendar=*-*-* 01:30:00" in (tmp_path / "digikel-watch.timer").read_text()
    service = (tmp_path / "digikel-watch.service").read_text()
    assert "User=digikel" in service and "--notify" in service
    assert str(watchlab.env_file) in service
