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

# (site, component, run_id, target, all_ok, checked_at): Store.check_summaries()
Summary = tuple[str, str, int, str, bool, dt.datetime]


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
    """Every batch of every (site, component), to find the newest one at any moment."""

    def __init__(self, summaries: Iterable[Summary]) -> None:
        grouped: dict[tuple[str, str, int], list[Summary]] = {}
        for row in summaries:
            grouped.setdefault((row[0], row[1], row[2]), []).append(row)
        self._lists: dict[str, dict[str, list[Batch]]] = {}
        for (site, component, run_id), rows in grouped.items():
            batch = Batch(
                component=component,
                run_id=run_id,
                checked_at=max(r[5] for r in rows),
                ok=all(r[4] for r in rows),
                targets=frozenset(r[3] for r in rows if r[3]),
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
    summaries: Iterable[Summary],
    now: dt.datetime,
    max_age: dt.timedelta,
    tz: dt.tzinfo,
    max_points: int = 120,
) -> list[Point]:
    """One point per local day with a recorded event (the newest `max_points` days) and today."""
    history = _BatchHistory(summaries)
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
