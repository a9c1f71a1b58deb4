"""Debian 12 installer answers (preseed) per counter PC and display of a site.

Each file answers every question the Debian installer asks, so a PC installs unattended from a USB
stick or the network and comes up as the inventory says: its host name, Indonesian locale with a
US keyboard, the city's time zone, one administrator account holding digikel's SSH key from the
vault (no root login, no password), minimal packages plus openssh-server, sudo and python3 (what
Ansible needs), and its address from the router's DHCP reservation for its MAC. After that the
baseline role takes over over SSH (docs/endpoints.md).

The account, key and sudo rule are written by one shell script, run by the installer's
late_command; `first_boot_script` is that script, so a test can apply the same answers to a
container.
"""

from __future__ import annotations

import base64
import os
import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from digikel.errors import InputError
from digikel.inventory.model import Device, Inventory, Site

LOCALE = "id_ID.UTF-8"
LANGUAGE = "id"
COUNTRY = "ID"
KEYMAP = "us"  # Indonesian PCs ship with US keyboards
MIRROR = "deb.debian.org"
PACKAGES = ("openssh-server", "sudo", "python3")
VAULT_KEY = "vault_digikel_endpoint_ssh_public_key"
_KEY = re.compile(r"^(ssh-ed25519|ecdsa-sha2-nistp256|ssh-rsa) [A-Za-z0-9+/=]+( [^\n]*)?$")


@dataclass(frozen=True)
class Answers:
    """What one host is installed with (the preseed file is these, spelled for debconf)."""

    host: str
    domain: str
    role: str
    model: str
    site: str
    address: str
    gateway: str
    mac: str | None
    timezone: str
    admin: str
    ssh_key: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "host": self.host,
            "domain": self.domain,
            "role": self.role,
            "model": self.model,
            "site": self.site,
            "address": self.address,
            "mac": self.mac,
            "locale": LOCALE,
            "keymap": KEYMAP,
            "timezone": self.timezone,
            "admin": self.admin,
            "packages": list(PACKAGES),
        }


def endpoint_key(secrets: dict[str, Any], source: str) -> str:
    """digikel's SSH public key for new endpoints, from the vault (InputError when missing)."""
    value = secrets.get(VAULT_KEY)
    if not isinstance(value, str) or not _KEY.match(value.strip()):
        raise InputError(
            f"{source}: {VAULT_KEY} is missing or not an SSH public key; expected one line "
            "'ssh-ed25519 AAAA... comment' in the vault (docs/secrets.md)"
        )
    return value.strip()


def answers_for(inv: Inventory, site: Site, device: Device, ssh_key: str) -> Answers:
    segment = site.segments[device.segment]
    return Answers(
        host=device.name,
        domain=inv.city.domain,
        role=device.role,
        model=device.model,
        site=site.name,
        address=str(device.address),
        gateway=str(segment.gateway),
        mac=device.mac,
        timezone=inv.city.timezone,
        admin=inv.city.accounts.admins[0].name,
        ssh_key=ssh_key,
    )


def first_boot_script(answers: Answers) -> str:
    """The late_command: admin's SSH key, passwordless sudo, no root or password logins."""
    return account_script(answers.admin, answers.ssh_key)


def account_script(admin: str, ssh_key: str) -> str:
    """What the late_command does to an installed system whose account `admin` exists (the lab
    applies the same to its containers)."""
    user = shlex.quote(admin)
    key = shlex.quote(ssh_key)
    return f"""set -eu
user={user}
home=$(getent passwd "$user" | cut -d: -f6)
install -d -m 0700 -o "$user" -g "$user" "$home/.ssh"
printf '%s\\n' {key} > "$home/.ssh/authorized_keys"
chown "$user:$user" "$home/.ssh/authorized_keys"
chmod 0600 "$home/.ssh/authorized_keys"
printf '%s ALL=(ALL:ALL) NOPASSWD: ALL\\n' "$user" > /etc/sudoers.d/digikel-admin
chmod 0440 /etc/sudoers.d/digikel-admin
visudo -cf /etc/sudoers.d/digikel-admin
install -d -m 0755 /etc/ssh/sshd_config.d
printf '%s\\n' 'PermitRootLogin no' 'PasswordAuthentication no' \\
    'KbdInteractiveAuthentication no' > /etc/ssh/sshd_config.d/10-digikel-day0.conf
passwd -l root
"""


def late_command(answers: Answers) -> str:
    """One line debconf can hold: the script travels base64-encoded (no quoting to get wrong)."""
    encoded = base64.b64encode(first_boot_script(answers).encode()).decode()
    return f"in-target sh -c 'echo {encoded} | base64 -d | sh'"


def preseed(answers: Answers) -> str:
    """The debconf answers of one host, as debconf-set-selections reads them."""
    mac = answers.mac or "not recorded yet: record it with `digikel site device` first"
    lines = [
        f"# digikel: Debian 12 installer answers for {answers.host} ({answers.role}, "
        f"{answers.model}), {answers.site}",
        f"# Planned address {answers.address} from the router's DHCP reservation for MAC {mac}.",
        "# Generated by `digikel endpoints installer` (docs/endpoints.md): regenerate, never edit.",
        "",
        "# Locale and keyboard",
        f"d-i debian-installer/language string {LANGUAGE}",
        f"d-i debian-installer/country string {COUNTRY}",
        f"d-i debian-installer/locale string {LOCALE}",
        f"d-i localechooser/supported-locales multiselect {LOCALE}, en_US.UTF-8",
        f"d-i keyboard-configuration/xkb-keymap select {KEYMAP}",
        "",
        "# Network: DHCP (the reservation gives the planned address), the inventory's name",
        "d-i netcfg/choose_interface select auto",
        "d-i netcfg/dhcp_timeout string 60",
        f"d-i netcfg/get_hostname string {answers.host}",
        f"d-i netcfg/get_domain string {answers.domain}",
        f"d-i netcfg/hostname string {answers.host}",
        "d-i hw-detect/load_firmware boolean true",
        "",
        "# Mirror",
        "d-i mirror/country string manual",
        f"d-i mirror/http/hostname string {MIRROR}",
        "d-i mirror/http/directory string /debian",
        "d-i mirror/http/proxy string",
        "d-i apt-setup/non-free-firmware boolean true",
        "d-i apt-setup/services-select multiselect security, updates",
        "",
        "# Accounts: no root login; one administrator with digikel's SSH key, no password",
        "d-i passwd/root-login boolean false",
        "d-i passwd/make-user boolean true",
        "d-i passwd/user-fullname string digikel administrator",
        f"d-i passwd/username string {answers.admin}",
        "d-i passwd/user-password-crypted password !",
        "",
        "# Clock and time zone",
        "d-i clock-setup/utc boolean true",
        f"d-i time/zone string {answers.timezone}",
        "d-i clock-setup/ntp boolean true",
        f"d-i clock-setup/ntp-server string {answers.gateway}",
        "",
        "# Disk: the whole first disk, one partition (the PC holds no data of its own)",
        "d-i partman-auto/method string regular",
        "d-i partman-auto/choose_recipe select atomic",
        "d-i partman-partitioning/choose_label select gpt",
        "d-i partman-partitioning/confirm_write_new_label boolean true",
        "d-i partman/choose_partition select finish",
        "d-i partman/confirm boolean true",
        "d-i partman/confirm_nooverwrite boolean true",
        "d-i partman-efi/non_efi_system boolean true",
        "",
        "# Packages: minimal, plus what Ansible needs to take over",
        "tasksel tasksel/first multiselect",
        f"d-i pkgsel/include string {' '.join(PACKAGES)}",
        "d-i pkgsel/install-language-support boolean false",
        "d-i pkgsel/upgrade select safe-upgrade",
        "popularity-contest popularity-contest/participate boolean false",
        "",
        "# Boot loader and the end",
        "d-i grub-installer/only_debian boolean true",
        "d-i grub-installer/bootdev string default",
        "d-i finish-install/reboot_in_progress note",
        "",
        "# The administrator's SSH key, passwordless sudo, sshd without root or passwords",
        f"d-i preseed/late_command string {late_command(answers)}",
        "",
    ]
    return "\n".join(lines)


def boot_parameters(answers: Answers, url: str) -> str:
    """Kernel parameters for an automated install that fetches the answers from `url`."""
    return (
        f"auto=true priority=critical url={url} hostname={answers.host} "
        f"domain={answers.domain} locale={LOCALE} keymap={KEYMAP}"
    )


@dataclass(frozen=True)
class Written:
    answers: Answers
    path: Path
    pxe: Path | None


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.tmp")
    temp.write_text(text, encoding="utf-8")
    os.chmod(temp, 0o644)
    os.replace(temp, path)


def write_installer(
    inv: Inventory, site: Site, ssh_key: str, output: Path, base_url: str | None = None
) -> list[Written]:
    """Write <output>/<site>/<host>.cfg per counter PC and display and, given the URL the folder
    is served at, a PXE menu per recorded MAC (<output>/<site>/pxelinux.cfg/01-<mac>)."""
    folder = output / site.slug
    written: list[Written] = []
    for device in site.devices:
        if device.role not in ("counter", "display"):
            continue
        answers = answers_for(inv, site, device, ssh_key)
        path = folder / f"{device.name}.cfg"
        _write(path, preseed(answers))
        pxe = None
        if device.mac and base_url:  # the netboot menu PXE picks by the PC's MAC
            url = f"{base_url.rstrip('/')}/{site.slug}/{path.name}"
            pxe = folder / "pxelinux.cfg" / ("01-" + device.mac.lower().replace(":", "-"))
            _write(
                pxe,
                "default install\nlabel install\n"
                "  kernel debian-installer/amd64/linux\n"
                f"  append initrd=debian-installer/amd64/initrd.gz "
                f"{boot_parameters(answers, url)} --- quiet\n",
            )
        written.append(Written(answers, path, pxe))
    return written
