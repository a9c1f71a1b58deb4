"""Read the inventory's YAML files, keeping line numbers and refusing duplicate keys.

PyYAML silently keeps the last of two equal keys; in an inventory that would hide a second
kelurahan of the same name, so duplicates are reported as problems instead.

A hostile file is refused before it is built into Python objects: nesting deeper than
MAX_DEPTH (the constructor and the validators recurse, and would end in RecursionError) and
more than MAX_VALUES values once every alias is expanded (a "billion laughs" of anchors is a
few lines of text but billions of values to every reader that walks it), and an alias to a
node that contains it. Both are counted on the parser's event stream, which never recurses.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from digikel.errors import Problem

try:
    from yaml import CSafeLoader as _FastBase
except ImportError:  # a PyYAML built without libyaml
    from yaml import SafeLoader as _FastBase  # type: ignore[assignment]


# The inventory nests six levels (kecamatan -> kelurahan -> site -> devices -> kind -> field);
# the limits leave room for growth and stay far from what the recursion limit allows.
MAX_DEPTH = 32
# The real sites.yml holds about 2,000 values (59 sites); a city of 1,000 sites some 40,000.
MAX_VALUES = 200_000


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


@dataclass
class _Anchored:
    values: int  # values of the anchored node, aliases inside it expanded
    levels: int  # how many levels of collections it occupies (0 for a scalar)


@dataclass
class _Open:
    anchor: str | None
    values_before: int
    depth: int  # of the collection itself (1 = the document's top level)
    deepest: int  # the deepest level reached inside it so far


def _bounds(text: str, loader_class: type[_Loader | _FastLoader]) -> tuple[int, str] | None:
    """(line, message) when the document nests too deep, expands to too many values or refers
    to itself through an alias; None when it is within bounds. Raises yaml.YAMLError."""
    loader = loader_class(text)
    anchored: dict[str, _Anchored] = {}
    stack: list[_Open] = []
    values = 0
    try:
        while loader.check_event():
            event = loader.get_event()
            if event is None:
                break
            line = event.start_mark.line + 1 if event.start_mark else 0
            depth = len(stack)
            if isinstance(event, yaml.CollectionStartEvent):
                values += 1
                depth += 1
                if depth > MAX_DEPTH:
                    return line, f"nesting deeper than {MAX_DEPTH} levels"
                stack.append(_Open(event.anchor, values, depth, depth))
            elif isinstance(event, yaml.CollectionEndEvent):
                closed = stack.pop()
                if stack:
                    stack[-1].deepest = max(stack[-1].deepest, closed.deepest)
                if closed.anchor is not None:
                    anchored[closed.anchor] = _Anchored(
                        values - closed.values_before + 1, closed.deepest - closed.depth + 1
                    )
            elif isinstance(event, yaml.ScalarEvent):
                values += 1
                if event.anchor is not None:
                    anchored[event.anchor] = _Anchored(1, 0)
            elif isinstance(event, yaml.AliasEvent):
                if any(o.anchor == event.anchor for o in stack):
                    return line, f"the alias *{event.anchor} refers to a node that contains it"
                target = anchored.get(event.anchor or "")
                if target is None:
                    continue  # an undefined alias: the parser says so when it builds the document
                values += target.values
                if depth + target.levels > MAX_DEPTH:
                    return line, f"nesting deeper than {MAX_DEPTH} levels (through *{event.anchor})"
                if stack:
                    stack[-1].deepest = max(stack[-1].deepest, depth + target.levels)
            if values > MAX_VALUES:
                return line, f"more than {MAX_VALUES:,} values once its aliases are expanded"
    finally:
        loader.dispose()
    return None


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
        raw = path.read_bytes()
    except FileNotFoundError:
        return None, [Problem(shown_as, "", "file not found")]
    except OSError as exc:
        return None, [Problem(shown_as, "", f"cannot be read: {exc}")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        at_line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        message = (
            f"not UTF-8 text: byte 0x{raw[exc.start]:02x} at column {column}; "
            "expected the file saved as UTF-8"
        )
        return None, [Problem(shown_as, "", message, at_line)]
    try:
        bound = _bounds(text, _FastLoader)
        if bound is not None:
            return None, [Problem(shown_as, "", bound[1], bound[0])]
        data, duplicates = _parse(text, _FastLoader)
    except yaml.YAMLError:
        try:  # again with the pure-Python parser, for its clearer message
            bound = _bounds(text, _Loader)  # its parser keeps a stack of states: no recursion
            if bound is not None:
                return None, [Problem(shown_as, "", bound[1], bound[0])]
            data, duplicates = _parse(text, _Loader)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark
            line = mark.line + 1 if mark else None
            reason = exc.problem or str(exc)
            if reason.startswith("but ") and exc.context:  # "but found another document"
                reason = f"{exc.context}, {reason}"
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
