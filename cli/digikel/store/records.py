"""What goes into the store and what comes out: plain frozen dataclasses, no SQLAlchemy."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any


def _jsonable(record: object) -> dict[str, Any]:
    data: dict[str, Any] = asdict(record)  # type: ignore[call-overload]
    for key, value in data.items():
        if isinstance(value, dt.date | dt.datetime):
            data[key] = value.isoformat()
    return data


# --- inputs ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    """One verify check. `target` names what it covers: a device name, an application id
    or "portal"; readiness uses it to see that every device and application was checked."""

    component: str
    name: str
    ok: bool
    detail: str | None = None
    target: str | None = None
    checked_at: dt.datetime | None = None  # default: when it is recorded


@dataclass(frozen=True)
class HostOutcome:
    host: str
    changed: bool
    failed: bool
    unreachable: bool = False
    detail: str | None = None


@dataclass(frozen=True)
class DeviceFacts:
    device: str
    model: str | None = None
    serial: str | None = None
    fingerprint: str | None = None  # e.g. sha256 of the running configuration
    detail: str | None = None


@dataclass(frozen=True)
class Drift:
    """What a watch found differing on one target: `component` is one of DRIFT_COMPONENTS
    (network, endpoints, printers, applications), `target` the device or host, `summary` one
    line, `diff` the full diff. The caller scrubs secrets out of both before recording."""

    component: str
    target: str
    summary: str
    diff: str


# --- outputs --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunRecord:
    id: int
    kind: str
    operator: str
    command_line: str
    toolkit_version: str
    hostname: str
    pid: int
    started_at: dt.datetime
    ended_at: dt.datetime | None
    status: str
    options: dict[str, Any] | None

    def as_dict(self) -> dict[str, Any]:
        return _jsonable(self)


@dataclass(frozen=True)
class StageRecord:
    run_id: int
    site: str
    stage: str
    status: str
    started_at: dt.datetime
    ended_at: dt.datetime | None
    changed: bool | None
    detail: str | None

    def as_dict(self) -> dict[str, Any]:
        return _jsonable(self)


@dataclass(frozen=True)
class HostRecord:
    run_id: int
    site: str
    stage: str
    host: str
    changed: bool
    failed: bool
    unreachable: bool
    detail: str | None
    recorded_at: dt.datetime

    def as_dict(self) -> dict[str, Any]:
        return _jsonable(self)


@dataclass(frozen=True)
class CheckRecord:
    id: int
    run_id: int
    site: str
    component: str
    name: str
    target: str | None
    ok: bool
    detail: str | None
    checked_at: dt.datetime
    operator: str

    def as_dict(self) -> dict[str, Any]:
        return _jsonable(self)


@dataclass(frozen=True)
class MarkRecord:
    id: int
    site: str
    component: str
    action: str  # "mark" | "unmark"
    work_date: dt.date | None
    note: str | None
    operator: str
    recorded_at: dt.datetime

    def as_dict(self) -> dict[str, Any]:
        return _jsonable(self)


@dataclass(frozen=True)
class DeviceFactRecord:
    run_id: int | None
    site: str
    device: str
    model: str | None
    serial: str | None
    fingerprint: str | None
    detail: str | None
    collected_at: dt.datetime
    operator: str

    def as_dict(self) -> dict[str, Any]:
        return _jsonable(self)


@dataclass(frozen=True)
class DriftRecord:
    id: int
    run_id: int
    site: str
    component: str
    target: str
    summary: str
    diff: str
    found_at: dt.datetime

    def as_dict(self) -> dict[str, Any]:
        return _jsonable(self)


@dataclass(frozen=True)
class StateChange:
    """A site whose state differs from the one it was last notified in (`previous` is None
    when it was never notified)."""

    site: str
    previous: str | None
    current: str

    def as_dict(self) -> dict[str, Any]:
        return _jsonable(self)


@dataclass(frozen=True)
class KecamatanDay:
    """One local day of one kecamatan: what the checks and the watches recorded."""

    day: dt.date
    kecamatan: str
    sites_checked: int  # sites with any readiness check that day
    sites_green: int  # of those, sites whose every check that day passed
    sites_drifted: int  # sites where a watch found drift that day
    targets_drifted: int  # drifted devices and hosts found that day (per watch)

    def as_dict(self) -> dict[str, Any]:
        return {
            "date": self.day.isoformat(),
            "kecamatan": self.kecamatan,
            "sites_checked": self.sites_checked,
            "sites_green": self.sites_green,
            "sites_drifted": self.sites_drifted,
            "targets_drifted": self.targets_drifted,
        }
