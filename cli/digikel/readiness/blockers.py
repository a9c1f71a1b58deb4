"""What keeps a site from being ready, said in words an office reads."""

from __future__ import annotations

import datetime as dt

from digikel.readiness.components import (
    DRIFT,
    INAUGURATED,
    MAC_ADDRESSES,
    PHYSICAL_WORKS,
    State,
)
from digikel.readiness.i18n import age_text, component_label, t
from digikel.readiness.model import ComponentStatus, SiteReadiness

_MAX_NAMES = 4


def _names(items: tuple[str, ...]) -> str:
    shown = ", ".join(items[:_MAX_NAMES])
    return shown + (f" (+{len(items) - _MAX_NAMES})" if len(items) > _MAX_NAMES else "")


def describe(status: ComponentStatus, lang: str, max_age: dt.timedelta) -> str:
    """One line about a component that is not green."""
    label = component_label(status.component, lang)
    if status.component == PHYSICAL_WORKS:
        if status.source == "mark":
            text = t("blocker.physical.unmarked", lang, by=status.by)
        elif status.state is State.IN_PROGRESS:
            text = t("blocker.physical.in_progress", lang)
        else:
            text = t("blocker.physical.not_started", lang)
        return f"{text}: {status.note}" if status.note else text
    if status.component == DRIFT and status.drift is not None:
        drift = status.drift
        text = t(
            "blocker.drift",
            lang,
            target=drift.target,
            component=component_label(drift.component, lang),
            summary=drift.summary,
        )
        # One line (status joins a site's blockers on one line): the diff's first lines in
        # brackets; `digikel drift SITE` shows the whole diff.
        return f"{text} [{' | '.join(drift.first_lines)}]" if drift.first_lines else text
    if status.component == MAC_ADDRESSES:
        return t("blocker.no_mac", lang, count=len(status.missing), names=_names(status.missing))
    if status.component == INAUGURATED:
        if status.source == "mark":
            text = t("blocker.inaugurated.unmarked", lang, by=status.by)
            return f"{text}: {status.note}" if status.note else text
        return t("blocker.inaugurated.not_done", lang)
    if status.state is State.FAILED:
        if status.failed:
            return t(
                "blocker.failed",
                lang,
                component=label,
                count=len(status.failed),
                names=_names(status.failed),
            )
        return t("blocker.failed.plain", lang, component=label)
    if status.state is State.INCOMPLETE:
        return t("blocker.incomplete", lang, component=label, missing=_names(status.missing))
    if status.state is State.STALE and status.age is not None:
        return t(
            "blocker.stale",
            lang,
            component=label,
            age=age_text(status.age, lang),
            limit=age_text(max_age, lang),
        )
    return t("blocker.unchecked", lang, component=label)


def blocker_lines(readiness: SiteReadiness, lang: str, max_age: dt.timedelta) -> list[str]:
    return [describe(status, lang, max_age) for status in readiness.blockers]
