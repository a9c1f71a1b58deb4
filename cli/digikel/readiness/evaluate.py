"""A site's readiness at a moment: manual marks, the inventory's initial state, newest checks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Protocol

from digikel.readiness.components import (
    COMPONENTS,
    INAUGURATED,
    PHYSICAL_WORKS,
    State,
)
from digikel.readiness.model import (
    Batch,
    ComponentStatus,
    DriftFinding,
    ManualEvent,
    SiteFacts,
    SiteReadiness,
)


class _CheckLike(Protocol):
    """The fields of a CheckRecord that readiness reads."""

    @property
    def site(self) -> str: ...
    @property
    def component(self) -> str: ...
    @property
    def run_id(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def target(self) -> str | None: ...
    @property
    def ok(self) -> bool: ...
    @property
    def checked_at(self) -> dt.datetime: ...
    @property
    def operator(self) -> str: ...


# No readiness window is longer than the programme; a larger figure is a typo.
MAX_AGE = dt.timedelta(days=3653)


def parse_max_age(text: str) -> dt.timedelta:
    """'7d', '36h', '90m' or a plain number of days; positive and at most MAX_AGE."""
    from digikel.durations import parse_duration

    return parse_duration(text, option="--max-age", maximum=MAX_AGE, what="age")


def manual_status(
    component: str, facts: SiteFacts, events: Sequence[ManualEvent], now: dt.datetime
) -> ComponentStatus:
    """The newest mark or unmark recorded by `now` decides; without one, physical works fall
    back to the inventory's state (its initial state) and inauguration is not done."""
    mine = [e for e in events if e.component == component and e.recorded_at <= now]
    if mine:
        last = max(mine, key=lambda e: e.recorded_at)
        return ComponentStatus(
            component=component,
            state=State.OK if last.action == "mark" else State.NOT_DONE,
            source="mark",
            at=last.recorded_at,
            work_date=last.work_date,
            note=last.note,
            by=last.operator,
        )
    if component == PHYSICAL_WORKS:
        done_by_now = facts.physical_date is None or facts.physical_date <= now.date()
        if facts.physical_status == "done" and done_by_now:
            state = State.OK
        elif facts.physical_status in ("in-progress", "done"):
            state = State.IN_PROGRESS
        else:
            state = State.NOT_DONE
        return ComponentStatus(
            component=component,
            state=state,
            source="inventory",
            work_date=facts.physical_date,
            note=facts.physical_note,
        )
    return ComponentStatus(component=component, state=State.NOT_DONE, source="none")


def automatic_status(
    component: str,
    expected: frozenset[str],
    batch: Batch | None,
    now: dt.datetime,
    max_age: dt.timedelta,
) -> ComponentStatus:
    """From the newest batch of checks: a fault beats a gap in coverage, which beats age."""
    if batch is None:
        state = State.NOT_APPLICABLE if not expected else State.UNCHECKED
        return ComponentStatus(component=component, state=state, source="none")
    missing = tuple(sorted(expected - batch.targets))
    age = now - batch.checked_at
    if not batch.ok:
        state = State.FAILED
    elif missing:
        state = State.INCOMPLETE
    elif age > max_age:
        state = State.STALE
    else:
        state = State.OK
    return ComponentStatus(
        component=component,
        state=state,
        source="checks",
        at=batch.checked_at,
        by=batch.operator,
        run_id=batch.run_id,
        failed=batch.failed,
        missing=missing,
        age=age,
    )


def evaluate_site(
    facts: SiteFacts,
    events: Sequence[ManualEvent],
    batches: dict[str, Batch],
    now: dt.datetime,
    max_age: dt.timedelta,
    drift: Sequence[DriftFinding] = (),
) -> SiteReadiness:
    """Readiness of one site; `batches` holds the newest batch per automatic component,
    `drift` the site's open drift (any keeps it from being ready)."""
    statuses = []
    for component in COMPONENTS:
        if component in (PHYSICAL_WORKS, INAUGURATED):
            statuses.append(manual_status(component, facts, events, now))
        else:
            statuses.append(
                automatic_status(
                    component,
                    facts.expected.get(component, frozenset()),
                    batches.get(component),
                    now,
                    max_age,
                )
            )
    return SiteReadiness(site=facts, components=tuple(statuses), drift=tuple(drift))


def newest_batches(checks: Iterable[_CheckLike]) -> dict[str, dict[str, Batch]]:
    """site -> component -> Batch, from the rows of Store.latest_checks()."""
    grouped: dict[tuple[str, str, int], list[_CheckLike]] = {}
    for check in checks:
        grouped.setdefault((check.site, check.component, check.run_id), []).append(check)
    result: dict[str, dict[str, Batch]] = {}
    for (site, component, run_id), rows in grouped.items():
        batch = Batch(
            component=component,
            run_id=run_id,
            checked_at=max(r.checked_at for r in rows),
            ok=all(r.ok for r in rows),
            targets=frozenset(r.target for r in rows if r.target),
            failed=tuple(r.name for r in rows if not r.ok),
            operator=rows[0].operator,
        )
        current = result.setdefault(site, {}).get(component)
        if current is None or (batch.checked_at, batch.run_id) > (
            current.checked_at,
            current.run_id,
        ):
            result[site][component] = batch
    return result
