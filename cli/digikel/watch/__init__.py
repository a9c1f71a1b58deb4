"""The watch: a scheduled, read-only pass over the sites that keeps readiness true.

`run_watch` backs up every network device and compares it with its intended configuration, runs
the endpoints' playbook in check mode with diffs, and probes printers and applications; the
results go into the store as readiness checks and drift records. It never changes a device.
See docs/watch.md.
"""

from __future__ import annotations

from digikel.watch.drift import Drift
from digikel.watch.run import WATCH_STAGES, WatchOptions, WatchResult, run_watch

__all__ = ["WATCH_STAGES", "Drift", "WatchOptions", "WatchResult", "run_watch"]
