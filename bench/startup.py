"""Benchmark 3: start-up of the CLI and the cost of the inventory plugin, at 1x and 10x."""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path

from bench.harness import BIN, REPO, Figure, compare, table
from bench.synthetic import write_static_copy, write_synthetic


def ansible_list(inventory: Path) -> list[str]:
    return [str(BIN / "ansible-inventory"), "-i", str(inventory), "--list"]


def listed(inventory: Path) -> dict[str, object]:
    out = subprocess.run(
        ansible_list(inventory), cwd=REPO, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


def run(runs: int, warmup: int = 1, factors: tuple[int, ...] = (1, 10)) -> dict[str, object]:
    digikel = str(BIN / "digikel")
    cli = compare(
        {
            "digikel --help": [digikel, "--help"],
            "digikel inventory list": [digikel, "inventory", "list"],
            "digikel --json inventory list": [digikel, "--json", "inventory", "list"],
        },
        runs=runs,
        warmup=warmup,
    )
    sections: dict[str, object] = {
        "cli": {k: v.as_dict() for k, v in cli.items()},
        "cli_table": table(cli),
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
