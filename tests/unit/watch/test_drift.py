"""The watch's drift from text: network plans, Ansible's check-mode events, scrubbing."""

from __future__ import annotations

from digikel.network.noise import REDACTED
from digikel.watch.drift import (
    MAX_DIFF_CHARS,
    Drift,
    ansible_diff_text,
    changes_from_events,
    endpoint_drift,
    network_drift,
    scrub,
)

SECRET = "lab-only-s3cret"


def ok_event(host: str, task: str, res: dict) -> dict:
    return {"event": "runner_on_ok", "event_data": {"host": host, "task": task, "res": res}}


def test_a_device_as_intended_has_no_drift() -> None:
    assert network_drift("s", "rtr", [], "", [], [SECRET]) is None


def test_network_drift_names_what_puts_it_back_and_what_only_prune_removes() -> None:
    diff = f"--- running\n+++ intended\n-add name=vlan20-loket password={SECRET}\n+add name=vlan20-counters\n"
    drift = network_drift(
        "loa-bakung",
        "loa-bakung-rtr01",
        [f"/interface vlan set [ find name=vlan20-loket ] name=vlan20-counters secret={SECRET}"],
        diff,
        ["/ip firewall filter add dst-port=3389"],
        [SECRET],
    )
    assert drift is not None
    assert drift.summary == (
        "1 command(s) would put it back; 1 item(s) added by hand (removed only with --prune)"
    )
    assert SECRET not in drift.diff and SECRET not in drift.pending[0]
    assert drift.first_lines() == [
        f"-add name=vlan20-loket password={REDACTED}",
        "+add name=vlan20-counters",
    ]
    assert drift.as_dict()["unmanaged"] == ["/ip firewall filter add dst-port=3389"]


def test_an_unmanaged_item_alone_is_drift() -> None:
    drift = network_drift("s", "rtr", [], "-x\n", ["/ip firewall filter add"], [])
    assert drift is not None and drift.pending == ()


def test_first_lines_skip_headers_and_context() -> None:
    drift = Drift("s", "network", "d", "x", "--- a\n+++ b\n@@ -1 +1 @@\n same\n-old\n+new\n")
    assert drift.first_lines() == ["-old", "+new"]
    assert drift.first_lines(1) == ["-old"]


def test_a_huge_diff_is_cut() -> None:
    text = scrub("x" * (MAX_DIFF_CHARS + 10), [])
    assert len(text) < MAX_DIFF_CHARS + 100 and text.endswith("characters\n")


def test_ansible_diffs_before_after_and_prepared() -> None:
    text = ansible_diff_text(
        [
            {
                "before": "a\nb\n",
                "after": "a\nc\n",
                "before_header": "/etc/x",
                "after_header": "/etc/x",
            },
            {"prepared": "--- queue\n+++ queue\n"},
            {"before": "same", "after": "same"},
        ]
    )
    assert "--- /etc/x" in text and "-b\n" in text and "+c\n" in text
    assert "--- queue" in text
    assert ansible_diff_text({"before": {"k": 1}, "after": {"k": 2}}).count('"k"') == 2
    assert ansible_diff_text(None) == ""


def test_check_mode_events_give_per_host_changes() -> None:
    events = [
        ok_event(
            "pc01",
            "Point chromium at the portal",
            {
                "changed": True,
                "diff": {
                    "before": '{"HomepageLocation": "https://www.google.com/"}\n',
                    "after": '{"HomepageLocation": "https://portal"}\n',
                    "before_header": "/etc/chromium/policies/managed/digikel-counter.json",
                    "after_header": "/etc/chromium/policies/managed/digikel-counter.json",
                },
            },
        ),
        ok_event("pc01", "Unchanged", {"changed": False}),
        # A loop: each item as it was seen (as ansible-runner sends them), then the task's
        # own event, which for a skipped loop carries no result at all.
        {
            "event": "runner_item_on_skipped",
            "event_data": {
                "host": "pc01",
                "task": "Install a queue",
                "res": {
                    "item": {"name": "prn01"},
                    "msg": "Command would have run if not in check mode",
                    "skipped": True,
                    "changed": False,
                    "cmd": ["lpadmin", "-p", "prn01"],
                },
            },
        },
        {
            "event": "runner_item_on_skipped",
            "event_data": {
                "host": "pc01",
                "task": "Install a queue",
                "res": {
                    "item": {"name": "prn02"},
                    "skipped": True,
                    "skip_reason": "Conditional result was False",
                },
            },
        },
        {"event": "runner_on_skipped", "event_data": {"host": "pc01", "task": "Install a queue"}},
        # A loop that changed: its items, then its task event with every item again (not twice).
        {
            "event": "runner_item_on_ok",
            "event_data": {"host": "pc03", "task": "Loop", "res": {"item": "a", "changed": True}},
        },
        ok_event("pc03", "Loop", {"changed": True, "results": [{"item": "a", "changed": True}]}),
        ok_event("pc02", "Unchanged", {"changed": False}),
    ]
    changes = changes_from_events(events)
    assert sorted(changes) == ["pc01", "pc03"]
    assert changes["pc03"].tasks == ["Loop (a)"]
    assert changes["pc01"].tasks == ["Point chromium at the portal", "Install a queue (prn01)"]
    drift = endpoint_drift("s", "pc01", changes["pc01"], ["https://portal"])
    assert drift.component == "endpoints"
    assert "www.google.com" in drift.diff and "https://portal" not in drift.diff
    assert "lpadmin -p prn01" in drift.diff
    assert drift.summary.startswith("2 task(s) would change: ")
