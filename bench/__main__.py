"""Run digikel's benchmarks: `python -m bench [--quick] [--only NAME ...]`.

The method and the latest full results are in docs/benchmarks.md; raw figures land in
bench/results/<name>.json. `--quick` is CI's tiny size: it proves the benchmarks still run (and
what they check, such as a second network pass sending nothing); its timings mean nothing.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.harness import write_results


def _startup(args: argparse.Namespace, runs: int, warmup: int) -> dict[str, Any]:
    from bench import startup

    return startup.run(runs, warmup, factors=(1,) if args.quick else (1, 10))


def _readiness(args: argparse.Namespace, runs: int, warmup: int) -> dict[str, Any]:
    from bench import readiness

    return readiness.run(runs, warmup, recorded=200 if args.quick else 10_000)


def _network(args: argparse.Namespace, runs: int, warmup: int) -> dict[str, Any]:
    from bench import network

    workers = tuple(int(w) for w in args.workers.split(",")) if args.workers else None
    return network.run(
        runs,
        warmup,
        args.quick,
        workers=workers,
        delay_ms=args.delay_ms,
        ansible_runs=args.ansible_runs,
    )


def _endpoints(args: argparse.Namespace, runs: int, warmup: int) -> dict[str, Any]:
    from bench import endpoints

    return endpoints.run(runs, warmup, args.quick)


def _watch(args: argparse.Namespace, runs: int, warmup: int) -> dict[str, Any]:
    from bench import watch

    return watch.run(runs, warmup, args.quick)


SUITES: dict[str, Callable[[argparse.Namespace, int, int], dict[str, Any]]] = {
    "endpoints": _endpoints,
    "network": _network,
    "readiness": _readiness,
    "startup": _startup,
    "watch": _watch,
}


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes (for CI)")
    parser.add_argument("--only", action="append", choices=sorted(SUITES), help="run only these")
    parser.add_argument("--runs", type=int, default=None, help="runs per figure (default 5)")
    parser.add_argument("--workers", help="network: worker counts, e.g. 8,32,1 (the default)")
    parser.add_argument("--delay-ms", type=float, default=None, help="network: per round trip")
    parser.add_argument("--ansible-runs", type=int, default=None, help="network: Ansible's runs")
    parser.add_argument("--results-dir", type=Path, default=None, help="default bench/results")
    args = parser.parse_args()
    runs = args.runs or (1 if args.quick else 5)
    warmup = 0 if args.quick else 1
    for name in args.only or sorted(SUITES):
        data = SUITES[name](args, runs, warmup)
        path = write_results(
            f"{name}-quick" if args.quick else name, {"suite": name, **data}, args.results_dir
        )
        sys.stderr.write(f"{name}: results in {path}\n")
        for key, value in data.items():
            if key.endswith("table") or (isinstance(value, dict) and "table" in value):
                text = value if isinstance(value, str) else value["table"]
                sys.stdout.write(f"\n### {name}: {key}\n{text}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
