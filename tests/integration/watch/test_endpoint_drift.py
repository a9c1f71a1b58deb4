"""The watch on a real counter PC (a podman systemd container of a lab instance of the test's
own, `t<worker>-wep-<host>`): site.yml in check mode finds a browser policy edited and a printer
queue deleted by hand, changes nothing in the container, and a rollout puts both back.

One counter of one site, to keep it bounded: its first convergence installs chromium and CUPS.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import pytest

SITE = "sungai-keledang"
HOST = "sungai-keledang-pc01"


@pytest.fixture(scope="module")
def counter(inv, repo, tmp_path_factory) -> Iterator[dict[str, Any]]:
    from digikel.inventory.secrets import load_secrets
    from digikel.labsvc import container_specs, containers_down, containers_up, podman_problem
    from digikel.labsvc.instance import configure_instance
    from digikel.store import open_store

    problem = podman_problem()
    assert problem is None, f"podman does not work here: {problem}"
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    root = tmp_path_factory.mktemp("watch-ep")
    state = root / "labsvc"
    instance = configure_instance(state, f"t{worker}-wep")
    store = open_store(f"sqlite:///{root / 'store.db'}")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DIGIKEL_LABSVC_DIR", str(state))
        up = containers_up(container_specs(inv, [], hosts=[HOST]), repo_root=repo)
        assert up.skipped is None, up.skipped
        try:
            yield {
                "root": root,
                "state": state,
                "store": store,
                "secrets": load_secrets(inv),
                "container": instance.container(HOST),
            }
        finally:
            containers_down(names=[HOST])
            store.close()


def fingerprint(container: str) -> str:
    """What a change would touch: every file under /etc and /usr/local (path, size, mtime),
    and CUPS' queues."""
    script = (
        "find /etc /usr/local -xdev -type f -printf '%p %s %T@\\n' | sort; "
        "lpstat -v 2>&1; cat /etc/chromium/policies/managed/*.json 2>&1"
    )
    done = subprocess.run(
        ["podman", "exec", container, "sh", "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout


def cups_has_saved(container: str, deleted: str) -> None:
    """Wait (bounded) until cupsd wrote the deletion to printers.conf: it saves its files a while
    after the change (DirtyCleanInterval), and that write is the engineer's, not the watch's."""
    # <Printer q> or <DefaultPrinter q>; a read (lpstat) keeps cupsd awake to save.
    script = f"lpstat -e >/dev/null; grep -c 'Printer {deleted}>' /etc/cups/printers.conf || true"
    for _ in range(120):
        done = subprocess.run(
            ["podman", "exec", container, "sh", "-c", script],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        if done.stdout.strip() == "0":
            return
        time.sleep(1)
    raise AssertionError(f"cupsd never saved the deletion of {deleted} in printers.conf")


def rollout_endpoints(inv: Any, counter: dict[str, Any]) -> Any:
    from digikel.labsvc.environment import LabEnvironment
    from digikel.rollout.engine import RolloutOptions, run_rollout
    from digikel.rollout.locks import SiteLocks
    from digikel.rollout.stages import RunResources
    from digikel.rollout.wiring import stage_functions

    store = counter["store"]
    options = RolloutOptions(
        sites=[inv.site(SITE)],
        stages=["endpoints"],
        artifacts_root=counter["root"] / "artifacts",
        resources=RunResources(store, counter["secrets"], LabEnvironment(inv, counter["state"])),
    )
    return run_rollout(inv, store, SiteLocks(store), options, stage_functions())


def watch(inv: Any, counter: dict[str, Any]) -> Any:
    from digikel.labsvc.environment import LabEnvironment
    from digikel.watch import WatchOptions, run_watch

    return run_watch(
        inv,
        [inv.site(SITE)],
        counter["store"],
        WatchOptions(
            stages=("endpoints",),
            workers=1,
            artifacts_root=counter["root"] / "artifacts",
            secrets=counter["secrets"],
            environment=LabEnvironment(inv, counter["state"]),
        ),
    )


def test_hand_changes_on_a_counter_are_found_and_put_back(inv, counter) -> None:
    from digikel.labsvc.drift import POLICY_FILE, drift_endpoints, printer_queues

    first = rollout_endpoints(inv, counter)
    assert first.status == "ok", first.as_dict()
    clean = watch(inv, counter)
    assert clean.run.status == "ok", [s.detail for s in clean.run.sites]
    assert clean.drifts == [], [d.summary for d in clean.drifts]
    queues = printer_queues(HOST, counter["state"])
    assert queues  # the site's printer has its queue

    made = drift_endpoints(HOST, state_dir=counter["state"])
    assert [m.kind for m in made] == ["browser-policy", "printer-queue"]
    assert printer_queues(HOST, counter["state"]) == queues[1:]

    cups_has_saved(counter["container"], queues[0])
    before = fingerprint(counter["container"])
    found = watch(inv, counter)
    after = fingerprint(counter["container"])
    changed = set(after.splitlines()) ^ set(before.splitlines())
    assert not changed, sorted(changed)  # check mode changed nothing
    assert [(d.component, d.target) for d in found.drifts] == [("endpoints", HOST)]
    drift = found.drifts[0]
    assert POLICY_FILE in drift.diff and "www.google.com" in drift.diff, drift.diff
    assert any("queue" in task.lower() for task in drift.pending), drift.pending
    failed = {name for _, _, target, name in found.failed_checks if target == HOST}
    assert "the site's printer queues are installed" in failed, found.failed_checks

    again = rollout_endpoints(inv, counter)
    assert again.status == "ok", again.as_dict()
    assert printer_queues(HOST, counter["state"]) == queues
    back = watch(inv, counter)
    assert back.drifts == [], [d.diff for d in back.drifts]
    assert not [c for c in back.failed_checks if c[2] == HOST], back.failed_checks
