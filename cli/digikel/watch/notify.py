"""`--notify`: after a watch, a JSON summary posted to a webhook (a chat, a ticket system).

A site is named when its state changed since it was last named: "drift" (something differs
from what was delivered), "tidak-siap" (no longer technically ready: a failed or stale check), or
back to "siap". A site that stays drifted is not named again the next night. What was last named
is the store's (`Store.newly_changed` / `Store.mark_notified`). The state is remembered only
once the webhook accepted the post, so a failed post names the same sites again next time.

The URL comes from `--webhook` or the config file (`[watch] webhook_url`, the file of
digikel.store.settings.config_path()).
"""

from __future__ import annotations

import datetime as dt
import json
import tomllib
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from digikel.errors import DigikelError, InputError

if TYPE_CHECKING:
    from digikel.inventory.model import Inventory
    from digikel.store import Store
    from digikel.watch.run import WatchOptions, WatchResult

READY, DRIFT, NOT_READY = "siap", "drift", "tidak-siap"
TIMEOUT = 15.0
MAX_NAMED = 200  # sites listed in one post (a city has 59)


@dataclass
class Notification:
    url: str  # without any user:password part
    sent: bool
    status: int | None
    payload: dict[str, Any]
    named: list[str] = field(default_factory=list)
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "sent": self.sent,
            "status": self.status,
            "named": self.named,
            "error": self.error,
        }


def webhook_url(given: str | None = None) -> str:
    """The webhook: `given`, else the config file's [watch] webhook_url; checked as http(s)."""
    url = given
    if not url:
        from digikel.store.settings import config_path

        path = config_path()
        config: dict[str, Any] = {}
        if path.is_file():
            try:
                config = tomllib.loads(path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
                raise InputError(f"{path}: cannot read the config file: {exc}") from None
        section = config.get("watch", {})
        url = section.get("webhook_url") if isinstance(section, dict) else None
        if not url:
            raise InputError(
                f"--notify: no webhook; set [watch] webhook_url in {path} or give --webhook"
            )
    if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https"):
        raise InputError(f"webhook {url!r}: expected an http:// or https:// URL")
    if not urlsplit(url).hostname:
        raise InputError(f"webhook {url!r}: no host")
    return url


def _shown(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


def site_states(
    inv: Inventory, store: Store, result: WatchResult, options: WatchOptions
) -> dict[str, str]:
    """The state of every site this pass watched to the end."""
    from digikel.readiness.collect import one_site_readiness
    from digikel.store.settings import load_settings

    days = options.max_age_days or load_settings().max_age_days
    max_age = dt.timedelta(days=days)
    drifted = set(result.drifted_sites)
    states = {}
    by_slug = {s.slug: s for s in inv.sites}
    for site in result.run.sites:
        if site.status != "ok" or site.site not in by_slug:
            continue  # not watched (locked, deadline, a stage that could not run): unknown
        if site.site in drifted:
            states[site.site] = DRIFT
            continue
        ready = one_site_readiness(inv, store, by_slug[site.site], max_age).technically_ready
        states[site.site] = READY if ready else NOT_READY
    return states


def _changes(store: Store, states: dict[str, str]) -> list[tuple[str, str | None, str]]:
    return [(c.site, c.previous, c.current) for c in store.newly_changed(states)]


def payload(
    inv: Inventory,
    result: WatchResult,
    states: dict[str, str],
    changes: list[tuple[str, str | None, str]],
) -> dict[str, Any]:
    """The JSON summary: the run, the counts, and the sites whose state changed (once)."""
    names = {s.slug: s.name for s in inv.sites}
    drifts_of: dict[str, list[dict[str, Any]]] = {}
    for drift in result.drifts:
        drifts_of.setdefault(drift.site, []).append(
            {
                "component": drift.component,
                "target": drift.target,
                "summary": drift.summary,
                "first_lines": drift.first_lines(),
            }
        )
    failed_of: dict[str, list[str]] = {}
    for site, component, target, name in result.failed_checks:
        failed_of.setdefault(site, []).append(f"{component} {target}: {name}")
    changed = [
        {
            "site": site,
            "name": names.get(site, site),
            "previous": previous,
            "state": current,
            "drift": drifts_of.get(site, []),
            "failed_checks": failed_of.get(site, [])[:10],
        }
        for site, previous, current in changes
    ][:MAX_NAMED]
    counts = {
        state: sum(1 for v in states.values() if v == state) for state in (READY, DRIFT, NOT_READY)
    }
    newly = [s for s, _, current in changes if current != READY]
    recovered = [s for s, before, current in changes if current == READY and before is not None]
    text = f"digikel watch (run {result.run.run_id}): {len(states)} site(s) watched, " + ", ".join(
        f"{n} {state}" for state, n in counts.items()
    )
    if newly:
        text += "; newly: " + ", ".join(
            f"{names.get(s, s)} ({st})" for s, _, st in changes if s in newly
        )
    if recovered:
        text += "; back to siap: " + ", ".join(names.get(s, s) for s in recovered)
    return {
        "text": text,  # what a chat webhook shows
        "run": result.run.run_id,
        "status": result.run.status,
        "watched": len(states),
        "counts": counts,
        "changed": changed,
        "not_watched": [s.site for s in result.run.sites if s.status != "ok"],
    }


def post(url: str, body: dict[str, Any], timeout: float = TIMEOUT) -> int:
    """POST `body` as JSON; the HTTP status, or a DigikelError that names the host only."""
    data = json.dumps(body, ensure_ascii=False).encode()
    request = urllib.request.Request(
        url,
        data=data,
        method="POST",
        headers={"Content-Type": "application/json", "User-Agent": "digikel-watch"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as exc:
        raise DigikelError(f"webhook {_shown(url)} answered HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DigikelError(f"webhook {_shown(url)}: {reason}") from None


def notify(
    inv: Inventory, store: Store, result: WatchResult, options: WatchOptions
) -> Notification:
    """Post the summary when some site's state changed; remember the states once it is sent."""
    url = webhook_url(options.webhook_url)
    states = site_states(inv, store, result, options)
    changes = _changes(store, states)
    body = payload(inv, result, states, changes)
    named = [site for site, _, _ in changes]
    if not changes:
        return Notification(
            _shown(url), False, None, body, [], "nothing changed since the last post"
        )
    try:
        status = post(url, body)
    except DigikelError as exc:
        return Notification(_shown(url), False, None, body, named, str(exc))
    store.mark_notified({site: current for site, _, current in changes})
    return Notification(_shown(url), True, status, body, named)
