"""`.ci/run` runs every benchmark at its tiny size (`python -m bench --quick`) so they keep working.

The timings of a quick run mean nothing and are not asserted; what the benchmarks check is: the
network pass configures every device for every contender and digikel's second pass sends nothing.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[3]


def quick(suite: str, results: Path) -> dict[str, Any]:
    import os

    worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
    # A lab port of the test's own: a full benchmark may run beside it on 2422.
    env = {**os.environ, "DIGIKEL_BENCH_PORT": str(2462 + worker)}
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--only", suite, "--results-dir", str(results)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    assert f"### {suite}" in done.stdout, done.stdout
    data: dict[str, Any] = json.loads((results / f"{suite}-quick.json").read_text())
    assert data["machine"]["cores"] >= 1
    return data


def walls(figures: list[dict[str, Any]]) -> dict[str, float]:
    return {f["name"]: f["wall"]["median"] for f in figures}


@pytest.mark.lab
def test_network_pass_quick(tmp_path: Path) -> None:
    data = quick("network", tmp_path)
    checks = data["checks"]
    # Every contender left nothing for digikel's diff to do after its first pass...
    assert set(checks["pending_after_pass1"]) == {"digikel w2", "nornir w2", "ansible w2"}
    assert all(n == 0 for n in checks["pending_after_pass1"].values()), checks
    # ...from factory state, where there was much to send; and digikel's second pass sent nothing.
    assert checks["sent_pass1"]["digikel w2"] > 100
    assert checks["sent_pass2"] == {"digikel w2": 0}
    figures = walls(data["figures"])
    for name in ("digikel w2 pass 1", "nornir w2 pass 1", "ansible w2 pass 1", "digikel w2 backup"):
        assert figures[name] > 0
    assert data["floor"]["devices"] == 6
    assert set(data["ratios"]["w2"]) >= {"digikel_over_nornir", "digikel_over_floor"}


def test_startup_quick(tmp_path: Path) -> None:
    data = quick("startup", tmp_path)
    assert "digikel --help" in json.dumps(data)


def test_readiness_quick(tmp_path: Path) -> None:
    data = quick("readiness", tmp_path)
    assert "digikel --json status" in json.dumps(data)


def test_endpoints_quick(tmp_path: Path) -> None:
    """One counter container converged, then a checked no-change run per configuration."""
    data = quick("endpoints", tmp_path)
    names = set(data["figures"])
    assert {"defaults: no change", "tuned: no change"} <= names, names
    assert data["ratios"], data


@pytest.mark.lab
def test_watch_quick(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two delivered sites: the watch pass finds them as delivered, beside its baseline."""
    import os

    worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
    monkeypatch.setenv("DIGIKEL_BENCH_WATCH_PORT", str(2662 + worker))
    data = quick("watch", tmp_path)
    assert data["sites"] == 2
    summary = data["watch_summary"]
    assert summary["status"] == "ok" and summary["sites"] == 2, summary
    assert summary["drifted"] == [], summary  # just pushed: nothing differs
    assert data["watch_over_baseline"] > 0
    assert {"watch (8 sites)", "backup + verify (sum, run by run)"} <= set(data["figures"])
