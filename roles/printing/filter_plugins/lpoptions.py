"""Filters of the printing role: compare a CUPS queue's settings with the wanted ones.

`lpoptions -p QUEUE` prints the queue's attributes (device-uri, printer-info, printer-location, ...)
and default options as one shell-quoted line of name=value words; the role re-runs lpadmin only
when one of the wanted values differs from what the scheduler reports.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Mapping
from typing import Any


def _text(value: Any) -> str:
    # YAML's booleans (printer-is-shared: false) are written as CUPS spells them.
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def lpoptions_parse(output: str) -> dict[str, str]:
    """The name=value words of `lpoptions -p` output (a bare name means "true", as in CUPS)."""
    try:
        words = shlex.split(output)
    except ValueError:  # unbalanced quotes: treat as unknown, so that lpadmin sets everything
        return {}
    settings: dict[str, str] = {}
    for word in words:
        name, sep, value = word.partition("=")
        settings[name] = value if sep else "true"
    return settings


def lpoptions_drift(output: str, wanted: Mapping[str, Any]) -> list[str]:
    """The names of the wanted settings the queue does not have (all of them for a new queue).

    An empty wanted value matches an absent setting: CUPS does not report an empty location.
    """
    current = lpoptions_parse(output)
    return sorted(name for name, value in wanted.items() if current.get(name, "") != _text(value))


def lpadmin_options(options: Mapping[str, Any]) -> list[str]:
    """lpadmin's arguments for default options: ["-o", "name=value", ...]."""
    arguments: list[str] = []
    for name, value in options.items():
        arguments += ["-o", f"{name}={_text(value)}"]
    return arguments


class FilterModule:
    def filters(self) -> dict[str, Callable[..., Any]]:
        return {
            "digikel_lpoptions_drift": lpoptions_drift,
            "digikel_lpadmin_options": lpadmin_options,
        }
