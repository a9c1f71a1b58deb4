"""Run digikel's benchmarks: `python -m bench [--quick] [--only NAME ...]`.

The method and the latest full results are in docs/benchmarks.md; raw figures land in
bench/results/<name>.json. `--quick` is CI's tiny size: it proves the benchmarks still run, its
numbers mean nothing.
"""

from __future__ import annotations

import argparse
import sys

from bench import readiness, startup
from bench.harness import write_results

SUITES = {"readiness": readiness, "startup": startup}


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes (for CI)")
    parser.add_argument("--only", action="append", choices=sorted(SUITES), help="run only these")
    parser.add_argument("--runs", type=int, default=None, help="runs per figure (default 7)")
    args = parser.parse_args()
    runs = args.runs or (1 if args.quick else 7)
    warmup = 0 if args.quick else 1
    for name in args.only or sorted(SUITES):
        suite = SUITES[name]
        if name == "startup":
            data = suite.run(runs, warmup, factors=(1,) if args.quick else (1, 10))
        else:
            data = suite.run(runs, warmup, recorded=200 if args.quick else 10_000)
        path = write_results(f"{name}-quick" if args.quick else name, {"suite": name, **data})
        sys.stderr.write(f"{name}: results in {path}\n")
        for key, value in data.items():
            if key.endswith("table") or (isinstance(value, dict) and "table" in value):
                text = value if isinstance(value, str) else value["table"]
                sys.stdout.write(f"\n### {name}: {key}\n{text}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
