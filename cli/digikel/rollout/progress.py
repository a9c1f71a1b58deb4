"""Progress of a rollout: a live table on a terminal, plain lines in CI or with --json."""

from __future__ import annotations

import sys
import threading
import time
from typing import TYPE_CHECKING, Any

from digikel.rollout.engine import Reporter, SiteResult
from digikel.rollout.stages import StageOutcome

if TYPE_CHECKING:
    from rich.live import Live


class LineReporter(Reporter):
    """One line per stage start and end, on stderr: greppable, safe in CI logs."""

    def __init__(self, verbose: bool = False) -> None:
        self.verbose = verbose
        self._lock = threading.Lock()

    def _say(self, text: str) -> None:
        with self._lock:
            sys.stderr.write(f"{time.strftime('%H:%M:%S')} {text}\n")
            sys.stderr.flush()

    def stage_started(self, site: str, stage: str) -> None:
        self._say(f"{site}: {stage} ...")

    def stage_finished(self, site: str, stage: str, outcome: StageOutcome) -> None:
        state = "skipped" if outcome.skipped else ("ok" if outcome.ok else "FAILED")
        changed = " (changed)" if outcome.changed else ""
        self._say(f"{site}: {stage} {state}{changed} {outcome.detail}".rstrip())

    def site_finished(self, result: SiteResult) -> None:
        self._say(f"{result.site}: {result.status.upper()} {result.detail}".rstrip())

    def event(self, site: str, host: str, text: str) -> None:
        if self.verbose:
            self._say(f"{site}: {host}: {text}")


class LiveReporter(Reporter):
    """A table of sites x stages that redraws as results stream in."""

    def __init__(self, sites: list[str], stages: list[str]) -> None:
        self.sites, self.stages = sites, stages
        self.cells: dict[tuple[str, str], str] = {}
        self.last: dict[str, str] = {}
        self._lock = threading.Lock()
        self.live: Live | None = None

    def __enter__(self) -> LiveReporter:
        from rich.console import Console
        from rich.live import Live

        self.live = Live(self._table(), console=Console(stderr=True), refresh_per_second=4)
        self.live.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.live is not None:
            self.live.update(self._table())
            self.live.__exit__(*exc)

    def _table(self) -> Any:
        from rich.table import Table

        table = Table(title="digikel rollout")
        table.add_column("site")
        for stage in self.stages:
            table.add_column(stage)
        table.add_column("last event", overflow="ellipsis", no_wrap=True, max_width=50)
        for site in self.sites:
            row = [self.cells.get((site, s), "") for s in self.stages]
            table.add_row(site, *row, self.last.get(site, ""))
        return table

    def _set(self, site: str, stage: str, text: str) -> None:
        with self._lock:
            self.cells[(site, stage)] = text
            if self.live is not None:
                self.live.update(self._table())

    def stage_started(self, site: str, stage: str) -> None:
        self._set(site, stage, "[yellow]running[/]")

    def stage_finished(self, site: str, stage: str, outcome: StageOutcome) -> None:
        text = "[green]ok[/]" if outcome.ok else "[red]failed[/]"
        if outcome.skipped:
            text = "[dim]skipped[/]"
        self._set(site, stage, text + (" *" if outcome.changed else ""))
        if not outcome.ok:
            self.last[site] = outcome.detail

    def site_finished(self, result: SiteResult) -> None:
        if result.status not in ("ok", "failed"):
            self._set(result.site, self.stages[0], result.status)
            self.last[result.site] = result.detail

    def event(self, site: str, host: str, text: str) -> None:
        with self._lock:
            self.last[site] = f"{host}: {text}"
