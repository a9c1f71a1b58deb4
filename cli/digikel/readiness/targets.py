"""The programme's targets: every wave of a year is due ready by the end of that year."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from digikel.readiness.model import SiteReadiness


@dataclass(frozen=True)
class Target:
    year: int
    deadline: dt.date
    waves: tuple[str, ...]  # the waves due by the deadline (cumulative)
    sites: frozenset[str]  # slugs


@dataclass(frozen=True)
class Progress:
    target: Target
    ready: int
    total: int
    overdue: bool  # the deadline has passed and the target is not met

    @property
    def met(self) -> bool:
        return self.ready >= self.total

    @property
    def percent(self) -> float:
        return 100.0 * self.ready / self.total if self.total else 100.0

    def as_dict(self) -> dict[str, object]:
        return {
            "year": self.target.year,
            "deadline": self.target.deadline.isoformat(),
            "waves": list(self.target.waves),
            "target": self.total,
            "ready": self.ready,
            "percent": round(self.percent, 1),
            "met": self.met,
            "overdue": self.overdue,
        }


def targets(wave_years: Mapping[str, int], site_waves: Mapping[str, str]) -> list[Target]:
    """One cumulative target per year that has a wave: e.g. the 10 pilot sites by the end of
    2023, all 59 by the end of 2024. Taken from the inventory's waves, never hard-coded."""
    result = []
    for year in sorted(set(wave_years.values())):
        waves = tuple(w for w, y in wave_years.items() if y <= year)
        sites = frozenset(slug for slug, wave in site_waves.items() if wave in waves)
        result.append(Target(year=year, deadline=dt.date(year, 12, 31), waves=waves, sites=sites))
    return result


def progress(
    all_targets: Iterable[Target], readiness: Iterable[SiteReadiness], today: dt.date
) -> list[Progress]:
    ready = {r.site.slug for r in readiness if r.ready}
    result = []
    for target in all_targets:
        count = len(target.sites & ready)
        total = len(target.sites)
        result.append(
            Progress(
                target=target,
                ready=count,
                total=total,
                overdue=today > target.deadline and count < total,
            )
        )
    return result
