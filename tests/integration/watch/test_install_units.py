"""`digikel watch --install`'s units: checked by systemd's own `systemd-analyze verify`, and run
by their timer in a real systemd (a podman container of the lab's systemd image).

What the container test proves: the timer written by install_units fires on its schedule and
starts the service, which runs its ExecStart as the dedicated user (not root), in its own state
directory, with DIGIKEL_VAULT_PASSWORD_FILE pointing at a file that user can read, and with the
arguments install_units wrote. digikel is not installed in that container, so the executable at
the ExecStart path is a stand-in shell script that records its user, directory, arguments and
what it read from the password file; it does not prove that digikel itself runs there (the
watch is tested on the lab in test_watch_network.py).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from digikel.watch.install import SERVICE, TIMER, InstallOptions, install_units, render_service

IMAGE = "localhost/digikel-debian12-systemd:4"
EXE = Path("/opt/digikel/bin/digikel")
STAND_IN = """#!/bin/sh
# A stand-in for digikel: what the service gave it.
{
  echo "user=$(id -un)"
  echo "dir=$(pwd)"
  echo "args=$*"
  echo "vault=$(cat "$DIGIKEL_VAULT_PASSWORD_FILE")"
} > "$HOME/ran.txt"
exit 3
"""


def options(**kw: object) -> InstallOptions:
    kw.setdefault("inventory", Path("/etc/digikel/inventory/production/digikel.yml"))
    kw.setdefault("executable", EXE)
    return InstallOptions(**kw)  # type: ignore[arg-type]


def test_systemd_analyze_verifies_the_units(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    assert analyze, "systemd-analyze is missing (apt-get install systemd)"
    exe = tmp_path / "digikel"
    exe.write_text("#!/bin/sh\n")
    exe.chmod(0o755)
    written = install_units(options(executable=exe, schedule="Mon..Fri 01:15"), tmp_path / "u")
    assert [p.name for p in written] == [SERVICE, TIMER]
    done = subprocess.run(
        [analyze, "verify", *map(str, written)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "digikel" not in done.stderr, done.stderr  # no warning about our units at all
    assert "OnCalendar=Mon..Fri 01:15" in written[1].read_text()


def test_a_bad_schedule_or_root_is_refused(tmp_path: Path) -> None:
    from digikel.errors import InputError

    with pytest.raises(InputError, match="--schedule 'every night'"):
        install_units(options(schedule="every night"), tmp_path)
    with pytest.raises(InputError, match="not root"):
        render_service(options(user="root"))
    assert not list(tmp_path.iterdir())  # nothing written


def podman(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["podman", *args], capture_output=True, text=True, timeout=timeout, check=False
    )


@pytest.fixture
def systemd_container() -> object:
    from digikel.labsvc import podman_problem

    problem = podman_problem()
    assert problem is None, f"podman does not work here: {problem}"
    assert podman("image", "exists", IMAGE).returncode == 0, f"{IMAGE} missing (scripts/setup.d)"
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    name = f"t{worker}-watch-timer"
    podman("rm", "-f", name)
    run = podman("run", "-d", "--name", name, "--systemd=always", IMAGE, "/sbin/init")
    assert run.returncode == 0, run.stderr
    try:
        for _ in range(60):
            state = podman("exec", name, "systemctl", "is-system-running").stdout.strip()
            if state in ("running", "degraded"):
                break
            time.sleep(1)
        yield name
    finally:
        podman("rm", "-f", "-t", "0", name)


def test_the_timer_runs_the_service_as_its_user_with_the_vault_file(
    systemd_container: str, tmp_path: Path
) -> None:
    name = systemd_container
    # Every 5 seconds, no random delay: the timer fires while the test waits.
    units = install_units(options(schedule="*:*:0/5", randomized_delay="0"), tmp_path)

    def sh(script: str) -> str:
        done = podman("exec", name, "sh", "-c", script)
        assert done.returncode == 0, done.stderr
        return done.stdout

    sh("useradd --system --home-dir /var/lib/digikel --shell /usr/sbin/nologin digikel")
    sh(
        "mkdir -p /etc/digikel /opt/digikel/bin && printf lab-only-vault > /etc/digikel/vault-password"
        " && chown root:digikel /etc/digikel/vault-password && chmod 0640 /etc/digikel/vault-password"
    )
    (tmp_path / "digikel").write_text(STAND_IN)
    for source, target in [
        (units[0], f"/etc/systemd/system/{SERVICE}"),
        (units[1], f"/etc/systemd/system/{TIMER}"),
        (tmp_path / "digikel", str(EXE)),
    ]:
        assert podman("cp", str(source), f"{name}:{target}").returncode == 0
    sh(f"chmod 0755 {EXE} && systemctl daemon-reload && systemctl enable --now {TIMER}")
    assert "digikel-watch.timer" in sh("systemctl list-timers --all")

    ran = ""
    for _ in range(60):  # a bounded wait for the timer's first run (every 5 s)
        ran = podman("exec", name, "cat", "/var/lib/digikel/ran.txt").stdout
        if ran:
            break
        time.sleep(1)
    assert ran, sh(
        f"systemctl status {SERVICE} --no-pager || true; journalctl -u {SERVICE} --no-pager | tail -20"
    )
    lines = dict(line.split("=", 1) for line in ran.strip().splitlines())
    assert lines["user"] == "digikel"
    assert lines["dir"] == "/var/lib/digikel"
    assert lines["vault"] == "lab-only-vault"
    assert lines["args"] == (
        "--inventory /etc/digikel/inventory/production/digikel.yml --project /var/lib/digikel "
        "watch --workers 8 --deadline 4h --notify"
    )
    # Exit 3 (drift found) is a success of the unit, not a failed unit.
    shown: dict[str, str] = {}
    for _ in range(30):
        out = sh(f"systemctl show {SERVICE} -p Result -p ExecMainStatus")
        shown = dict(line.split("=", 1) for line in out.split())
        if shown.get("ExecMainStatus") == "3":
            break
        time.sleep(1)
    assert shown == {"Result": "success", "ExecMainStatus": "3"}, shown
    owner = sh("stat -c '%U %a' /var/lib/digikel").split()
    assert owner == ["digikel", "700"]
