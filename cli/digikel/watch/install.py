"""`digikel watch --install`: a systemd service and timer that run the watch on the operator's
machine, nightly by default.

The service runs as a dedicated system user (never root), with the vault password from a file
(DIGIKEL_VAULT_PASSWORD_FILE, mode 0600, readable by that user only), and with the rest of the
system read-only to it but for its own state directory. The timer is persistent: a night the
machine was off runs at the next boot. The matching AWX schedule is in docs/watch.md.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from digikel.errors import InputError

SERVICE = "digikel-watch.service"
TIMER = "digikel-watch.timer"
DEFAULT_SCHEDULE = "*-*-* 02:30:00"  # nightly, after the offices close (the machine's time zone)
USER_PATTERN = re.compile(r"^[a-z_][a-z0-9_-]{0,31}$")
SYSTEM_UNIT_DIR = Path("/etc/systemd/system")


@dataclass
class InstallOptions:
    inventory: Path
    schedule: str = DEFAULT_SCHEDULE  # systemd OnCalendar=
    user: str = "digikel"
    executable: Path = field(default_factory=lambda: Path(sys.executable).parent / "digikel")
    vault_password_file: Path = Path("/etc/digikel/vault-password")
    state_directory: str = (
        "digikel"  # /var/lib/digikel (StateDirectory=): store, backups, artifacts
    )
    config: Path | None = None  # DIGIKEL_CONFIG (the webhook, the store URL)
    # --project: where state goes (artifacts, locks); None: the state directory, writable
    project: Path | None = None
    watch_args: tuple[str, ...] = ("--workers", "8", "--deadline", "4h", "--notify")
    randomized_delay: str = "10min"
    timeout: str = "6h"  # the service is killed after this, whatever --deadline says

    def check(self) -> None:
        if not USER_PATTERN.match(self.user) or self.user == "root":
            raise InputError(f"--user {self.user!r}: expected a system user name, not root")
        if not self.schedule.strip() or "\n" in self.schedule:
            raise InputError(f"--schedule {self.schedule!r}: expected a systemd OnCalendar value")
        for name, path in (
            ("--inventory", self.inventory),
            ("--vault-password-file", self.vault_password_file),
            ("the digikel executable", self.executable),
        ):
            if not path.is_absolute() or "\n" in str(path):
                raise InputError(f"{name} {path}: expected an absolute path")
        if not re.match(r"^[a-z0-9][a-z0-9._-]*$", self.state_directory):
            raise InputError(f"state directory {self.state_directory!r}: a plain folder name")


def _quote(value: str) -> str:
    """A word of ExecStart= (systemd's quoting is close to the shell's for these values);
    `%` is systemd's specifier character and doubles."""
    return shlex.quote(value).replace("%", "%%")


def _env(name: str, value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("%", "%%")
    return f'Environment="{name}={escaped}"'


def exec_start(options: InstallOptions) -> str:
    # The project is where run state goes (artifacts): the unit's own writable directory, as
    # ProtectSystem=strict leaves nothing else writable.
    project = options.project or Path(f"/var/lib/{options.state_directory}")
    argv = [str(options.executable), "--inventory", str(options.inventory)]
    argv += ["--project", str(project)]
    argv += ["watch", *options.watch_args]
    return " ".join(_quote(a) for a in argv)


def render_service(options: InstallOptions) -> str:
    options.check()
    state = f"/var/lib/{options.state_directory}"
    env = [
        _env("DIGIKEL_VAULT_PASSWORD_FILE", str(options.vault_password_file)),
        _env("DIGIKEL_DB_URL", f"sqlite:///{state}/digikel.db"),
        _env("DIGIKEL_BACKUP_DIR", f"{state}/backups"),
        _env("HOME", state),
    ]
    if options.config is not None:
        env.append(_env("DIGIKEL_CONFIG", str(options.config)))
    lines = [
        "# Written by `digikel watch --install`: the nightly read-only watch of every site.",
        "[Unit]",
        "Description=digikel watch: a read-only pass over every site (drift and readiness)",
        "Wants=network-online.target",
        "After=network-online.target",
        "",
        "[Service]",
        "Type=oneshot",
        f"User={options.user}",
        f"Group={options.user}",
        f"StateDirectory={options.state_directory}",
        "StateDirectoryMode=0700",
        f"WorkingDirectory={state}",
        *env,
        f"ExecStart={exec_start(options)}",
        # Exit 3 is "watched, and something drifted or failed": a finding, not a failed unit.
        "SuccessExitStatus=3",
        f"TimeoutStartSec={options.timeout}",
        "Nice=10",
        "NoNewPrivileges=yes",
        "PrivateTmp=yes",
        "ProtectSystem=strict",
        "ProtectHome=read-only",
        "ProtectKernelTunables=yes",
        "ProtectControlGroups=yes",
        "RestrictSUIDSGID=yes",
        "LockPersonality=yes",
        "",
    ]
    return "\n".join(lines)


def render_timer(options: InstallOptions) -> str:
    options.check()
    return "\n".join(
        [
            "# Written by `digikel watch --install`.",
            "[Unit]",
            "Description=digikel watch, on its schedule",
            "",
            "[Timer]",
            f"OnCalendar={options.schedule}",
            f"RandomizedDelaySec={options.randomized_delay}",
            "Persistent=true",
            f"Unit={SERVICE}",
            "",
            "[Install]",
            "WantedBy=timers.target",
            "",
        ]
    )


def check_schedule(schedule: str) -> str:
    """The schedule normalised by `systemd-analyze calendar` (when it is installed)."""
    try:
        done = subprocess.run(
            ["systemd-analyze", "calendar", schedule],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return schedule
    if done.returncode != 0:
        reason = (done.stderr or done.stdout).strip().splitlines()
        raise InputError(f"--schedule {schedule!r}: {reason[-1] if reason else 'not valid'}")
    for line in done.stdout.splitlines():
        if "Normalized form:" in line:
            return line.split(":", 1)[1].strip()
    return schedule


def install_units(options: InstallOptions, directory: Path = SYSTEM_UNIT_DIR) -> list[Path]:
    """Write the service and the timer into `directory`; returns their paths. Enabling them
    (`systemctl daemon-reload && systemctl enable --now digikel-watch.timer`) is the operator's,
    as is creating the user (`useradd --system digikel`) and the password file."""
    check_schedule(options.schedule)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in ((SERVICE, render_service(options)), (TIMER, render_timer(options))):
        path = directory / name
        path.write_text(text)
        path.chmod(0o644)
        written.append(path)
    return written
