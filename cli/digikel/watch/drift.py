"""What drifted: one device or host that no longer holds what digikel delivered, with the diff.

Pure functions over text: the network side compares a backup with the intended configuration
(the network differ the push uses), the endpoint side reads Ansible's check-mode diffs.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

MAX_DIFF_CHARS = 200_000  # one device's diff in a record; beyond it, cut with a note
FIRST_LINES = 5  # what a summary (a notification, a blocker) shows of a diff


@dataclass(frozen=True)
class Drift:
    """One drifted device or host of one site. `diff` is scrubbed of every vault value."""

    site: str
    # The store's drift component: "network" (a device's configuration) or "endpoints" (a
    # counter PC, a display: what site.yml in check mode would change).
    component: str
    target: str  # the device or host
    summary: str  # one line: what differs
    diff: str
    # What would put it back: the differ's commands (network), the changed tasks (endpoints).
    pending: tuple[str, ...] = ()
    # Items digikel does not manage (kept by a push; `network push --prune` removes them).
    unmanaged: tuple[str, ...] = field(default_factory=tuple)

    def first_lines(self, count: int = FIRST_LINES) -> list[str]:
        """The first changed lines of the diff (what `status` and a notification show)."""
        lines = [
            line
            for line in self.diff.splitlines()
            if line[:1] in "+-" and not line.startswith(("+++", "---"))
        ]
        return lines[:count]

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["pending"] = list(self.pending)
        data["unmanaged"] = list(self.unmanaged)
        return data


def scrub(text: str, secrets: Iterable[str]) -> str:
    """Every vault value replaced (longest first), then bounded in size."""
    from digikel.network.noise import scrub as scrub_values

    text = scrub_values(text, secrets)
    if len(text) > MAX_DIFF_CHARS:
        text = text[:MAX_DIFF_CHARS] + f"\n... cut at {MAX_DIFF_CHARS} characters\n"
    return text


def network_drift(
    site: str,
    device: str,
    commands: list[str],
    diff: str,
    unmanaged: list[str],
    secrets: Iterable[str],
) -> Drift | None:
    """A network device's drift from the differ's plan and readable diff; None: as intended."""
    if not commands and not unmanaged:
        return None
    parts = []
    if commands:
        parts.append(f"{len(commands)} command(s) would put it back")
    if unmanaged:
        parts.append(f"{len(unmanaged)} item(s) added by hand (removed only with --prune)")
    secrets = list(secrets)
    return Drift(
        site,
        "network",
        device,
        "; ".join(parts),
        scrub(diff, secrets),
        tuple(scrub(c, secrets) for c in commands),
        tuple(scrub(u, secrets) for u in unmanaged),
    )


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    import json

    return json.dumps(value, indent=2, sort_keys=True, default=str) + "\n"


def ansible_diff_text(diff: Any) -> str:
    """Ansible's `diff` result (a dict or a list of them: before/after with headers, or an
    already prepared text) as one unified diff."""
    items = diff if isinstance(diff, list) else [diff]
    out: list[str] = []
    for item in items:
        if not isinstance(item, dict):
            continue
        if item.get("prepared"):
            out.append(str(item["prepared"]).rstrip("\n") + "\n")
            continue
        if "before" not in item and "after" not in item:
            continue
        before, after = _text(item.get("before")), _text(item.get("after"))
        if before == after:
            continue
        out.extend(
            difflib.unified_diff(
                before.splitlines(keepends=True),
                after.splitlines(keepends=True),
                str(item.get("before_header") or "before"),
                str(item.get("after_header") or "after"),
            )
        )
    text = "".join(out)
    return text if not text or text.endswith("\n") else text + "\n"


@dataclass
class HostChanges:
    """What check mode said one endpoint would change: task names and their diffs."""

    tasks: list[str] = field(default_factory=list)
    diffs: list[str] = field(default_factory=list)


WOULD_RUN = "Command would have run"  # command/shell in check mode: skipped, yet it would run


def _would_change(result: dict[str, Any]) -> bool:
    """Check mode says this task (or loop item) would change the host: changed, or a command
    check mode skipped only because it cannot run one (its `when` held: it would run)."""
    return bool(result.get("changed")) or str(result.get("msg", "")).startswith(WOULD_RUN)


def _label(item: Any) -> str:
    if isinstance(item, dict):
        return str(item.get("name") or item.get("path") or item.get("dest") or "")
    return "" if item is None else str(item)


TASK_EVENTS = ("runner_on_ok", "runner_on_skipped")  # a task's result (a loop's: all items)
ITEM_EVENTS = ("runner_item_on_ok", "runner_item_on_skipped")  # one loop item's result


def _results_of(event: dict[str, Any]) -> list[dict[str, Any]]:
    """The results an event stands for: one loop item's, or a task's without a loop. A loop's
    task event is left out (its items came as item events; a skipped one carries no result)."""
    kind = event.get("event")
    res = (event.get("event_data", {}) or {}).get("res", {}) or {}
    if not isinstance(res, dict):
        return []
    if kind in ITEM_EVENTS:
        return [res]
    if kind in TASK_EVENTS and not isinstance(res.get("results"), list):
        return [res]
    return []


def changes_from_events(events: Iterable[dict[str, Any]]) -> dict[str, HostChanges]:
    """Per host, the tasks check mode would change and their diffs, from ansible-runner events."""
    hosts: dict[str, HostChanges] = {}
    for event in events:
        data = event.get("event_data", {}) or {}
        host = data.get("host")
        if not host:
            continue
        task = str(data.get("task", "")) or "(unnamed task)"
        for item in _results_of(event):
            if not _would_change(item):
                continue
            label = _label(item.get("item"))
            name = f"{task} ({label})" if label else task
            changes = hosts.setdefault(str(host), HostChanges())
            changes.tasks.append(name)
            text = ansible_diff_text(item.get("diff"))
            if not text and str(item.get("msg", "")).startswith(WOULD_RUN):
                text = f"(check mode cannot run it: {' '.join(map(str, item.get('cmd') or []))})\n"
            changes.diffs.append(f"# task: {name}\n" + (text or "(changed, no diff reported)\n"))
    return hosts


def endpoint_drift(site: str, host: str, changes: HostChanges, secrets: Iterable[str]) -> Drift:
    secrets = list(secrets)
    tasks = tuple(dict.fromkeys(changes.tasks))
    return Drift(
        site,
        "endpoints",
        host,
        f"{len(tasks)} task(s) would change: "
        + "; ".join(tasks[:3])
        + (" ..." if len(tasks) > 3 else ""),
        scrub("".join(changes.diffs), secrets),
        tuple(scrub(t, secrets) for t in tasks),
    )
