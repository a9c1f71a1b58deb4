"""Targets are chosen by one set of options (digikel.cli.options): the same names and help in
every command, and one meaning of "no filter" (every site; said out loud with --all where
devices change)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import typer.main
from typer.testing import CliRunner

from digikel.cli import app
from digikel.cli.options import NO_FILTER

runner = CliRunner()
TARGET_OPTIONS = ("--site", "--kecamatan", "--wave", "--all")


def _commands(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    # Typer vendors its own Click: groups are recognised by what they do, not by class.
    if hasattr(command, "list_commands"):
        for name in command.list_commands(None):
            yield from _commands(command.get_command(None, name), (*path, name))
    else:
        yield path, command


def _helps() -> dict[str, dict[tuple[str, ...], str]]:
    seen: dict[str, dict[tuple[str, ...], str]] = {o: {} for o in TARGET_OPTIONS}
    for path, command in _commands(typer.main.get_command(app)):
        for param in command.params:
            for name in TARGET_OPTIONS:
                # A filter of sites (repeatable); `endpoints --site` names the one site it acts
                # on and `history --site` one site's runs: not filters of a set of sites.
                if name in getattr(param, "opts", ()) and (name == "--all" or param.multiple):
                    seen[name][path] = f"{param.opts} {param.help}"
    return seen


def test_each_target_option_reads_the_same_in_every_command() -> None:
    seen = _helps()
    users = {path[0] for path in seen["--site"]}
    assert {"network", "lab", "inventory", "rollout", "status"} <= users
    for name, helps in seen.items():
        assert len(set(helps.values())) == 1, (name, helps)
    assert NO_FILTER in next(iter(seen["--site"].values()))


def test_no_filter_is_every_site_where_nothing_changes(lab_inventory_path) -> None:
    inventory = ["--json", "-i", str(lab_inventory_path), "inventory", "list"]
    plain, every = runner.invoke(app, inventory), runner.invoke(app, [*inventory, "--all"])
    assert plain.exit_code == every.exit_code == 0, plain.output
    assert len(json.loads(plain.stdout)) == len(json.loads(every.stdout)) == 59


def test_no_filter_is_refused_where_devices_change(lab_inventory_path) -> None:
    for args in (["network", "push", "--yes"], ["rollout", "--yes"]):
        result = runner.invoke(app, ["--json", "-i", str(lab_inventory_path), *args])
        assert result.exit_code == 2, (args, result.output)
        assert "no targets: choose --site, --kecamatan, --wave" in result.stderr
        assert json.loads(result.stdout)["error"]["type"] == "input"
