"""Drift in readiness: the open drift of a site as blockers, and `digikel drift [SITE]`'s data.

Readiness sits below the store, so it reads DriftRecords through the fields it needs (a
Protocol), as evaluate.py reads checks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from digikel.readiness.model import DriftFinding

if TYPE_CHECKING:
    from digikel.inventory.model import Inventory, Site
    from digikel.store import Store

FIRST_LINES = 3  # what a blocker shows of a diff; `digikel drift` shows all of it


class _DriftLike(Protocol):
    """The fields of a DriftRecord that readiness reads."""

    @property
    def id(self) -> int: ...
    @property
    def run_id(self) -> int: ...
    @property
    def site(self) -> str: ...
    @property
    def component(self) -> str: ...
    @property
    def target(self) -> str: ...
    @property
    def summary(self) -> str: ...
    @property
    def diff(self) -> str: ...
    @property
    def found_at(self) -> dt.datetime: ...


def _is_change(line: str) -> bool:
    return line.startswith(("+", "-")) and not line.startswith(("+++", "---"))


def first_lines(diff: str, count: int = FIRST_LINES) -> tuple[str, ...]:
    """The first changed lines of a unified diff (not its ---/+++ headers); a diff with none
    (an application's "expected 200, got 503") gives its first non-empty lines instead."""
    lines = diff.splitlines()
    changed = [
        line
        for line in lines
        if line.startswith(("+", "-")) and not line.startswith(("+++", "---"))
    ]
    chosen = changed or [line for line in lines if line.strip()]
    return tuple(chosen[:count])


def drift_findings(records: Iterable[_DriftLike]) -> dict[str, tuple[DriftFinding, ...]]:
    """site -> its open drift as blockers show it, from the rows of Store.open_drift()."""
    found: dict[str, list[DriftFinding]] = {}
    for r in records:
        found.setdefault(r.site, []).append(
            DriftFinding(
                component=r.component,
                target=r.target,
                summary=r.summary,
                first_lines=first_lines(r.diff),
                found_at=r.found_at,
                run_id=r.run_id,
            )
        )
    return {site: tuple(items) for site, items in found.items()}


# --- digikel drift [SITE] -------------------------------------------------------------------


@dataclass(frozen=True)
class DriftEntry:
    component: str
    target: str
    summary: str
    diff: str
    found_at: dt.datetime
    run_id: int
    open: bool  # False: a later watch found the target as delivered again

    def as_dict(self) -> dict[str, Any]:
        return {
            "component": self.component,
            "target": self.target,
            "summary": self.summary,
            "diff": self.diff,
            "found_at": self.found_at.isoformat(),
            "run_id": self.run_id,
            "open": self.open,
        }


@dataclass(frozen=True)
class SiteDrift:
    slug: str
    name: str
    kecamatan: str
    entries: tuple[DriftEntry, ...]  # newest first

    def as_dict(self) -> dict[str, Any]:
        return {
            "site": self.slug,
            "name": self.name,
            "kecamatan": self.kecamatan,
            "drift": [e.as_dict() for e in self.entries],
        }


def drift_report(
    inv: Inventory,
    store: Store,
    sites: Sequence[Site] | None = None,
    *,
    include_closed: bool = False,
) -> list[SiteDrift]:
    """The full diffs of the open drift (with `include_closed`, every drift ever found), per
    site in the inventory's order and newest first within a site; sites without any are left
    out. `sites`: the chosen sites (`digikel drift SITE`), else every site."""
    chosen = list(sites) if sites is not None else inv.sites
    one = chosen[0].slug if len(chosen) == 1 else None
    open_ids = {r.id for r in store.open_drift(one)}
    records: Iterable[_DriftLike] = (
        store.drift_history(one) if include_closed else store.open_drift(one)
    )
    by_site: dict[str, list[_DriftLike]] = {}
    for r in records:
        by_site.setdefault(r.site, []).append(r)
    result = []
    for site in chosen:
        mine = sorted(by_site.get(site.slug, []), key=lambda r: (r.found_at, r.id), reverse=True)
        if mine:
            result.append(
                SiteDrift(
                    slug=site.slug,
                    name=site.name,
                    kecamatan=site.kecamatan,
                    entries=tuple(
                        DriftEntry(
                            component=r.component,
                            target=r.target,
                            summary=r.summary,
                            diff=r.diff,
                            found_at=r.found_at,
                            run_id=r.run_id,
                            open=r.id in open_ids,
                        )
                        for r in mine
                    ),
                )
            )
    return result
