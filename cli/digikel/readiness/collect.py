"""Readiness of the city from the inventory (sites, devices, applications) and the store."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from digikel.readiness.components import (
    APPLICATIONS,
    COMPONENTS,
    INAUGURATED,
    MAC_ROLES,
    PORTAL_TARGET,
    ROLES_OF,
)
from digikel.readiness.drift import drift_findings
from digikel.readiness.evaluate import evaluate_site, newest_batches
from digikel.readiness.history import Point, readiness_series
from digikel.readiness.model import ManualEvent, SiteFacts, SiteReadiness
from digikel.readiness.targets import Progress, progress, targets

if TYPE_CHECKING:
    from digikel.inventory.model import Inventory, Site
    from digikel.store import KecamatanDay, MarkRecord, Store


def site_facts(site: Site, application_ids: Iterable[str]) -> SiteFacts:
    """The inventory's view of a site: initial physical works and what the checks must cover."""
    expected = {
        component: frozenset(d.name for d in site.devices if d.role in roles)
        for component, roles in ROLES_OF.items()
    }
    hidden = set(site.hidden_applications)
    expected[APPLICATIONS] = frozenset(
        {PORTAL_TARGET} | {a for a in application_ids if a not in hidden}
    )
    return SiteFacts(
        number=site.number,
        slug=site.slug,
        name=site.name,
        kecamatan=site.kecamatan,
        wave=site.wave,
        physical_status=site.physical_works.status,
        physical_date=site.physical_works.date,
        physical_note=site.physical_works.note,
        expected=expected,
        without_mac=tuple(d.name for d in site.devices if d.role in MAC_ROLES and not d.mac),
    )


def manual_events(marks: Iterable[MarkRecord]) -> dict[str, list[ManualEvent]]:
    events: dict[str, list[ManualEvent]] = {}
    for mark in marks:
        events.setdefault(mark.site, []).append(
            ManualEvent(
                component=mark.component,
                action=mark.action,
                work_date=mark.work_date,
                note=mark.note,
                operator=mark.operator,
                recorded_at=mark.recorded_at,
            )
        )
    return events


@dataclass(frozen=True)
class KecamatanRow:
    name: str
    sites: int
    ready: int
    inaugurated: int
    green: dict[str, int]  # component -> sites where it is green

    def as_dict(self) -> dict[str, object]:
        return {
            "kecamatan": self.name,
            "sites": self.sites,
            "ready": self.ready,
            "inaugurated": self.inaugurated,
            "components_green": self.green,
        }


@dataclass(frozen=True)
class CityReadiness:
    city: str
    now: dt.datetime
    tz: dt.tzinfo
    max_age: dt.timedelta
    sites: list[SiteReadiness]
    progress: list[Progress]
    series: list[Point]
    # Checks and drift per local day and kecamatan, aggregated by the store (with_history).
    kecamatan_history: list[KecamatanDay] = field(default_factory=list)

    @property
    def kecamatan(self) -> list[KecamatanRow]:
        rows: dict[str, list[SiteReadiness]] = {}
        for readiness in self.sites:
            rows.setdefault(readiness.site.kecamatan, []).append(readiness)
        return [
            KecamatanRow(
                name=name,
                sites=len(members),
                ready=sum(r.ready for r in members),
                inaugurated=sum(r.component(INAUGURATED).green for r in members),
                green={c: sum(r.component(c).green for r in members) for c in COMPONENTS},
            )
            for name, members in sorted(rows.items())
        ]

    @property
    def ready(self) -> int:
        return sum(r.ready for r in self.sites)


def city_timezone(inv: Inventory) -> dt.tzinfo:
    try:
        return ZoneInfo(inv.city.timezone)
    except (KeyError, ValueError):
        return dt.UTC


def city_readiness(
    inv: Inventory,
    store: Store,
    max_age: dt.timedelta,
    *,
    sites: Sequence[Site] | None = None,
    now: dt.datetime | None = None,
    with_history: bool = False,
) -> CityReadiness:
    """Every (or the chosen) site's readiness now, progress against the targets, and history."""
    now = now or dt.datetime.now(dt.UTC)
    app_ids = [a.id for a in inv.applications]
    chosen = list(sites) if sites is not None else inv.sites
    facts = [site_facts(s, app_ids) for s in chosen]
    events = manual_events(store.marks())
    batches = newest_batches(store.latest_checks())
    drift = drift_findings(store.open_drift())
    readiness = [
        evaluate_site(
            f, events.get(f.slug, []), batches.get(f.slug, {}), now, max_age, drift.get(f.slug, ())
        )
        for f in facts
    ]
    # Targets always count the whole city, whatever subset is shown.
    all_readiness = readiness
    if sites is not None:
        all_facts = [site_facts(s, app_ids) for s in inv.sites]
        all_readiness = [
            evaluate_site(
                f,
                events.get(f.slug, []),
                batches.get(f.slug, {}),
                now,
                max_age,
                drift.get(f.slug, ()),
            )
            for f in all_facts
        ]
    wave_years = {name: wave.year for name, wave in inv.city.waves.items()}
    site_waves = {s.slug: s.wave for s in inv.sites}
    tz = city_timezone(inv)
    series = (
        readiness_series(facts, events, store.last_batches_per_day(tz, now=now), now, max_age, tz)
        if with_history
        else []
    )
    kecamatan_history = (
        store.kecamatan_history({s.slug: s.kecamatan for s in chosen}, tz, now=now)
        if with_history
        else []
    )
    return CityReadiness(
        city=inv.city.city,
        now=now,
        tz=tz,
        max_age=max_age,
        sites=readiness,
        progress=progress(
            targets(wave_years, site_waves), all_readiness, now.astimezone(tz).date()
        ),
        series=series,
        kecamatan_history=kecamatan_history,
    )


def one_site_readiness(
    inv: Inventory, store: Store, site: Site, max_age: dt.timedelta, now: dt.datetime | None = None
) -> SiteReadiness:
    now = now or dt.datetime.now(dt.UTC)
    facts = site_facts(site, [a.id for a in inv.applications])
    events = manual_events(store.marks(site.slug)).get(site.slug, [])
    batches = newest_batches(store.latest_checks(site.slug)).get(site.slug, {})
    drift = drift_findings(store.open_drift(site.slug)).get(site.slug, ())
    return evaluate_site(facts, events, batches, now, max_age, drift)
