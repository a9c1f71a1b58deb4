"""Make a fetched configuration stable: strip what changes without a configuration change.

RouterOS stamps every export with the time; IOS prints the config size and the time of the last
change. Without this an unchanged device would give a new backup commit every time.
Secrets are scrubbed here too, as a second line of defence: RouterOS hides them from `/export`
already and IOS shows only hashes, but a plain vault value must never reach a backup.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_ROUTEROS_NOISE = (
    re.compile(r"^# \S+ \S+ by RouterOS .*$"),  # "# 2024-05-01 10:00:00 by RouterOS 7.14"
    re.compile(r"^# [a-z]{3}/\d{2}/\d{4} \S+ by RouterOS .*$"),  # RouterOS 6 style date
    re.compile(r"^# software id = .*$"),
    re.compile(r"^# serial number = .*$"),
)
_IOS_NOISE = (
    re.compile(r"^Building configuration\.\.\.\s*$"),
    re.compile(r"^Current configuration\s*:.*$"),
    re.compile(r"^! Last configuration change at .*$"),
    re.compile(r"^! NVRAM config last updated at .*$"),
    re.compile(r"^! No configuration change since last restart\s*$"),
    re.compile(r"^ntp clock-period \d+\s*$"),
)
# IOS type-7 passwords are reversible: as good as plain text.
_IOS_TYPE7 = re.compile(r"\b(password|key|key-string) 7 \S+")
REDACTED = "VAULT:redacted"


def strip_noise(platform: str, text: str, secrets: Iterable[str] = ()) -> str:
    """The configuration without volatile lines, with normalised line ends and trailing space."""
    patterns = _ROUTEROS_NOISE if platform == "routeros" else _IOS_NOISE
    lines: list[str] = []
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = raw.rstrip()
        if any(p.match(line) for p in patterns):
            continue
        lines.append(line)
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    out = "\n".join(lines) + "\n" if lines else ""
    if platform == "ios":
        out = _IOS_TYPE7.sub(lambda m: f"{m.group(1)} 7 {REDACTED}", out)
    return scrub(out, secrets)


def scrub(text: str, secrets: Iterable[str]) -> str:
    """Replace every vault value found in `text` (longest first, so no partial leaks remain)."""
    for value in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = text.replace(value, REDACTED)
    return text
