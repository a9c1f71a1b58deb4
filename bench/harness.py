"""Measure commands the same way everywhere: warm-up, repeated runs, A/B alternation.

Each run is one child process; os.wait4 gives that child's own CPU time and peak memory, so a
figure never mixes in another run's. Medians are quoted with min and max.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


@dataclass
class Sample:
    wall: float
    cpu: float
    peak_mib: float
    stdout: str = ""  # only when run_once was asked to keep it


@dataclass
class Figure:
    name: str
    samples: list[Sample] = field(default_factory=list)

    def stat(self, attr: str) -> tuple[float, float, float]:
        values = [getattr(s, attr) for s in self.samples]
        return statistics.median(values), min(values), max(values)

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"name": self.name, "runs": len(self.samples)}
        for attr in ("wall", "cpu", "peak_mib"):
            median, low, high = self.stat(attr)
            out[attr] = {"median": round(median, 4), "min": round(low, 4), "max": round(high, 4)}
        return out


def run_once(
    cmd: Sequence[str],
    cwd: Path = REPO,
    env: dict[str, str] | None = None,
    keep_stdout: bool = False,
) -> Sample:
    """Run `cmd` to completion; its wall time, CPU time (user+sys) and peak RSS.

    stdout and stderr go to files, not pipes: a pipe nobody reads while we wait would block a
    child that writes much.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            list(cmd),
            cwd=cwd,
            env=env,
            # Always kept: Ansible says why a task failed on stdout, not stderr.
            stdout=out,
            stderr=err,
        )
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        stderr = err.read().decode(errors="replace")
        out.seek(0)
        stdout = out.read().decode(errors="replace")
    if proc.returncode != 0:
        raise RuntimeError(
            f"{' '.join(cmd)} exited {proc.returncode}: {stderr[-2000:]}\n{stdout[-3000:]}"
        )
    if not keep_stdout:
        stdout = ""
    return Sample(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, stdout)


def compare(
    commands: dict[str, Sequence[str]],
    runs: int,
    warmup: int = 1,
    env: dict[str, str] | None = None,
) -> dict[str, Figure]:
    """Run every command `runs` times, alternating A B A B so drift affects all alike."""
    for cmd in commands.values():
        for _ in range(warmup):
            run_once(cmd, env=env)
    figures = {name: Figure(name) for name in commands}
    for _ in range(runs):
        for name, cmd in commands.items():
            figures[name].samples.append(run_once(cmd, env=env))
    return figures


def machine() -> dict[str, object]:
    def version(dist: str) -> str:
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            return "absent"

    mem_kib = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    except OSError:
        pass
    return {
        "cores": os.cpu_count(),
        "memory_gib": round(mem_kib / 1024 / 1024, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "versions": {
            d: version(d)
            for d in (
                "digikel",
                "ansible-core",
                "ansible",
                "netmiko",
                "nornir",
                "nornir-netmiko",
                "typer",
                "pydantic",
            )
        },
    }


def write_results(name: str, data: dict[str, object], out: Path | None = None) -> Path:
    out = out or REPO / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{name}.json"
    path.write_text(json.dumps({"machine": machine(), **data}, indent=2) + "\n")
    return path


def table(figures: dict[str, Figure], base: str | None = None) -> str:
    """A Markdown table: median (min-max) of wall, CPU and peak memory, and the ratio to base."""
    lines = ["| what | wall s | cpu s | peak MiB | ratio |", "|---|---|---|---|---|"]
    base_wall = figures[base].stat("wall")[0] if base else None
    for name, fig in figures.items():
        w, c, m = fig.stat("wall"), fig.stat("cpu"), fig.stat("peak_mib")
        ratio = f"{w[0] / base_wall:.2f}" if base_wall else ""
        lines.append(
            f"| {name} | {w[0]:.3f} ({w[1]:.3f}-{w[2]:.3f}) | {c[0]:.3f} | {m[0]:.0f} | {ratio} |"
        )
    return "\n".join(lines)
