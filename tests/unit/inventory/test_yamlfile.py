"""The inventory's YAML reader: libyaml for speed, with the same lines and duplicate keys as
the pure-Python parser, whose clearer messages are kept for files that do not parse."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from digikel.inventory.yamlfile import LineDict, _FastLoader, _Loader, _parse, load_yaml

TRICKY = """\
defaults: &defaults
  wave: pilot
  uplink: {isp: Telkom, type: dhcp}
kecamatan:
  Loa Janan Ilir:
    Harapan Baru:
      <<: *defaults
      number: 1
      devices: [{name: rtr01, role: router}, {name: sw01, role: switch}]
    Harapan Baru:
      number: 2
    Rapak Dalam:
      number: 3
      note: |
        two
        lines
"""


def shape(data: Any) -> Any:
    """Everything the inventory reads from a document: values, and the lines of its keys."""
    if isinstance(data, LineDict):
        items = [(key, data.lines[key], shape(value)) for key, value in data.items()]
        return ("mapping", data.start_line, items)
    if isinstance(data, list):
        return [shape(item) for item in data]
    return data


def inventory_files() -> list[Path]:
    root = Path(__file__).resolve().parents[3] / "inventory"
    return sorted(root.rglob("*.yml"))


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(TRICKY, id="anchors-duplicates-blocks"),
        *(pytest.param(p.read_text(), id=p.name) for p in inventory_files()),
    ],
)
def test_both_parsers_give_the_same_values_lines_and_duplicates(text: str) -> None:
    fast, fast_duplicates = _parse(text, _FastLoader)
    slow, slow_duplicates = _parse(text, _Loader)
    assert shape(fast) == shape(slow)
    assert fast_duplicates == slow_duplicates


def test_a_duplicate_key_is_reported_with_both_lines(tmp_path: Path) -> None:
    path = tmp_path / "sites.yml"
    path.write_text(TRICKY)
    data, problems = load_yaml(path, "sites.yml")
    assert [(p.line, p.message) for p in problems] == [
        (10, "duplicate key 'Harapan Baru' (first at line 6)")
    ]
    assert data["kecamatan"]["Loa Janan Ilir"]["Harapan Baru"]["wave"] == "pilot"


def test_a_file_that_does_not_parse_gets_the_python_parsers_message(tmp_path: Path) -> None:
    path = tmp_path / "sites.yml"
    path.write_text("kecamatan:\n  Loa Janan Ilir: [\n    Harapan Baru:\n      number: 1\n")
    data, problems = load_yaml(path, "sites.yml")
    assert data is None
    assert [(p.line, p.message) for p in problems] == [
        (4, "not valid YAML: expected ',' or ']', but got ':'")
    ]
