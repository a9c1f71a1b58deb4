"""What is recorded about one site by hand and by runs: the programme's rule for a work date,
and the site's events (marks, runs' stages, batches of checks), newest first."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from digikel.errors import InputError

if TYPE_CHECKING:
    from digikel.store import Store

# The programme began in 2020: an earlier work date is a typo.
PROGRAMME_START_YEAR = 2020


def parse_work_date(text: str | None, today: dt.date, option: str = "--date") -> dt.date:
    """The day works ended or a ceremony took place: `text` (YYYY-MM-DD) or today. The
    programme's rules: not in the future, not before the programme began (2020)."""
    if text is None:
        return today
    try:
        day = dt.date.fromisoformat(text.strip())
    except ValueError:
        raise InputError(
            f"{option} {text!r}: expected a date as YYYY-MM-DD, e.g. 2024-05-31"
        ) from None
    # One day of slack: the operator's calendar (WITA) may be ahead of this machine's.
    if day > today + dt.timedelta(days=1):
        raise InputError(f"{option} {text}: lies in the future (today is {today.isoformat()})")
    if day.year < PROGRAMME_START_YEAR:
        raise InputError(f"{option} {text}: before the programme began; expected 2020 or later")
    return day


def site_history(store: Store, slug: str, lang: str, limit: int = 30) -> list[dict[str, Any]]:
    """Who did what at the site, newest first: marks, runs' stages, batches of checks."""
    from digikel.readiness.i18n import component_label, t

    events: list[dict[str, Any]] = []
    for mark_record in store.marks(slug):
        label = component_label(mark_record.component, lang)
        what = t(f"history.{mark_record.action}", lang, component=label)
        if mark_record.work_date:
            what += f" ({mark_record.work_date.isoformat()})"
        if mark_record.note:
            what += f": {mark_record.note}"
        events.append({"at": mark_record.recorded_at, "by": mark_record.operator, "what": what})
    stages_by_run: dict[int, list[str]] = {}
    for stage in store.stages(site=slug):
        stages_by_run.setdefault(stage.run_id, []).append(f"{stage.stage} {stage.status}")
    for run in store.runs(site=slug, limit=limit):
        what = f"{run.kind} #{run.id} ({run.status}): " + ", ".join(stages_by_run.get(run.id, []))
        events.append({"at": run.started_at, "by": run.operator, "what": what})
    batches: dict[tuple[int, str], list[bool]] = {}
    first: dict[tuple[int, str], Any] = {}
    for check in store.checks(slug, limit=2000):
        key = (check.run_id, check.component)
        batches.setdefault(key, []).append(check.ok)
        first[key] = check
    for key, oks in batches.items():
        check = first[key]
        what = (
            f"{component_label(check.component, lang)}: {sum(oks)}/{len(oks)} "
            f"{t('acceptance.pass', lang).lower()} (#{check.run_id})"
        )
        events.append({"at": check.checked_at, "by": check.operator, "what": what})
    events.sort(key=lambda e: e["at"], reverse=True)
    return [{**e, "at": e["at"].isoformat()} for e in events[:limit]]
