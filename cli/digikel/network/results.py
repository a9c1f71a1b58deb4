"""What every operation returns per device: plain data, JSON-ready, no CLI in it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class Check:
    """One post-check (the readiness tracker consumes these)."""

    name: str
    ok: bool
    detail: str
    timestamp: str = field(default_factory=now)


@dataclass
class DeviceResult:
    """One operation on one device.

    changed comes from comparing the device's configuration before and after, never a constant;
    failed with error says why; commands are what was (or, with check, would be) sent.
    """

    device: str
    site: str
    operation: str
    platform: str = ""
    changed: bool = False
    failed: bool = False
    skipped: bool = False
    error: str | None = None
    diff: str = ""
    commands: list[str] = field(default_factory=list)
    check: bool = False
    backup: str | None = None  # backup store revision written by this operation
    restored: bool | None = None  # after a failed push: did the device get its backup back?
    checks: list[Check] = field(default_factory=list)
    started: str = field(default_factory=now)
    finished: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed and all(c.ok for c in self.checks)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["ok"] = self.ok
        return data


def exit_code(results: list[DeviceResult]) -> int:
    """0 all ok, 3 some failed, 1 nothing could run (every device failed or none selected)."""
    return exit_code_of([r.ok for r in results])


def exit_code_of(oks: list[bool]) -> int:
    """The one exit-code rule of every network command (push ... trust), one flag per device:
    0 all ok, 3 some failed, 1 nothing could run (every device failed or none selected)."""
    if not oks:
        return 1
    bad = oks.count(False)
    if not bad:
        return 0
    return 1 if bad == len(oks) else 3
