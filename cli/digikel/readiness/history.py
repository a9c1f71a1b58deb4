"""Readiness over time: how many sites were ready (and inaugurated) at the end of each day on
which something was recorded, by the same rules as today's status."""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from digikel.readiness.components import INAUGURATED
from digikel.readiness.evaluate import evaluate_site
from digikel.readiness.model import Batch, ManualEvent, SiteFacts

# (site, component, run_id, all_ok, checked_at, targets): Store.last_batches_per_day(), the
# newest batch per site, component and local day, grouped in the database.
DayBatch = tuple[str, str, int, bool, dt.datetime, tuple[str, ...]]


@dataclass(frozen=True)
class Point:
    day: dt.date
    ready: int
    technically_ready: int  # all green but the inauguration
    inaugurated: int

    def as_dict(self) -> dict[str, object]:
        return {
            "date": self.day.isoformat(),
            "ready": self.ready,
            "technically_ready": self.technically_ready,
            "inaugurated": self.inaugurated,
        }


class _BatchHistory:
    """The batches of every (site, component), to find the newest one at any moment."""

    def __init__(self, day_batches: Iterable[DayBatch]) -> None:
        self._lists: dict[str, dict[str, list[Batch]]] = {}
        for site, component, run_id, ok, at, batch_targets in day_batches:
            batch = Batch(
                component=component,
                run_id=run_id,
                checked_at=at,
                ok=ok,
                targets=frozenset(t for t in batch_targets if t),
            )
            self._lists.setdefault(site, {}).setdefault(component, []).append(batch)
        for per_component in self._lists.values():
            for batches in per_component.values():
                batches.sort(key=lambda b: (b.checked_at, b.run_id))

    @property
    def times(self) -> list[dt.datetime]:
        return [b.checked_at for pc in self._lists.values() for bs in pc.values() for b in bs]

    def at(self, site: str, moment: dt.datetime) -> dict[str, Batch]:
        result = {}
        for component, batches in self._lists.get(site, {}).items():
            index = bisect.bisect_right(batches, moment, key=lambda b: b.checked_at)
            if index:
                result[component] = batches[index - 1]
        return result


def readiness_series(
    sites: Sequence[SiteFacts],
    events: Mapping[str, Sequence[ManualEvent]],
    day_batches: Iterable[DayBatch],
    now: dt.datetime,
    max_age: dt.timedelta,
    tz: dt.tzinfo,
    max_points: int = 120,
) -> list[Point]:
    """One point per local day with a recorded event (the newest `max_points` days) and today.

    `day_batches` may hold every batch, or only each day's newest (all a point at the end of
    a day can see): the points are the same.
    """
    history = _BatchHistory(day_batches)
    moments = history.times + [e.recorded_at for evs in events.values() for e in evs]
    days = sorted(
        {m.astimezone(tz).date() for m in moments if m <= now} | {now.astimezone(tz).date()}
    )
    points = []
    for day in days[-max_points:]:
        end_of_day = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tz)
        moment = min(now, end_of_day - dt.timedelta(microseconds=1))
        ready = technically = inaugurated = 0
        for site in sites:
            readiness = evaluate_site(
                site, events.get(site.slug, ()), history.at(site.slug, moment), moment, max_age
            )
            ready += readiness.ready
            technically += readiness.technically_ready
            inaugurated += readiness.component(INAUGURATED).green
        points.append(
            Point(day=day, ready=ready, technically_ready=technically, inaugurated=inaugurated)
        )
    return points
