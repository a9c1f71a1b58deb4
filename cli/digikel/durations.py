"""Durations and timeouts typed by an operator: bounded, finite, and bad input when not.

Below the CLI so that domain code (readiness ages, network timeouts) parses them the same way
the commands do; `digikel.cli.common` re-exports them.
"""

from __future__ import annotations

import datetime as dt
import math
import re

from digikel.errors import InputError

MAX_DURATION = dt.timedelta(days=3653)
MAX_TIMEOUT_SECONDS = 3600.0

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$")
_DURATION_UNITS = {
    "s": "seconds",
    "sec": "seconds",
    "m": "minutes",
    "min": "minutes",
    "h": "hours",
    "d": "days",
    "w": "weeks",
}


def parse_duration(
    text: str,
    *,
    option: str = "--max-age",
    default_unit: str = "d",
    units: str = "dhm",
    maximum: dt.timedelta = MAX_DURATION,
    what: str = "duration",
) -> dt.timedelta:
    """'7d', '36h', '90m', '30s', '2w' (the units in `units`; a bare number is in
    `default_unit`), above zero and at most `maximum`. Anything else raises InputError naming
    `option` and the expectation, so 99999999999999d is exit 2, never an OverflowError."""
    examples = [{"d": "7d", "h": "36h", "m": "90m", "s": "30s", "w": "2w"}[u] for u in units]
    shown = ", ".join(examples[:-1]) + f" or {examples[-1]}" if len(examples) > 1 else examples[0]
    expected = f"expected a positive {what} such as {shown}"
    match = _DURATION.match(text)
    unit = (match.group(2) if match else "") or default_unit
    unit_name = _DURATION_UNITS.get(unit)
    if not match or unit_name is None or unit[0] not in units or float(match.group(1)) <= 0:
        raise InputError(f"{option} {text!r}: {expected}")
    # Compare in seconds before building the timedelta, which overflows past 10^9 days.
    seconds = float(match.group(1)) * _UNIT_SECONDS[unit_name]
    if seconds > maximum.total_seconds():
        raise InputError(f"{option} {text!r}: too long; expected at most {_say(maximum)}")
    return dt.timedelta(seconds=seconds)


_UNIT_SECONDS = {"seconds": 1.0, "minutes": 60.0, "hours": 3600.0, "days": 86400.0}
_UNIT_SECONDS["weeks"] = 7 * _UNIT_SECONDS["days"]


def _say(span: dt.timedelta) -> str:
    if span.days and not span.seconds:
        return f"{span.days} days"
    return f"{span.total_seconds():g} seconds"


def parse_timeout(
    value: str | float,
    *,
    option: str = "--timeout",
    minimum: float = 0.0,
    maximum: float = MAX_TIMEOUT_SECONDS,
) -> float:
    """Seconds, finite, above `minimum` (exclusive when 0, else inclusive) and at most `maximum`.

    Accepts a float or text ("30", "2.5", "90s", "2m"); 'inf', 'nan', 0 and negatives are
    InputError naming `option`. Use it as a Typer option's parser or call it on the value.
    """
    expected = f"expected a number of seconds above {minimum:g} and at most {maximum:g}"
    if isinstance(value, str):
        text = value.strip().lower()
        match = re.fullmatch(r"(\d+(?:\.\d*)?|\.\d+)\s*(s|m|ms)?", text)
        if not match:
            raise InputError(f"{option} {value!r}: {expected}, e.g. 30 or 2m")
        seconds = float(match.group(1)) * {"s": 1, None: 1, "m": 60, "ms": 0.001}[match.group(2)]
    else:
        seconds = float(value)
    too_small = seconds <= minimum if minimum == 0 else seconds < minimum
    if not math.isfinite(seconds) or too_small or seconds > maximum:
        raise InputError(f"{option} {value!r}: {expected}")
    return seconds
