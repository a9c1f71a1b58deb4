"""The watch on real lab devices over SSH: read-only, finding hand changes, resumable, notifying.

Hand changes are typed over SSH into the router (digikel.lab.drift), as a field engineer would;
the rollout's own network stage puts back what it manages, `network push --prune` the rule an
engineer added.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

SITES = ["loa-bakung", "rapak-dalam"]  # as conftest.py starts them
WatchLab = Any  # conftest.WatchLab

pytestmark = pytest.mark.lab


def watch(wl: WatchLab, sites: list[str] | None = None, **kw: Any) -> Any:
    from digikel.watch import run_watch

    kw.setdefault("stages", ("network", "services"))
    targets = [wl.inv.site(s) for s in (sites or SITES)]
    return run_watch(wl.inv, targets, wl.store, wl.options(**kw))


def rollout_network(wl: WatchLab, slug: str) -> Any:
    from digikel.labsvc.environment import LabEnvironment
    from digikel.rollout.engine import RolloutOptions, run_rollout
    from digikel.rollout.locks import SiteLocks
    from digikel.rollout.stages import RunResources
    from digikel.rollout.wiring import stage_functions

    options = RolloutOptions(
        sites=[wl.inv.site(slug)],
        stages=["network"],
        artifacts_root=wl.root / "artifacts",
        resources=RunResources(wl.store, wl.secrets, LabEnvironment(wl.inv, wl.labsvc)),
    )
    return run_rollout(wl.inv, wl.store, SiteLocks(wl.store), options, stage_functions())


class Webhook:
    """A real HTTP server on 127.0.0.1 that keeps every JSON body posted to it."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        bodies = self.bodies

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                bodies.append(json.loads(self.rfile.read(length)))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/digikel"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    hook = Webhook()
    try:
        yield hook
    finally:
        hook.close()


def test_a_delivered_site_watched_is_clean_recorded_and_unchanged(watchlab: WatchLab) -> None:
    before = watchlab.device_states()
    result = watch(watchlab)
    assert watchlab.device_states() == before  # the watch changed nothing on any device
    assert result.run.status == "ok", [s.detail for s in result.run.sites]
    assert result.drifts == []
    assert watchlab.store.run(result.run.run_id).kind == "watch"
    for slug in SITES:
        latest = [c for c in watchlab.store.latest_checks(slug) if c.run_id == result.run.run_id]
        components = {c.component for c in latest}
        assert {"network", "printers", "applications"} <= components, components
        failed = [(c.target, c.name, c.detail) for c in latest if not c.ok]
        assert not failed, failed
    assert result.exit_code == 0


def test_hand_changes_are_found_named_once_and_put_back(
    watchlab: WatchLab, webhook: Webhook
) -> None:
    from digikel.lab.drift import NEW_VLAN_NAME, drift_network, router_of

    site = watchlab.inv.site("loa-bakung")
    router = router_of(site).name
    made = drift_network(watchlab.inv, site, watchlab.secrets)
    assert [m.kind for m in made] == ["firewall-rule", "vlan-rename"]

    before = watchlab.device_states()
    found = watch(watchlab, notify=True, webhook_url=webhook.url)
    assert watchlab.device_states() == before  # found, not fixed: the watch changes nothing

    assert [(d.site, d.component, d.target) for d in found.drifts] == [
        ("loa-bakung", "network", router)
    ]
    drift = found.drifts[0]
    assert (
        f"-add comment=counters interface=bridge-lan name={NEW_VLAN_NAME} vlan-id=20" in drift.diff
    )
    assert any("3389" in line for line in drift.unmanaged)
    assert any(NEW_VLAN_NAME in c for c in drift.pending)
    assert "lab-only" not in drift.diff  # no vault value in a record
    assert found.exit_code == 3
    if hasattr(watchlab.store, "open_drift"):
        recorded = watchlab.store.open_drift("loa-bakung")
        assert [r.target for r in recorded] == [router]

    # Named once: the first post names the drifted site ...
    assert found.notification is not None and found.notification.sent, found.notification
    assert len(webhook.bodies) == 1
    named = {c["site"]: c for c in webhook.bodies[0]["changed"]}
    assert named["loa-bakung"]["state"] == "drift"
    assert named["loa-bakung"]["drift"][0]["target"] == router
    assert named["loa-bakung"]["drift"][0]["first_lines"]
    assert named["rapak-dalam"]["state"] == "tidak-siap"  # never named before: named now, once
    # ... and the next night's watch, with the site still drifted, posts nothing.
    again = watch(watchlab, notify=True, webhook_url=webhook.url)
    assert [d.target for d in again.drifts] == [router]
    assert again.notification is not None and not again.notification.sent
    assert len(webhook.bodies) == 1

    # A rollout puts back what digikel manages (the VLAN's name) ...
    rolled = rollout_network(watchlab, "loa-bakung")
    assert rolled.status == "ok", rolled.as_dict()
    after_rollout = watch(watchlab, ["loa-bakung"])
    [left] = after_rollout.drifts
    assert left.pending == () and NEW_VLAN_NAME not in left.diff
    assert any("3389" in line for line in left.unmanaged)  # a hand-added rule stays ...
    # ... until a push with --prune removes what digikel does not manage.
    watchlab.push("loa-bakung", prune=True)
    clean = watch(watchlab, notify=True, webhook_url=webhook.url)
    assert clean.drifts == []
    assert len(webhook.bodies) == 2  # no longer drifted: named once more
    back = {c["site"]: c for c in webhook.bodies[1]["changed"]}
    # Not "siap" all the same: the lab's sites have no physical works or endpoints recorded.
    assert back == {"loa-bakung": back["loa-bakung"] | {"previous": "drift", "state": "tidak-siap"}}


def test_a_watch_out_of_time_stops_starting_sites_and_resumes(watchlab: WatchLab) -> None:
    first = watch(watchlab, workers=1, deadline=0.5)
    statuses = [s.status for s in first.run.sites]
    assert first.run.status != "ok" and "not-started" in statuses, first.as_dict()
    resumed = watch(watchlab, workers=1, resume=True)
    assert resumed.run.status == "ok", resumed.as_dict()
    assert watchlab.store.run(resumed.run.run_id).options["resume_of"] == first.run.run_id
    # What the first run finished is not done again.
    redone = {s.site: s.stages for s in resumed.run.sites}
    finished = [s for s in first.run.sites if s.status == "ok"]
    for site in finished:
        assert set(redone[site.site].values()) == {"done earlier"}
