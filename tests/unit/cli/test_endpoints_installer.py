"""`digikel endpoints installer`: one Debian 12 preseed per counter PC and display, checked by
debconf itself (debconf-set-selections --checkonly), with the vault's key and the inventory's
answers."""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from digikel.cli import app
from digikel.inventory.secrets import load_secrets

runner = CliRunner()


def selections(path: Path) -> dict[str, tuple[str, str]]:
    """question -> (type, value) of a preseed file."""
    found = {}
    for line in path.read_text().splitlines():
        if line and not line.startswith("#"):
            _owner, question, kind, *value = line.split(None, 3)
            found[question] = (kind, value[0] if value else "")
    return found


def test_every_counter_and_display_gets_a_file_debconf_accepts(
    inv, tmp_path, lab_inventory_path
) -> None:
    assert shutil.which("debconf-set-selections"), "debconf is part of Debian: install it"
    result = runner.invoke(
        app,
        [
            "--json",
            "-i",
            str(lab_inventory_path),
            "endpoints",
            "installer",
            "--site",
            "loa-bakung",
            "-o",
            str(tmp_path),
            "--base-url",
            "http://10.84.32.50:8000/",
        ],
    )
    assert result.exit_code == 0, result.output
    files = json.loads(result.stdout)["files"]
    site = inv.site("loa-bakung")
    wanted = [d for d in site.devices if d.role in ("counter", "display")]
    assert [f["host"] for f in files] == [d.name for d in wanted] and len(files) == 7
    key = load_secrets(inv)["vault_digikel_endpoint_ssh_public_key"]
    admin = inv.city.accounts.admins[0].name
    for device, entry in zip(wanted, files, strict=True):
        path = Path(entry["file"])
        assert path == tmp_path / "loa-bakung" / f"{device.name}.cfg"
        check = subprocess.run(
            ["debconf-set-selections", "--checkonly", str(path)], capture_output=True, text=True
        )
        # debconf only warns (exit 0) about an unknown type: any output is a fault too
        assert check.returncode == 0 and check.stderr == "" and check.stdout == "", check.stderr
        answers = selections(path)
        assert answers["netcfg/get_hostname"] == ("string", device.name)
        assert answers["netcfg/hostname"] == ("string", device.name)
        assert answers["debian-installer/locale"] == ("string", "id_ID.UTF-8")
        assert answers["keyboard-configuration/xkb-keymap"] == ("select", "us")
        assert answers["time/zone"] == ("string", "Asia/Makassar")
        assert answers["passwd/root-login"] == ("boolean", "false")
        assert answers["passwd/username"] == ("string", admin)
        assert answers["passwd/user-password-crypted"] == ("password", "!")
        assert answers["clock-setup/ntp-server"] == (
            "string",
            str(site.segments[device.segment].gateway),
        )
        assert answers["tasksel/first"] == ("multiselect", "")
        assert "openssh-server" in answers["pkgsel/include"][1].split()
        late = answers["preseed/late_command"][1]
        encoded = re.fullmatch(r"in-target sh -c 'echo ([A-Za-z0-9+/=]+) \| base64 -d \| sh'", late)
        assert encoded, late
        script = base64.b64decode(encoded[1]).decode()
        assert key in script and "PermitRootLogin no" in script and "NOPASSWD" in script
        assert device.mac in path.read_text()  # the reservation it will get its address from
        # the PXE menu is named after the MAC the reservation holds
        pxe = Path(entry["pxe"])
        assert pxe.name == "01-" + device.mac.lower().replace(":", "-")
        assert (
            f"url=http://10.84.32.50:8000/loa-bakung/{device.name}.cfg hostname={device.name} "
            in pxe.read_text()
        )
    sh = subprocess.run(["sh", "-n", "-c", script], capture_output=True, text=True)
    assert sh.returncode == 0, sh.stderr


def test_a_site_without_macs_gets_files_but_no_netboot_menus(tmp_path, lab_inventory_path) -> None:
    result = runner.invoke(
        app,
        [
            "-i",
            str(lab_inventory_path),
            "endpoints",
            "installer",
            "-s",
            "bukuan",
            "-o",
            str(tmp_path),
            "--base-url",
            "http://x:8000",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "no MAC recorded yet" in result.stdout
    assert len(list((tmp_path / "bukuan").glob("*.cfg"))) == 5
    assert not (tmp_path / "bukuan" / "pxelinux.cfg").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-s", "nowhere"], "unknown site 'nowhere'"),
        (["-s", "loa-bakung", "--base-url", "ftp://x"], "expected an http:// or https:// URL"),
    ],
)
def test_bad_input_exits_2(tmp_path, lab_inventory_path, args, message) -> None:
    result = runner.invoke(
        app, ["-i", str(lab_inventory_path), "endpoints", "installer", "-o", str(tmp_path), *args]
    )
    assert result.exit_code == 2 and message in result.output, result.output
    assert not list(tmp_path.iterdir())


def test_a_vault_without_the_key_is_refused(tmp_path, monkeypatch, lab_inventory_path) -> None:
    import digikel.inventory.secrets as secrets

    real = secrets.load_secrets
    monkeypatch.setattr(
        secrets,
        "load_secrets",
        lambda inv: {
            k: v for k, v in real(inv).items() if k != "vault_digikel_endpoint_ssh_public_key"
        },
    )
    result = runner.invoke(
        app,
        [
            "-i",
            str(lab_inventory_path),
            "endpoints",
            "installer",
            "-s",
            "loa-bakung",
            "-o",
            str(tmp_path / "out"),
        ],
    )
    assert result.exit_code == 2
    assert "vault_digikel_endpoint_ssh_public_key is missing" in result.output
    assert not (tmp_path / "out").exists()
