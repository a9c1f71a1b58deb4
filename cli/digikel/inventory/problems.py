"""Turn pydantic's validation errors into problems an operator can act on."""

from __future__ import annotations

import types
import typing
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ValidationError

from digikel.errors import Problem
from digikel.inventory.yamlfile import line_of


def allowed_keys(model: type[BaseModel], path: tuple[Any, ...]) -> list[str]:
    """The keys a mapping at `path` inside `model` may hold (best effort, for the message)."""
    annotation: Any = model
    for step in path:
        annotation = _unwrap(annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            info = annotation.model_fields.get(str(step))
            if info is None:
                return []
            annotation = info.annotation
        else:
            args = typing.get_args(annotation)
            annotation = args[-1] if args else None
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return list(annotation.model_fields)
    return []


def _unwrap(annotation: Any) -> Any:
    """Optional[X] -> X; Annotated[X, ...] -> X."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        rest = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _unwrap(rest[0]) if len(rest) == 1 else annotation
    return annotation


def describe(error: Any, model: type[BaseModel], loc: tuple[Any, ...]) -> str:
    kind = error["type"]
    message = str(error["msg"])
    given = error.get("input")
    if kind == "missing":
        return "missing: this field is required"
    if kind == "extra_forbidden":
        keys = allowed_keys(model, loc[:-1])
        expected = f"; expected one of: {', '.join(keys)}" if keys else ""
        return f"unknown key {loc[-1]!r}{expected}"
    if message.startswith("Value error, "):
        return message.removeprefix("Value error, ")
    if message.startswith("Input should be "):
        message = "expected " + message.removeprefix("Input should be ")
    elif message and message[0].isupper():
        message = message[0].lower() + message[1:]
    if given is not None and not isinstance(given, dict | list):
        message += f", got {given!r}"
    return message


def from_validation_error(
    exc: ValidationError,
    model: type[BaseModel],
    data: Any,
    file: str,
    place_of: Callable[[tuple[Any, ...]], str],
    prefix: tuple[Any, ...] = (),
) -> list[Problem]:
    """One problem per pydantic error, placed by `place_of` and located by line."""
    problems = []
    for error in exc.errors():
        loc = tuple(error["loc"])
        problems.append(
            Problem(
                file=file,
                place=place_of(prefix + loc),
                message=describe(error, model, loc),
                line=line_of(data, prefix + loc),
            )
        )
    return problems


def dotted(loc: tuple[Any, ...]) -> str:
    """('address_plan', 'segments', 'mgmt') -> 'address_plan -> segments -> mgmt'."""
    return " -> ".join(f"[{p}]" if isinstance(p, int) else str(p) for p in loc)


def site_place(loc: tuple[Any, ...]) -> str:
    """('kecamatan', 'Palaran', 'Bukuan', 'uplink', 'type') -> "kecamatan 'Palaran' -> ..."."""
    parts = list(loc[1:]) if loc and loc[0] == "kecamatan" else list(loc)
    out = []
    if parts:
        out.append(f"kecamatan {parts.pop(0)!r}")
    if parts:
        out.append(f"kelurahan {parts.pop(0)!r}")
    out.extend(f"[{p}]" if isinstance(p, int) else str(p) for p in parts)
    return " -> ".join(out)
