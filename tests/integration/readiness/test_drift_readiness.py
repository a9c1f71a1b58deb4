"""Open drift in readiness on a real store, through the commands that show it today
(`digikel status` and `site show`, unchanged: they read it through the readiness layer), and
the data of `digikel drift [SITE]`."""

from __future__ import annotations

import datetime as dt

import pytest

from digikel.readiness.drift import drift_report
from digikel.store import Drift, open_store

NOW = dt.datetime.now(dt.UTC)
DIFF = (
    "--- intended\n+++ running\n@@ -10,2 +10,3 @@\n /ip firewall filter\n"
    "+add chain=input action=accept dst-port=8291 comment=teknisi\n"
    "-add chain=input action=drop\n+add chain=forward action=accept\n+add chain=x\n"
)


@pytest.fixture
def ready_site(cli_env, feed, inv, digikel):
    """A site that is ready: checked today, physical works done, inaugurated."""
    site = next(s for s in inv.sites if s.physical_works.status == "done")
    with open_store(cli_env) as store:
        feed(store)(site.slug)
    digikel("site", "mark", site.slug, "inaugurated", "--date", "2024-06-01")
    assert digikel.json("site", "show", site.slug)["ready"] is True
    return site


def watch(store, site, found, clean=(), when=NOW):
    run = store.start_run(kind="watch", operator="digikel-watch", command_line="digikel watch")
    store.record_drift(run, site, found, clean=clean, found_at=when)
    store.finish_run(run, "ok")
    return run


def test_a_drifted_site_is_not_ready_and_its_blocker_names_the_device_and_the_diff(
    cli_env, digikel, ready_site
):
    router = next(d.name for d in ready_site.devices if d.role == "router")
    with open_store(cli_env) as store:
        run = watch(store, ready_site.slug, [Drift("network", router, "rule added by hand", DIFF)])

    shown = digikel.json("site", "show", ready_site.slug)
    assert shown["ready"] is False and shown["technically_ready"] is False
    (blocker,) = shown["blockers"]
    assert blocker["component"] == "drift" and blocker["state"] == "drifted"
    assert blocker["target"] == router
    assert blocker["first_lines"] == [
        "+add chain=input action=accept dst-port=8291 comment=teknisi",
        "-add chain=input action=drop",
        "+add chain=forward action=accept",
    ]
    assert blocker["text"].startswith(f"{router} (Jaringan) berubah sejak diserahkan")
    assert "-add chain=input action=drop" in blocker["text"]
    assert "+add chain=x" not in blocker["text"]  # the first lines only
    assert shown["drift"][0]["run_id"] == run

    city = digikel.json("status")
    site_doc = next(s for s in city["sites"] if s["slug"] == ready_site.slug)
    assert site_doc["ready"] is False and city["totals"]["ready"] == 0
    assert "changed since delivery" in digikel("status", "--lang", "en").stdout

    # The next watch finds the router as delivered again: the site is ready again.
    with open_store(cli_env) as store:
        watch(
            store,
            ready_site.slug,
            [],
            clean=[("network", router)],
            when=NOW + dt.timedelta(seconds=1),
        )
    shown = digikel.json("site", "show", ready_site.slug)
    assert shown["ready"] is True and shown["blockers"] == [] and shown["drift"] == []


def test_drift_report_gives_full_diffs_per_site_newest_first(cli_env, inv):
    one, two = inv.sites[0], inv.sites[1]
    earlier = NOW - dt.timedelta(days=2)
    with open_store(cli_env) as store:
        first = watch(
            store,
            one.slug,
            [
                Drift("network", "rtr", "rule added", DIFF),
                Drift("printers", "prn", "queue deleted", "-loket\n"),
            ],
            when=earlier,
        )
        watch(store, two.slug, [Drift("applications", "portal", "503", "expected 200, got 503\n")])
        last = watch(
            store,
            one.slug,
            [Drift("endpoints", "pc01", "policy edited", "-a\n+b\n")],
            clean=[("printers", "prn")],
        )
        open_now = drift_report(inv, store)
        one_site = drift_report(inv, store, [one], include_closed=True)

    assert [s.slug for s in open_now] == [one.slug, two.slug]  # the inventory's order
    assert [(e.target, e.run_id) for e in open_now[0].entries] == [("pc01", last), ("rtr", first)]
    assert open_now[0].entries[1].diff == DIFF  # the whole diff
    assert open_now[1].as_dict()["drift"][0]["diff"] == "expected 200, got 503\n"

    (history,) = one_site
    assert [(e.target, e.open) for e in history.entries] == [
        ("pc01", True),
        ("prn", False),  # closed by the last watch; recorded after rtr, so newer
        ("rtr", True),
    ]
