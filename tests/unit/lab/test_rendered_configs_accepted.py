"""Every line `digikel network render` writes is a command the lab's devices accept, and the
device's own view (export / running config) holds it afterwards."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from digikel.cli import app
from digikel.lab.device import DeviceSpec, OfflineHost
from digikel.lab.ios import IosDevice
from digikel.lab.routeros import RouterOsDevice
from digikel.lab.routeros_syntax import join_continuations, tokenize


def _words(line: str) -> set[str]:
    return {t.text for t in tokenize(line)}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory, lab_inventory_path, inv) -> tuple[Path, object]:
    out = tmp_path_factory.mktemp("render")
    result = CliRunner().invoke(
        app, ["-i", str(lab_inventory_path), "network", "render", "--all", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    return out, inv


def _devices(rendered):
    out, inv = rendered
    for site in inv.sites:
        for device in site.network_devices:
            files = list((out / site.slug).glob(f"{device.name}.*"))
            assert len(files) == 1, f"no rendered file for {device.name}"
            yield device, files[0]


def test_every_rendered_routeros_line_is_accepted_and_exported(rendered):
    checked = 0
    for device, path in _devices(rendered):
        if device.platform != "routeros":
            continue
        spec = DeviceSpec(device.name, "routeros", device.model, "h", 1, "u", "p", "s", device.role)
        sim = RouterOsDevice(spec, None, OfflineHost())
        shell = sim.open_shell("digikel")
        for line in join_continuations(path.read_text()):
            if line.strip() and not line.startswith("#"):
                answer = shell.handle_line(line).text
                assert answer == "", f"{path.name}: {line!r} -> {answer}"
        # The device writes properties in its own order, adds derived ones (network=) and leaves
        # defaults out unless `verbose`: every pushed property must be in one exported line.
        exported = join_continuations(sim.export(show_sensitive=True, verbose=True))
        export = [_words(x) for x in exported if not x.startswith("#")]
        # /user is not part of /export on RouterOS: accounts are checked in `/user print`.
        users = shell.handle_line("/user print detail").text
        menu = ""
        for line in join_continuations(path.read_text()):
            if line.startswith("/"):
                menu = line
            elif menu == "/user" and line.startswith("set [ find name=admin ]"):
                assert re.search(r"^\s*\d+\s+X\s.*name=\"?admin", users, re.M), users
            elif line.startswith(("add ", "set ")):
                pushed = _words(line)
                assert any(pushed <= words for words in export), f"{path.name}: {line!r} missing"
        checked += 1
    assert checked > 100


def test_every_rendered_ios_line_is_accepted(rendered):
    checked = 0
    for device, path in _devices(rendered):
        if device.platform != "ios":
            continue
        spec = DeviceSpec(device.name, "ios", device.model, "h", 1, "u", "p", "s", device.role)
        shell = IosDevice(spec, None, OfflineHost()).open_shell("u")
        shell.privileged = True
        shell.handle_line("configure terminal")
        for line in path.read_text().splitlines():
            if line.strip() and not line.startswith("!") and line.strip() != "end":
                answer = shell.handle_line(line).text
                # IOS answers some accepted lines with a notice ("Setting device to VTP
                # Transparent mode for VLANS.", "%Warning: portfast ..."); refusals are
                # "% Invalid input", "% Incomplete command", "Command rejected: ..."
                text = answer.lstrip()
                refused = text.startswith(("% ", "Command rejected")) and "%Warning" not in text
                assert not refused, f"{path.name}: {line!r} -> {answer}"
        shell.handle_line("end")
        running = shell.handle_line("show running-config").text
        assert f"hostname {device.name}" in running
        checked += 1
    assert checked >= 2
