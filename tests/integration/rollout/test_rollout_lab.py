"""Whole rollouts on the lab, as an operator runs them: real `digikel` processes, real SSH to the
simulated devices, real IPP printers and HTTPS services, a real SQLite store.

The tests build on each other in file order (a clean rollout, then a rerun, then faults), as a
field engineer's day does; each states what it needs of the lab.
"""

from __future__ import annotations

import json
import signal
import sqlite3
import time

SITES = ["loa-bakung", "sungai-keledang", "rapak-dalam"]  # as in conftest.py
SITE_ARGS = [a for s in SITES for a in ("--site", s)]


def by_site(doc):
    return {s["site"]: s for s in doc["sites"]}


def pending(diff_run):
    """What `digikel network diff` says each device still needs."""
    return [(r["device"], r["commands"]) for r in json.loads(diff_run.stdout)["results"]]


def stage_rows(lab, run: int) -> list[tuple[str, str, str]]:
    with sqlite3.connect(lab.root / "store.db") as db:
        return db.execute(
            "SELECT site, stage, status FROM stage_results WHERE run_id = ? ORDER BY site, id",
            (run,),
        ).fetchall()


def test_clean_rollout_of_several_sites(rolloutlab) -> None:
    code, doc = rolloutlab.rollout(*SITE_ARGS, "--workers", "3")
    assert code == 0, json.dumps(doc, indent=1)
    for slug, site in by_site(doc).items():
        assert site["status"] == "ok", (slug, site)
        assert site["stages"] == {
            "preflight": "ok",
            "network": "ok",
            "endpoints": "skipped",
            "verify": "ok",
        }
        assert site["changed"] is True  # factory devices got their whole configuration
    status = rolloutlab.digikel("--json", "status")
    assert status.returncode == 0, status.stderr
    shown = {s["slug"]: s for s in json.loads(status.stdout)["sites"]}
    for slug in SITES:
        components = {name: c["state"] for name, c in shown[slug]["components"].items()}
        assert components["network"] == "ok" and components["printers"] == "ok"
        assert components["applications"] == "ok"
        assert components["counters"] == "unchecked"  # no container: nothing pretended


def test_a_rerun_changes_nothing(rolloutlab) -> None:
    code, doc = rolloutlab.rollout(*SITE_ARGS)
    assert code == 0, json.dumps(doc, indent=1)
    assert [s["changed"] for s in doc["sites"]] == [False, False, False]
    history = rolloutlab.digikel("--json", "history", "show", str(doc["run"]))
    stages = json.loads(history.stdout)["stages"]
    network = [s for s in stages if s["stage"] == "network"]
    assert {s["detail"].split(", ")[1] for s in network} == {"sent 0 command(s)"}


def test_check_mode_changes_nothing_anywhere(rolloutlab) -> None:
    reset = rolloutlab.digikel("lab", "reset", "--site", "rapak-dalam")
    assert reset.returncode == 0, reset.stderr
    before = rolloutlab.digikel("--json", "network", "diff", "--site", "rapak-dalam")
    code, doc = rolloutlab.rollout("--site", "rapak-dalam", "--check")
    assert code == 0, json.dumps(doc, indent=1)
    assert doc["sites"][0]["changed"] is True  # it would change the reset devices...
    after = rolloutlab.digikel("--json", "network", "diff", "--site", "rapak-dalam")
    assert pending(after) == pending(before)  # ...and changed none of them
    assert all(commands for _, commands in pending(before))
    code, doc = rolloutlab.rollout("--site", "rapak-dalam")  # the real thing restores them
    shown = rolloutlab.digikel("--json", "history", "show", str(doc["run"])).stdout
    assert code == 0 and doc["sites"][0]["changed"] is True, shown


def test_a_faulty_site_fails_while_the_others_finish(rolloutlab) -> None:
    rolloutlab.fault("sungai-keledang-rtr01", "auth")
    try:
        code, doc = rolloutlab.rollout(*SITE_ARGS)
    finally:
        rolloutlab.clear("sungai-keledang-rtr01")
    assert code == 3, json.dumps(doc, indent=1)
    sites = by_site(doc)
    assert sites["sungai-keledang"]["status"] == "failed"
    assert sites["sungai-keledang"]["detail"].startswith("network:")
    assert "sungai-keledang-rtr01" in sites["sungai-keledang"]["detail"]
    assert sites["loa-bakung"]["status"] == sites["rapak-dalam"]["status"] == "ok"


def test_max_failures_stops_starting_new_sites(rolloutlab) -> None:
    rolloutlab.fault("rapak-dalam-sw01", "auth")  # rapak-dalam (site 2) goes first
    try:
        code, doc = rolloutlab.rollout(*SITE_ARGS, "--workers", "1", "--max-failures", "1")
    finally:
        rolloutlab.clear("rapak-dalam-sw01")
    assert code == 1, json.dumps(doc, indent=1)
    assert [s["site"] for s in doc["sites"]] == ["rapak-dalam", "sungai-keledang", "loa-bakung"]
    assert [s["status"] for s in doc["sites"]] == ["failed", "not-started", "not-started"]


def test_two_operators_cannot_roll_out_one_site(rolloutlab) -> None:
    rolloutlab.fault("rapak-dalam-rtr01", "slow", "--ms", "400")
    first = rolloutlab.spawn("--json", "rollout", "--yes", "--site", "rapak-dalam")
    try:
        _wait_for_lock(rolloutlab, "rapak-dalam")
        code, doc = rolloutlab.rollout("--site", "rapak-dalam")
        assert code == 1, json.dumps(doc, indent=1)
        site = doc["sites"][0]
        assert site["status"] == "locked"
        assert "being rolled out by tester" in site["detail"] and "since" in site["detail"]
    finally:
        _out, err = first.communicate(timeout=600)
        rolloutlab.clear("rapak-dalam-rtr01")
    assert first.returncode == 0, err[-3000:]


def test_a_killed_run_resumes_to_completion(rolloutlab) -> None:
    rolloutlab.digikel("lab", "reset", "--site", "rapak-dalam")
    rolloutlab.fault("rapak-dalam-rtr01", "slow", "--ms", "400")
    victim = rolloutlab.spawn("--json", "rollout", "--yes", *SITE_ARGS, "--workers", "1")
    run = _wait_for_stage(rolloutlab, "rapak-dalam", "network")
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=30)
    rolloutlab.clear("rapak-dalam-rtr01")
    rows = stage_rows(rolloutlab, run)
    assert ("rapak-dalam", "network", "running") in rows  # the record shows where it died
    code, doc = rolloutlab.rollout("--resume")
    assert code == 0, json.dumps(doc, indent=1)
    sites = by_site(doc)
    assert set(sites) == set(SITES)
    assert sites["rapak-dalam"]["stages"]["network"] == "ok"
    done_before = {(site, stage) for site, stage, status in rows if status == "ok"}
    for site, stage in done_before:
        if site != "rapak-dalam":
            assert sites[site]["stages"][stage] == "done earlier"
    # The lock of the killed process was recognised as stale and taken over.
    assert sites["rapak-dalam"]["status"] == "ok"


def _latest_run(lab) -> int | None:
    with sqlite3.connect(lab.root / "store.db") as db:
        row = db.execute("SELECT max(id) FROM runs").fetchone()
    return row[0]


def _wait_for_lock(lab, site: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with sqlite3.connect(lab.root / "store.db") as db:
            if db.execute("SELECT 1 FROM site_locks WHERE site = ?", (site,)).fetchone():
                return
        time.sleep(0.2)
    raise AssertionError(f"no lock on {site} within {timeout}s")


def _wait_for_stage(lab, site: str, stage: str, timeout: float = 300) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = _latest_run(lab)
        if run and (site, stage, "running") in stage_rows(lab, run):
            return run
        time.sleep(0.2)
    raise AssertionError(f"{site} never reached {stage}")
