"""Read the inventory's YAML files, keeping line numbers and refusing duplicate keys.

PyYAML silently keeps the last of two equal keys; in an inventory that would hide a second
kelurahan of the same name, so duplicates are reported as problems instead.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from digikel.errors import Problem

try:
    from yaml import CSafeLoader as _FastBase
except ImportError:  # a PyYAML built without libyaml
    from yaml import SafeLoader as _FastBase  # type: ignore[assignment]


class LineDict(dict[Any, Any]):
    """A mapping that remembers the line (1-based) of each of its keys."""

    lines: dict[Any, int]
    start_line: int


class _Loader(yaml.SafeLoader):
    """Pure Python: its error messages say what was expected where."""

    duplicates: list[tuple[int, str]]


class _FastLoader(_FastBase):
    """libyaml: several times faster, and the inventory is read by nearly every command."""

    duplicates: list[tuple[int, str]]


def _construct_mapping(loader: _Loader | _FastLoader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    result = LineDict()
    result.lines = {}
    result.start_line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str | int | float | bool) and key is not None:
            key = str(key)
        line = key_node.start_mark.line + 1
        if key in result:
            loader.duplicates.append(
                (line, f"duplicate key {key!r} (first at line {result.lines[key]})")
            )
            continue
        result[key] = loader.construct_object(value_node, deep=True)
        result.lines[key] = line
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_FastLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _parse(
    text: str, loader_class: type[_Loader | _FastLoader]
) -> tuple[Any, list[tuple[int, str]]]:
    """The document and its duplicate keys as (line, message); raises yaml.YAMLError."""
    loader = loader_class(text)
    loader.duplicates = []
    try:
        return loader.get_single_data(), loader.duplicates
    finally:
        loader.dispose()


def load_yaml(path: Path, shown_as: str) -> tuple[Any, list[Problem]]:
    """The document in `path` and the problems found while reading it (never raises)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, [Problem(shown_as, "", "file not found")]
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem(shown_as, "", f"cannot be read: {exc}")]
    try:
        data, duplicates = _parse(text, _FastLoader)
    except yaml.YAMLError:
        try:  # again with the pure-Python parser, for its clearer message
            data, duplicates = _parse(text, _Loader)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark
            line = mark.line + 1 if mark else None
            reason = exc.problem or str(exc)
            return None, [Problem(shown_as, "", f"not valid YAML: {reason}", line)]
        except yaml.YAMLError as exc:
            return None, [Problem(shown_as, "", f"not valid YAML: {exc}")]
    problems = [Problem(shown_as, "", message, line) for line, message in duplicates]
    if data is None:
        problems.append(Problem(shown_as, "", "the file is empty"))
    return data, problems


def line_of(data: Any, path: tuple[Any, ...]) -> int | None:
    """The line of the deepest key of `path` that exists in `data`."""
    line: int | None = getattr(data, "start_line", None)
    node = data
    for key in path:
        if isinstance(node, LineDict) and key in node:
            line = node.lines.get(key, line)
            node = node[key]
        elif isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
            node = node[key]
            line = getattr(node, "start_line", line)
        else:
            break
    return line
