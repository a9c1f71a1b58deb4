"""The installer's answers bring up a PC the baseline role can take over, over SSH (issue 12, 1b).

A real Debian installation cannot run here (no VM), so a systemd container of the project's base
image plays the freshly installed PC: it is started with the preseed's host name, and the
answers are applied inside it the way the installer's components apply them (netcfg's
/etc/hostname, localechooser's and keyboard-configuration's defaults, tzsetup's zone, user-setup's
account with a locked password, pkgsel's packages from Debian's mirror, and the preseed's
late_command itself, byte for byte). Then Ansible connects exactly as it would to a new PC: over
SSH, as the preseed's administrator, with digikel's private key from the vault and sudo without a
password, and the real baseline playbook converges the container.

What differs from a real install: no disk, boot loader or kernel (a container has none), the
locale is configured but not generated (the image has no `locales` package), and the SSH source of
the host firewall is podman's bridge network instead of the site's management network (this
machine is not at the site).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
VENV_BIN = REPO / ".venv" / "bin"
HOST = "loa-bakung-pc01"
SITE = "loa-bakung"

pytestmark = pytest.mark.molecule  # boots a systemd container and installs packages (slow)


def _podman(*args: str, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["podman", *args], capture_output=True, text=True, timeout=timeout, check=False
    )


def _exec(container: str, script: str, timeout: int = 600) -> str:
    done = _podman("exec", container, "sh", "-c", script, timeout=timeout)
    assert done.returncode == 0, f"{script}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def _answers(path: Path) -> dict[str, str]:
    found = {}
    for line in path.read_text().splitlines():
        if line and not line.startswith("#"):
            _owner, question, _kind, *value = line.split(None, 3)
            found[question] = value[0] if value else ""
    return found


@pytest.fixture(scope="module")
def preseed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("installer")
    done = subprocess.run(
        [
            str(VENV_BIN / "digikel"),
            "--json",
            "endpoints",
            "installer",
            "--site",
            SITE,
            "-o",
            str(out),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    path = out / SITE / f"{HOST}.cfg"
    assert str(path) in {f["file"] for f in json.loads(done.stdout)["files"]}
    check = subprocess.run(
        ["debconf-set-selections", "--checkonly", str(path)], capture_output=True, text=True
    )
    assert check.returncode == 0 and check.stderr == "", check.stderr
    return path


@pytest.fixture(scope="module")
def installed(base_image: str, preseed: Path) -> Iterator[str]:
    """A container in the state the installer leaves a PC in, from the preseed's answers."""
    answers = _answers(preseed)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    name = f"digikel-installer-{worker}"  # of this test and this worker only
    cache = Path("/var/cache/digikel/apt-archives") / name
    (cache / "partial").mkdir(parents=True, exist_ok=True)
    _podman("rm", "--force", name)
    run = _podman(
        "run", "--detach", "--name", name, "--hostname", answers["netcfg/get_hostname"],
        "--systemd=always", "--cap-add", "NET_ADMIN", "--cap-add", "AUDIT_WRITE",
        "--volume", f"{cache}:/var/cache/apt/archives", base_image, "/sbin/init",
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    try:
        deadline = time.monotonic() + 180
        state = ""
        while state not in ("running", "degraded") and time.monotonic() < deadline:
            time.sleep(0.5)
            state = _podman("exec", name, "systemctl", "is-system-running").stdout.strip()
        assert state in ("running", "degraded"), f"systemd in {name}: {state!r}"
        host, domain = answers["netcfg/get_hostname"], answers["netcfg/get_domain"]
        user = answers["passwd/username"]
        assert answers["passwd/root-login"] == "false"
        # netcfg, localechooser, keyboard-configuration, tzsetup
        _exec(name, f"echo {host} > /etc/hostname")
        _exec(name, f"printf '127.0.1.1\\t{host}.{domain} {host}\\n' >> /etc/hosts")
        _exec(name, f"echo LANG={answers['debian-installer/locale']} > /etc/default/locale")
        _exec(
            name,
            f"echo 'XKBLAYOUT=\"{answers['keyboard-configuration/xkb-keymap']}\"' "
            "> /etc/default/keyboard",
        )
        zone = answers["time/zone"]
        _exec(
            name, f"ln -sf /usr/share/zoneinfo/{zone} /etc/localtime && echo {zone} > /etc/timezone"
        )
        # user-setup: the first user, in group sudo, with the preseed's (locked) password
        _exec(
            name,
            f"useradd --create-home --shell /bin/bash --groups sudo "
            f"--comment '{answers['passwd/user-fullname']}' {user} && "
            f"usermod --password '{answers['passwd/user-password-crypted']}' {user}",
        )
        # pkgsel: the preseed's packages from Debian's mirror
        packages = answers["pkgsel/include"]
        _exec(
            name,
            "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "
            f"--no-install-recommends {packages}",
            timeout=900,
        )
        # the late_command, as written (in-target = run inside the installed system)
        late = answers["preseed/late_command"]
        assert late.startswith("in-target ")
        _exec(name, late.removeprefix("in-target "))
        _exec(name, "systemctl restart ssh")
        yield name
    finally:
        _podman("rm", "--force", "--time", "5", name)


def test_the_answers_leave_an_admin_reachable_only_by_digikels_key(inv, installed: str) -> None:
    from digikel.inventory.secrets import load_secrets

    key = load_secrets(inv)["vault_digikel_endpoint_ssh_public_key"]
    admin = inv.city.accounts.admins[0].name
    assert _exec(installed, "hostname").strip() == HOST
    assert _exec(installed, "date +%Z").strip() == "WITA"  # Asia/Makassar
    assert _exec(installed, "cat /etc/default/locale").strip() == "LANG=id_ID.UTF-8"
    keys = _exec(installed, f"cat ~{admin}/.ssh/authorized_keys").splitlines()
    assert keys == [key]
    assert _exec(installed, f"stat -c '%a %U' ~{admin}/.ssh ~{admin}/.ssh/authorized_keys").split(
        "\n"
    )[:2] == ["700 " + admin, "600 " + admin]
    assert _exec(installed, f"passwd -S {admin}").split()[1] == "L"  # no password login
    assert _exec(installed, "passwd -S root").split()[1] == "L"
    effective = _exec(installed, "sshd -T")
    assert "permitrootlogin no" in effective and "passwordauthentication no" in effective
    assert _exec(installed, f"su -s /bin/sh {admin} -c 'sudo -n id -u'").strip() == "0"


def test_the_baseline_role_takes_the_pc_over_ssh_with_digikels_key(
    inv, installed: str, tmp_path: Path
) -> None:
    from digikel.inventory.secrets import load_secrets

    admin = inv.city.accounts.admins[0].name
    key_file = tmp_path / "digikel-endpoint-key"
    key_file.write_text(load_secrets(inv)["vault_digikel_endpoint_ssh_private_key"])
    key_file.chmod(0o600)
    inspect = _podman("inspect", "--format", "{{json .NetworkSettings}}", installed)
    settings = json.loads(inspect.stdout)
    networks = [n for n in (settings.get("Networks") or {}).values() if n.get("IPAddress")]
    address = settings.get("IPAddress") or networks[0]["IPAddress"]
    gateway = settings.get("Gateway") or networks[0]["Gateway"]  # this machine, on the bridge
    extra = {
        "ansible_connection": "ssh",
        "ansible_host": address,
        "ansible_port": 22,
        "ansible_user": admin,
        "ansible_ssh_private_key_file": str(key_file),
        "ansible_ssh_common_args": (
            f"-o UserKnownHostsFile={tmp_path / 'known_hosts'} -o StrictHostKeyChecking=accept-new"
            " -o IdentitiesOnly=yes"
        ),
        # this machine stands where the site's management network would be
        "baseline_firewall_ssh_sources": [f"{gateway}/32"],
    }
    env = {
        **os.environ,
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_CACHE_PLUGIN": "memory",
        "SSH_AUTH_SOCK": "",
    }
    # First contact over SSH: digikel's key and passwordless sudo are all a new PC offers.
    ping = subprocess.run(
        [str(VENV_BIN / "ansible"), HOST, "-m", "ansible.builtin.command", "-a", "id -u",
         "--become", "-e", json.dumps(extra)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert ping.returncode == 0 and re.search(r"^0$", ping.stdout, re.M), ping.stdout + ping.stderr
    command = [
        str(VENV_BIN / "ansible-playbook"), "playbooks/baseline.yml", "-l", HOST,
        "-e", json.dumps(extra),
    ]  # fmt: skip
    done = subprocess.run(
        command, cwd=REPO, env=env, capture_output=True, text=True, timeout=1200, check=False
    )
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    assert re.search(rf"{HOST}\s+: ok=\d+\s+changed=\d+\s+unreachable=0\s+failed=0", done.stdout)
    # the role agrees with the installer's answers: same host name and zone, admin in its group
    assert _exec(installed, "hostname").strip() == HOST
    assert _exec(installed, "timedatectl show -p Timezone --value").strip() == "Asia/Makassar"
    assert "digikel-admins" in _exec(installed, f"id -nG {admin}").split()
