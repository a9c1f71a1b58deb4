"""Option values that need no validation skip Typer's pydantic validators.

Typer (0.2x) coerces every parameter of a command through a pydantic TypeAdapter that it builds
on first use, even an option left at its default (None, "id", 8): importing pydantic and
typer._adapters and building a dozen adapters cost ~0.1 s of `digikel --json status`, before
the command did anything. A default is the code's own value and a plain string is already a
string: only a value that needs converting or checking (a number or path typed by the
operator, a choice) goes to Typer's validator, built then.

This leans on Typer's private `_runtime_param` slot; with a Typer that lacks it nothing changes
(parameters keep Typer's own coercion), so the worst case is the old start-up time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, get_args, get_origin


class _CheapFirst:
    """Stands in Typer's RuntimeParam slot: trivial values here, the rest to Typer's."""

    def __init__(self, param: Any) -> None:
        self.param = param
        self.typer_coercion: Any = None

    def coerce(self, value: Any, param: Any, ctx: Any) -> Any:
        multi = param.multiple or param.nargs == -1
        if value is None:
            return () if multi else None
        descriptor = param.type_descriptor
        info = descriptor.parameter_info
        own_parser = getattr(info, "parser", None) or getattr(info, "click_type", None)
        if not own_parser and _as_is(descriptor.annotation, value, multi):
            return list(value) if multi else value
        if not own_parser and not multi and _plain_path(descriptor, value):
            return Path(value)
        if self.typer_coercion is None:
            from typer._coercion import build_runtime_param

            self.typer_coercion = build_runtime_param(param.type_descriptor)
        return self.typer_coercion.coerce(value, param=param, ctx=ctx)


def _as_is(annotation: Any, value: Any, multi: bool) -> bool:
    """A string for a plain string option, or a default already of the option's own type."""
    if multi:
        items = get_args(annotation) if get_origin(annotation) is list else ()
        return items == (str,) and all(isinstance(v, str) for v in value)
    if annotation is str:
        return isinstance(value, str)
    # Anything typed on the command line arrives as a string; a non-string of the annotation's
    # own type (workers=8, timeout=60.0) is the function's default.
    return isinstance(annotation, type) and isinstance(value, annotation) and type(value) is not str


# A Path option that checks nothing (no exists=, resolve_path=...): the string as a Path.
_PATH_DEFAULTS = {
    "exists": False,
    "file_okay": True,
    "dir_okay": True,
    "writable": False,
    "readable": True,
    "resolve_path": False,
    "allow_dash": False,
    "path_type": None,
}


def _plain_path(descriptor: Any, value: Any) -> bool:
    info = descriptor.parameter_info
    return (
        descriptor.annotation is Path
        and isinstance(value, str)
        and all(getattr(info, k, v) == v for k, v in _PATH_DEFAULTS.items())
    )


def cheap_params(command: Any) -> None:
    """Give every parameter of `command` the cheap path (see the module's docstring)."""
    for param in command.params:
        cheap_param(param)


def cheap_param(param: Any) -> None:
    if hasattr(param, "_runtime_param") and hasattr(param, "type_descriptor"):
        param._runtime_param = _CheapFirst(param)
