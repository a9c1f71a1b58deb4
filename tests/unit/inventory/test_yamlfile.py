"""The inventory's YAML reader: libyaml for speed, with the same lines and duplicate keys as
the pure-Python parser, whose clearer messages are kept for files that do not parse."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from digikel.inventory import yamlfile
from digikel.inventory.yamlfile import (
    MAX_DEPTH,
    MAX_VALUES,
    LineDict,
    _bounds,
    _FastLoader,
    _Loader,
    _parse,
    load_yaml,
)

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


# --- bounds: nesting and alias expansion, refused before the document is built ----------------


def flow(levels: int) -> str:
    return "a: " + "[" * levels + "1" + "]" * levels + "\n"


def block(levels: int) -> str:
    """`levels` collections: the top mapping, then block sequences inside it."""
    return "a:" + "".join(f"\n{' ' * (2 + 2 * i)}-" for i in range(levels - 1)) + " 1\n"


def laughs(width: int, depth: int) -> str:
    lines = ["l0: &l0 lol"]
    lines += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * width)}]" for i in range(1, depth + 1)]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("loader", [_FastLoader, _Loader], ids=["libyaml", "python"])
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(flow(MAX_DEPTH - 1), None, id="flow-at-the-limit"),
        pytest.param(
            flow(MAX_DEPTH), (1, f"nesting deeper than {MAX_DEPTH} levels"), id="flow-one-more"
        ),
        pytest.param(block(MAX_DEPTH), None, id="block-at-the-limit"),
        pytest.param(
            block(MAX_DEPTH + 1),
            (MAX_DEPTH + 1, f"nesting deeper than {MAX_DEPTH} levels"),
            id="block-one-more",
        ),
        pytest.param(
            "x: &x " + "[" * 20 + "1" + "]" * 20 + "\ny: " + "[" * 11 + "*x" + "]" * 11 + "\n",
            None,
            id="alias-depth-at-the-limit",
        ),
        pytest.param(
            "x: &x " + "[" * 20 + "1" + "]" * 20 + "\ny: " + "[" * 12 + "*x" + "]" * 12 + "\n",
            (2, f"nesting deeper than {MAX_DEPTH} levels (through *x)"),
            id="alias-depth-one-more",
        ),
        pytest.param(
            "x: &x 1\ny: " + "[" * (MAX_DEPTH - 1) + "*x" + "]" * (MAX_DEPTH - 1) + "\n",
            None,
            id="scalar-alias-adds-no-level",
        ),
        pytest.param(laughs(9, 5), None, id="laughs-59049-values"),
        pytest.param(
            laughs(9, 6),
            (7, f"more than {MAX_VALUES:,} values once its aliases are expanded"),
            id="laughs-531441-values",
        ),
        pytest.param(
            "a: &a {b: [1, *a]}\n",
            (1, "the alias *a refers to a node that contains it"),
            id="alias-inside-itself",
        ),
        pytest.param(TRICKY, None, id="merge-keys-and-anchors"),
    ],
)
def test_bounds_are_the_same_for_both_parsers(
    loader: type[_Loader | _FastLoader], text: str, expected: tuple[int, str] | None
) -> None:
    assert _bounds(text, loader) == expected


def test_the_real_inventory_is_well_inside_the_bounds(monkeypatch: pytest.MonkeyPatch) -> None:
    # A quarter of the nesting and a twentieth of the values still take every real file.
    monkeypatch.setattr(yamlfile, "MAX_DEPTH", MAX_DEPTH // 4)
    monkeypatch.setattr(yamlfile, "MAX_VALUES", MAX_VALUES // 20)
    for path in inventory_files():
        assert _bounds(path.read_text(), _FastLoader) is None, path
    assert _bounds(flow(MAX_DEPTH // 4), _FastLoader) is not None  # the patch took


def test_deep_nesting_is_a_problem_of_the_file_not_a_recursion_error(tmp_path: Path) -> None:
    path = tmp_path / "sites.yml"
    path.write_text("kecamatan:\n  a: " + "[" * 100_000 + "]" * 100_000 + "\n")
    data, problems = load_yaml(path, "sites.yml")
    assert data is None
    assert [str(p) for p in problems] == [f"sites.yml:2: nesting deeper than {MAX_DEPTH} levels"]


def test_a_byte_that_is_not_utf8_is_placed(tmp_path: Path) -> None:
    path = tmp_path / "city.yml"
    path.write_bytes(b"city: Samarinda\ndomain: caf\xe9.example\n")
    data, problems = load_yaml(path, "city.yml")
    assert data is None
    assert [str(p) for p in problems] == [
        "city.yml:2: not UTF-8 text: byte 0xe9 at column 12; expected the file saved as UTF-8"
    ]
