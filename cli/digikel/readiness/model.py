"""The inputs and results of readiness: plain data, no database and no inventory objects."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from digikel.readiness.components import State


@dataclass(frozen=True)
class SiteFacts:
    """What readiness needs to know about a site from the inventory."""

    number: int
    slug: str
    name: str
    kecamatan: str
    wave: str
    physical_status: str  # the inventory's initial state: not-started | in-progress | done
    physical_date: dt.date | None = None
    physical_note: str | None = None
    # component -> the targets its checks must cover (device names, "portal", application ids)
    expected: dict[str, frozenset[str]] = field(default_factory=dict)
    # counter PCs, displays and printers without a recorded MAC (no reservation): a blocker
    without_mac: tuple[str, ...] = ()


@dataclass(frozen=True)
class Batch:
    """The checks of one component of one site made by one run."""

    component: str
    run_id: int
    checked_at: dt.datetime
    ok: bool
    targets: frozenset[str]
    failed: tuple[str, ...] = ()  # names of the failed checks (empty when only summarised)
    operator: str | None = None


@dataclass(frozen=True)
class ManualEvent:
    """A mark or unmark of a manual component (a MarkRecord, without the database)."""

    component: str
    action: str  # "mark" | "unmark"
    work_date: dt.date | None
    note: str | None
    operator: str
    recorded_at: dt.datetime


@dataclass(frozen=True)
class DriftFinding:
    """An open drift of one target (a DriftRecord without the database, its diff cut to the
    first changed lines: what a blocker shows; `digikel drift` shows the whole diff)."""

    component: str  # network | endpoints | printers | applications
    target: str
    summary: str
    first_lines: tuple[str, ...]
    found_at: dt.datetime
    run_id: int


@dataclass(frozen=True)
class ComponentStatus:
    component: str
    state: State
    source: str  # "checks" | "mark" | "inventory" | "none"
    at: dt.datetime | None = None  # when checked, or when the mark was recorded
    work_date: dt.date | None = None  # manual components: the date of the work or ceremony
    note: str | None = None
    by: str | None = None
    run_id: int | None = None
    failed: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    age: dt.timedelta | None = None
    # A drift blocker: the target's component and the first changed lines of its diff.
    drift: DriftFinding | None = None

    @property
    def green(self) -> bool:
        return self.state.green


@dataclass(frozen=True)
class SiteReadiness:
    site: SiteFacts
    components: tuple[ComponentStatus, ...]
    drift: tuple[DriftFinding, ...] = ()  # open drift, by component and target

    @property
    def ready(self) -> bool:
        return (
            all(c.green for c in self.components) and not self.site.without_mac and not self.drift
        )

    @property
    def technically_ready(self) -> bool:
        """Everything green except the inauguration: ready to be inaugurated."""
        return (
            not self.site.without_mac
            and not self.drift
            and all(c.green for c in self.components if c.component != "inaugurated")
        )

    @property
    def blockers(self) -> list[ComponentStatus]:
        """What keeps the site from being ready, in the order work happens: the components
        that are not green and, after the physical works, the devices without a MAC; then
        each drifted device or host (a site is handed over as delivered, so drift is last)."""
        from digikel.readiness.components import DRIFT

        found = [c for c in self.components if not c.green]
        if self.site.without_mac:
            from digikel.readiness.components import MAC_ADDRESSES, PHYSICAL_WORKS

            missing = ComponentStatus(
                component=MAC_ADDRESSES,
                state=State.INCOMPLETE,
                source="inventory",
                missing=self.site.without_mac,
            )
            at = 1 if found and found[0].component == PHYSICAL_WORKS else 0
            found.insert(at, missing)
        found += [
            ComponentStatus(
                component=DRIFT,
                state=State.DRIFTED,
                source="watch",
                at=d.found_at,
                run_id=d.run_id,
                note=d.summary,
                failed=(d.target,),
                drift=d,
            )
            for d in self.drift
        ]
        return found

    def component(self, name: str) -> ComponentStatus:
        return next(c for c in self.components if c.component == name)
