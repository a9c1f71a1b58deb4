"""The product's RouterOS tokenizer (network.routeros_config) and the simulator's
(lab.routeros_syntax) read every real-shaped line to the same words.

The simulator keeps a tokenizer of its own (lab/__init__.py says why); this is what holds the two
together: the exports under tests/unit/network/fixtures/routeros/, the lab devices' own exports
of every rendered configuration, and lines chosen for what is hard to read (quotes and escapes
inside brackets, bytes outside ASCII, wrapped lines).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from digikel.lab import routeros_syntax as lab
from digikel.lab.device import DeviceSpec, OfflineHost
from digikel.lab.routeros import RouterOsDevice
from digikel.network import routeros_config as product

FIXTURES = Path(__file__).resolve().parents[1] / "network" / "fixtures" / "routeros"

HARD_LINES = [
    'set [ find comment="a]b" ] disabled=yes',
    'set [ find where name="x y" and comment~"[0-9]+" ] comment="done"',
    'add comment="caf\\C3\\A9 \\"quoted\\" \\$HOME \\?" name=wlan1',
    'add comment="tab\\there\\nnewline\\_space" list=LAN',
    'add comment="latin \\E9 alone" name=x',
    'set [ find default-name=ether1 ] comment="uplink (ISP)" name=ether1-wan',
    "add action=accept chain=input comment=defconf protocol=icmp",
    'add name=p1 on-event="/log info \\"hello\\"" start-time=startup',
    '/interface bridge port add bridge=bridge interface=ether2 comment=""',
]


def _product_form(token: lab.Token) -> str:
    """A simulator token as the product writes it: brackets whole, words unescaped."""
    if token.kind == "bracket":
        words = product._split_outside_quotes(token.text)
        return f"[ {' '.join(words)} ]"
    return token.text


def _corpus() -> list[str]:
    lines: list[str] = []
    for path in sorted(FIXTURES.glob("*.rsc")):
        lines += product.join_continuations(path.read_text())
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def _agree(lines: list[str]) -> list[tuple[str, list[str], list[str]]]:
    disagree = []
    for line in lines:
        ours = product.tokenize(line)
        theirs = [_product_form(t) for t in lab.tokenize(line)]
        if ours != theirs:
            disagree.append((line, ours, theirs))
    return disagree


def test_the_fixture_exports_are_a_corpus_worth_the_name() -> None:
    corpus = _corpus()
    assert len(corpus) > 500
    assert any("[ find" in line for line in corpus)
    assert any('="' in line for line in corpus)


def test_they_agree_on_every_line_of_the_real_exports() -> None:
    assert _agree(_corpus()) == []


@pytest.mark.parametrize("line", HARD_LINES)
def test_they_agree_on_lines_hard_to_read(line: str) -> None:
    assert _agree([line]) == []


def test_the_bracket_of_the_issue_is_one_word() -> None:
    assert product.tokenize('set [ find comment="a]b" ] disabled=yes') == [
        "set",
        '[ find comment="a]b" ]',
        "disabled=yes",
    ]


def test_bytes_outside_ascii_read_as_utf8() -> None:
    assert product.tokenize('add comment="caf\\C3\\A9"') == ["add", "comment=café"]


def test_they_agree_on_the_simulators_own_exports(inv) -> None:
    from digikel.inventory.secrets import load_secrets
    from digikel.network.render import render_device

    secrets = load_secrets(inv)
    checked = 0
    for site in inv.sites[:4]:
        for device in site.network_devices:
            if device.platform != "routeros":
                continue
            spec = DeviceSpec(device.name, "routeros", device.model, "h", 1, "u", "p", "s")
            sim = RouterOsDevice(spec, None, OfflineHost())
            shell = sim.open_shell("digikel")
            for line in product.join_continuations(render_device(inv, device, secrets).text):
                if line.strip() and not line.startswith("#"):
                    assert shell.handle_line(line).text == "", line
            exported = product.join_continuations(sim.export(show_sensitive=True, verbose=True))
            lines = [x.strip() for x in exported if x.strip() and not x.startswith("#")]
            assert _agree(lines) == []
            checked += len(lines)
    assert checked > 100
