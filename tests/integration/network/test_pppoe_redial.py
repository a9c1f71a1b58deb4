"""A PPPoE site whose WAN redials during a push (issue: design faults, "PPPoE sites").

A change to the PPPoE client makes the link redial; until it and the tunnel are back, a new
session from the data centre cannot get through. The lab models that (docs/lab.md: "A WAN that
redials"): for a few seconds after such a change the device takes no new connection. The commit
guard proves the change with a NEW session, so it must wait out the redial instead of undoing a
good change (and redialling once more).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from digikel.network import routeros_guard
from digikel.network.connection import Timeouts, connect, endpoint_for, run_command
from digikel.network.runner import run
from digikel.network.targets import select_devices

pytestmark = pytest.mark.lab
DIGIKEL = str(Path(sys.executable).parent / "digikel")
ROUTER = "handil-bakti-rtr01"


def pppoe_user(netlab) -> str:
    [client] = netlab.lab.device_state(ROUTER)["menus"]["/interface/pppoe-client"]
    return str(client["props"]["user"])


def set_by_hand(netlab, user: str) -> None:
    """A field engineer's edit of the PPPoE login (it redials the link too)."""
    ep = endpoint_for(netlab.inv, netlab.inv.device(ROUTER), netlab.secrets)
    with connect(ep, Timeouts(connect=10.0, command=20.0)) as conn:
        run_command(
            conn, f"/interface pppoe-client set [ find name=pppoe-wan ] user={user}", Timeouts()
        )


@pytest.fixture
def converged(trusted):
    targets = select_devices(trusted.inv, hosts=[ROUTER])
    [res] = run("push", trusted.inv, targets, trusted.secrets, trusted.options())
    assert res.ok, res.error
    intended = pppoe_user(trusted)
    set_by_hand(trusted, "someone-else@isp")
    assert pppoe_user(trusted) == "someone-else@isp"
    wait_until_back(trusted)  # the hand edit redialled the link too
    return trusted, intended


def wait_until_back(netlab, seconds: float = 60.0) -> None:
    ep = endpoint_for(netlab.inv, netlab.inv.device(ROUTER), netlab.secrets)
    deadline = time.monotonic() + seconds
    while True:
        try:
            with connect(ep, Timeouts(connect=5.0, command=10.0)):
                return
        except Exception:
            assert time.monotonic() < deadline, "the lab router did not come back"
            time.sleep(0.5)


def test_a_push_that_redials_the_pppoe_link_waits_for_it_and_keeps_the_change(converged):
    netlab, intended = converged
    done = subprocess.run(
        [
            DIGIKEL,
            "-i",
            str(netlab.env_file),
            "--json",
            "network",
            "push",
            "--yes",
            "--host",
            ROUTER,
        ],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert pppoe_user(netlab) == intended
    assert "Traceback" not in done.stderr
    [result] = json.loads(done.stdout)["results"]
    assert result["changed"] and result["ok"] and len(result["commands"]) == 1


def test_without_the_redial_wait_the_guard_would_undo_the_good_change(converged):
    """The control: the same change proved at once finds the link still down and is undone.
    It shows the lab really drops new sessions while the WAN redials."""
    netlab, _intended = converged
    targets = select_devices(netlab.inv, hosts=[ROUTER])
    impatient = Timeouts(connect=10.0, command=20.0, redial=0.0)
    [res] = run("push", netlab.inv, targets, netlab.secrets, netlab.options(timeouts=impatient))
    assert not res.ok
    assert "a new session did not answer after the change" in (res.error or "")
    assert pppoe_user(netlab) == "someone-else@isp"  # undone by safe mode


def test_only_changes_to_the_wan_links_wait_for_a_redial():
    assert routeros_guard.redials_wan(["/interface pppoe-client set [ find name=pppoe-wan ] u=1"])
    assert routeros_guard.redials_wan(["/interface wireguard peers set [ find name=hub ] x=1"])
    assert not routeros_guard.redials_wan(["/ip firewall filter add chain=input"])
    assert not routeros_guard.redials_wan(["/interface bridge add name=bridge1"])
