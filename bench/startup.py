"""Benchmark 3: start-up of the CLI and the cost of the inventory plugin, at 1x and 10x."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from bench.harness import BIN, REPO, Figure, compare, table
from bench.synthetic import write_static_copy, write_synthetic


def ansible_list(inventory: Path) -> list[str]:
    return [str(BIN / "ansible-inventory"), "-i", str(inventory), "--list"]


def listed(inventory: Path) -> dict[str, Any]:
    """`ansible-inventory --list` as JSON (groups, hosts and `_meta.hostvars`)."""
    out = subprocess.run(
        ansible_list(inventory), cwd=REPO, capture_output=True, text=True, check=True
    )
    listing: dict[str, Any] = json.loads(out.stdout)
    return listing


def _python_env(tmp: Path, **extra: str) -> dict[str, str]:
    """The caller's environment with a bytecode cache of the benchmark's own: the warm-up writes
    it, the timed runs read it, whatever PYTHONDONTWRITEBYTECODE the caller has (a farm sets it,
    which would otherwise compile digikel's own modules from source on every start)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "PYTHONPYCACHEPREFIX": str(tmp / "pycache"), **extra}


def cli(runs: int, warmup: int = 1) -> dict[str, Figure]:
    """The CLI's start-up: help, a command without the store, `status` on an empty store, and
    `--help` with no bytecode at all (a fresh install that compiled nothing, and may not write)."""
    digikel = str(BIN / "digikel")
    with tempfile.TemporaryDirectory(prefix="digikel-bench-cli-") as folder:
        tmp = Path(folder)
        env = _python_env(tmp, DIGIKEL_DB_URL=f"sqlite:///{tmp / 'digikel.db'}")
        figures = compare(
            {
                "digikel --help": [digikel, "--help"],
                "digikel inventory list": [digikel, "inventory", "list"],
                "digikel --json inventory list": [digikel, "--json", "inventory", "list"],
                "digikel --json status (empty store)": [digikel, "--json", "status"],
            },
            runs=runs,
            warmup=warmup,
            env=env,
        )
        (tmp / "never-written").mkdir()
        cold = {**env, "PYTHONDONTWRITEBYTECODE": "1"}
        cold["PYTHONPYCACHEPREFIX"] = str(tmp / "never-written")
        figures.update(
            compare(
                {"digikel --help, no bytecode": [digikel, "--help"]},
                runs=runs,
                warmup=warmup,
                env=cold,
            )
        )
    return figures


def run(runs: int, warmup: int = 1, factors: tuple[int, ...] = (1, 10)) -> dict[str, object]:
    start = cli(runs, warmup)
    sections: dict[str, object] = {
        "cli": {k: v.as_dict() for k, v in start.items()},
        "cli_table": table(start),
    }
    with tempfile.TemporaryDirectory(prefix="digikel-bench-") as tmp:
        for factor in factors:
            env_file = (
                REPO / "inventory/lab/digikel.yml"
                if factor == 1
                else write_synthetic(Path(tmp) / f"x{factor}", factor)
            )
            static = write_static_copy(listed(env_file), Path(tmp) / f"static{factor}")
            hosts = len(listed(static)["_meta"]["hostvars"])
            figures: dict[str, Figure] = compare(
                {
                    f"plugin x{factor}": ansible_list(env_file),
                    f"static yaml x{factor}": ansible_list(static),
                },
                runs=runs,
                warmup=warmup,
            )
            plugin, yaml_ = (
                figures[f"plugin x{factor}"].stat("wall")[0],
                figures[f"static yaml x{factor}"].stat("wall")[0],
            )
            sections[f"inventory_x{factor}"] = {
                "hosts": hosts,
                "figures": {k: v.as_dict() for k, v in figures.items()},
                "ratio_plugin_over_static": round(plugin / yaml_, 3),
                "table": table(figures, base=f"static yaml x{factor}"),
            }
    return sections
