"""Benchmark 4: `digikel status` and the HTML report with many recorded runs.

The store is filled through the same API the rollout writes with (start_run, record_stage,
record_checks, finish_run): `runs` rollouts spread over the 59 sites, each verifying its site
with one check per device, printer and application, spread over the last 120 days.
"""

from __future__ import annotations

import datetime as dt
import random
import tempfile
import time
from pathlib import Path

from bench.harness import BIN, REPO, compare, table


def fill_store(url: str, runs: int, seed: int = 7) -> float:
    """Record `runs` verify runs; returns the seconds it took."""
    from digikel.inventory import load_inventory
    from digikel.store import Check, open_store

    inv = load_inventory(REPO / "inventory/lab/digikel.yml")
    rng = random.Random(seed)
    now = dt.datetime.now(dt.UTC)
    started = time.perf_counter()
    with open_store(url) as store:
        for i in range(runs):
            site = inv.sites[i % len(inv.sites)]
            at = now - dt.timedelta(minutes=int((runs - i) * 120 * 24 * 60 / runs))
            run = store.start_run(kind="rollout", operator="bench", command_line="bench")
            checks = [
                Check("network", "verify", rng.random() > 0.02, None, d.name, at)
                for d in site.network_devices
            ]
            checks += [
                Check("printers", "answers IPP", True, None, d.name, at)
                for d in site.devices_of("printer")
            ]
            checks += [
                Check("applications", "application answers", rng.random() > 0.01, None, a.id, at)
                for a in inv.applications
            ]
            checks.append(Check("applications", "portal page answers", True, None, "portal", at))
            store.record_stage(run, site.slug, "verify", "ok")
            store.record_checks(run, site.slug, checks)
            store.finish_run(run, "ok")
    return time.perf_counter() - started


def run(runs: int, warmup: int = 1, recorded: int = 10_000) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="digikel-bench-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'store.db'}"
        seconds = fill_store(url, recorded)
        env = {"DIGIKEL_DB_URL": url, "PATH": str(BIN), "HOME": tmp}
        digikel = str(BIN / "digikel")
        out = Path(tmp) / "report.html"
        figures = compare(
            {
                "digikel --json status": [digikel, "--json", "status"],
                "digikel status": [digikel, "status"],
                "digikel report --format html": [
                    digikel,
                    "report",
                    "--format",
                    "html",
                    "-o",
                    str(out),
                ],
            },
            runs=runs,
            warmup=warmup,
            env=env,
        )
        size = (Path(tmp) / "store.db").stat().st_size
    return {
        "recorded_runs": recorded,
        "fill_seconds": round(seconds, 1),
        "store_mib": round(size / 2**20, 1),
        "figures": {k: v.as_dict() for k, v in figures.items()},
        "table": table(figures),
    }
