"""`digikel inventory ...` through Typer's CliRunner: exit codes and JSON."""

from __future__ import annotations

import json
import subprocess
import sys

from typer.testing import CliRunner

from digikel import __version__
from digikel.cli import app

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args))


def test_version() -> None:
    result = invoke("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"digikel {__version__}"


def test_validate_the_real_inventory(lab_inventory_path) -> None:
    result = invoke("--json", "-i", str(lab_inventory_path), "inventory", "validate")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "inventory": str(lab_inventory_path),
        "valid": True,
        "problems": [],
        "sites": 59,
    }


def test_validate_reports_problems_with_exit_2(inventory_copy) -> None:
    env_file = inventory_copy(sites=[("      number: 2\n", "      number: 1\n")])
    result = invoke("--json", "-i", str(env_file), "inventory", "validate")
    assert result.exit_code == 2
    doc = json.loads(result.stdout)
    assert doc["valid"] is False
    assert (
        doc["problems"][0]["place"]
        == "kecamatan 'Loa Janan Ilir' -> kelurahan 'Rapak Dalam' -> number"
    )
    plain = invoke("-i", str(env_file), "inventory", "validate")
    assert plain.exit_code == 2
    assert "duplicate number '1'" in plain.stderr
    assert "Traceback" not in plain.output


def test_list_filters_and_json(lab_inventory_path) -> None:
    result = invoke(
        "--json",
        "-i",
        str(lab_inventory_path),
        "inventory",
        "list",
        "--wave",
        "pilot-2023",
        "--kecamatan",
        "Samarinda Seberang",
    )
    assert result.exit_code == 0
    assert [s["slug"] for s in json.loads(result.stdout)] == ["sungai-keledang"]


def test_list_table(lab_inventory_path) -> None:
    result = invoke("-i", str(lab_inventory_path), "inventory", "list", "-s", "loa-bakung")
    assert result.exit_code == 0
    assert "51" in result.stdout and "Sungai" in result.stdout


def test_show_site(lab_inventory_path) -> None:
    result = invoke("--json", "-i", str(lab_inventory_path), "inventory", "show", "Loa Bakung")
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert doc["segments"]["mgmt"]["network"] == "10.84.32.0/24"
    assert doc["devices"][0] == {
        "name": "loa-bakung-rtr01",
        "role": "router",
        "platform": "routeros",
        "model": "RB5009UG+S+IN",
        "address": "10.84.32.1",
        "segment": "mgmt",
        "connect": "127.64.51.1:2222",
    }


def test_unknown_site_is_exit_2_without_traceback(lab_inventory_path) -> None:
    result = invoke("-i", str(lab_inventory_path), "inventory", "show", "atlantis")
    assert result.exit_code == 2
    assert "unknown site 'atlantis'" in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_missing_inventory_file_is_exit_2(tmp_path) -> None:
    result = invoke("-i", str(tmp_path / "nope" / "digikel.yml"), "inventory", "list")
    assert result.exit_code == 2
    assert "file not found" in result.stderr


def test_hostvars_command(lab_inventory_path) -> None:
    result = invoke("-i", str(lab_inventory_path), "inventory", "hostvars", "loa-bakung-pc01")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["digikel_address"] == "10.84.33.11"


def test_console_script_exit_codes(lab_inventory_path) -> None:
    """The installed entry point, not only CliRunner: usage errors are 2, no traceback."""
    digikel = [sys.executable, "-c", "from digikel.cli import main; main()"]
    bad_option = subprocess.run(
        [*digikel, "inventory", "list", "--colour"], capture_output=True, text=True, check=False
    )
    assert bad_option.returncode == 2
    assert "Traceback" not in bad_option.stderr
    ok = subprocess.run(
        [*digikel, "-i", str(lab_inventory_path), "inventory", "validate"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert ok.returncode == 0, ok.stderr


def test_help_does_not_import_heavy_libraries() -> None:
    """`digikel --help` stays fast: Ansible, Netmiko, pydantic & co load only in the commands."""
    code = (
        "import sys\n"
        "from digikel.cli import app\n"
        "heavy = ['ansible', 'netmiko', 'paramiko', 'asyncssh', 'pydantic', 'sqlalchemy', 'jinja2',"
        " 'openpyxl', 'hier_config', 'ansible_runner']\n"
        "print([m for m in heavy if m in sys.modules])\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "[]"
