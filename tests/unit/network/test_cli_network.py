"""`digikel network` through Typer's CliRunner: offline commands, bad input, exit codes, JSON."""

from __future__ import annotations

import json
import stat

from typer.testing import CliRunner

from digikel.cli import app

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args))


def test_render_writes_masked_configs_per_site(tmp_path, lab_inventory_path):
    out = tmp_path / "out"
    result = invoke(
        "--json",
        "-i",
        str(lab_inventory_path),
        "network",
        "render",
        "--site",
        "loa-bakung",
        "--host",
        "sungai-keledang-sw01",
        "-o",
        str(out),
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["masked"] is True
    assert [f["device"] for f in data["files"]] == [
        "sungai-keledang-sw01",  # site 25 comes before site 51
        "loa-bakung-sw01",
        "loa-bakung-ap01",
        "loa-bakung-ap02",
        "loa-bakung-rtr01",
    ]
    router = (out / "loa-bakung" / "loa-bakung-rtr01.rsc").read_text()
    assert 'private-key="VAULT:vault_digikel_wireguard_private_keys[loa-bakung]"' in router
    ios = (out / "sungai-keledang" / "sungai-keledang-sw01.cfg").read_text()
    assert "\nhostname sungai-keledang-sw01\n" in ios


def test_render_show_secrets_writes_private_files(tmp_path, lab_inventory_path):
    out = tmp_path / "out"
    result = invoke(
        "-i",
        str(lab_inventory_path),
        "network",
        "render",
        "--host",
        "handil-bakti-rtr01",
        "-o",
        str(out),
        "--show-secrets",
    )
    assert result.exit_code == 0, result.output
    path = out / "handil-bakti" / "handil-bakti-rtr01.rsc"
    assert "VAULT:" not in path.read_text()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_no_targets_is_bad_input(lab_inventory_path):
    result = invoke("-i", str(lab_inventory_path), "network", "diff")
    assert result.exit_code == 2
    assert "no targets" in result.output


def test_unknown_site_is_bad_input(lab_inventory_path):
    result = invoke("-i", str(lab_inventory_path), "network", "backup", "--site", "atlantis")
    assert result.exit_code == 2
    assert "unknown site 'atlantis'" in result.output


def test_push_without_yes_and_without_a_terminal_is_refused(lab_inventory_path):
    result = invoke("-i", str(lab_inventory_path), "network", "push", "--site", "loa-bakung")
    assert result.exit_code == 2
    assert "--yes" in result.output


def test_a_device_that_cannot_be_reached_fails_with_exit_1_and_json(inventory_copy):
    # Without known hosts the device is refused whether or not a lab is running right now.
    env_file = inventory_copy()
    (env_file.parent / "known_hosts").unlink(missing_ok=True)
    result = invoke(
        "--json",
        "-i",
        str(env_file),
        "network",
        "diff",
        "--host",
        "loa-bakung-rtr01",
        "--timeout",
        "3",
    )
    data = json.loads(result.stdout)
    assert result.exit_code == 1
    [res] = data["results"]
    assert res["failed"] is True and res["device"] == "loa-bakung-rtr01"
    assert "loa-bakung-rtr01" in res["error"]
