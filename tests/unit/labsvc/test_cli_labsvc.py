"""`digikel lab services` argument handling, and what it says where podman does not work."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from digikel.cli.common import Context
from digikel.cli.labsvc import app


def _run(args: list[str], inventory: Path, as_json: bool = False):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, args, obj=Context(json=as_json, inventory_path=inventory))


def test_unknown_component_is_bad_input(lab_inventory_path: Path, tmp_path: Path) -> None:
    result = _run(["up", "--only", "scanner", "--state-dir", str(tmp_path)], lab_inventory_path)
    assert result.exit_code == 2
    assert "--only 'scanner': expected one of printers, datacentre, containers" in result.output


def test_containers_need_chosen_sites(lab_inventory_path: Path, tmp_path: Path) -> None:
    result = _run(["up", "--only", "containers", "--state-dir", str(tmp_path)], lab_inventory_path)
    assert result.exit_code == 2
    assert "choose the sites" in result.output


def test_unknown_site_is_bad_input(lab_inventory_path: Path, tmp_path: Path) -> None:
    args = ["up", "--site", "atlantis", "--only", "printers", "--state-dir", str(tmp_path)]
    result = _run(args, lab_inventory_path)
    assert result.exit_code == 2 and "unknown site 'atlantis'" in result.output


def test_without_podman_containers_are_skipped_loudly(
    lab_inventory_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A PATH without podman on it: what a machine without podman looks like to the lab.
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    args = ["up", "--only", "containers", "--host", "loa-bakung-pc01"]
    result = _run([*args, "--state-dir", str(tmp_path)], lab_inventory_path, as_json=True)
    assert result.exit_code == 3
    assert "containers: SKIPPED, nothing started: podman is not installed" in result.stderr
    doc = json.loads(result.stdout)
    assert doc["containers"] == {
        "skipped": "podman is not installed (scripts/setup.d/20-podman.sh installs it)",
        "containers": [],
    }
