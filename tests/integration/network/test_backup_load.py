"""A RouterOS backup load over real SSH: the restore trusts the device only once it rebooted.

After `y` to "Restore and reboot?" the device keeps answering for a moment on its old run. A
session opened then reads the half change still on it, and the command after that finds the
device rebooting (CI saw the retry of a restored push fail with "TCP connection to device
failed"). The device's own uptime tells the two apart.
"""

from __future__ import annotations

import json
import time

import pytest

from digikel.network import routeros_guard as guard
from digikel.network.connection import DeviceError, connect, endpoint_for, run_command
from digikel.network.operations import Work, restore

pytestmark = pytest.mark.lab
ROUTER = "loa-bakung-rtr01"


@pytest.fixture
def lab(trusted):
    trusted.lab.reset([ROUTER])
    yield trusted
    trusted.lab.clear(ROUTER)


def menus(netlab) -> str:
    state = netlab.lab.device_state(ROUTER)["menus"]
    return json.dumps({k: v for k, v in state.items() if k != "/file"}, sort_keys=True)


def test_a_device_up_since_before_the_load_is_not_taken_for_rebooted(lab):
    time.sleep(1.5)  # the lab device has been up at least this long
    ep = endpoint_for(lab.inv, lab.inv.device(ROUTER), lab.secrets)
    timeouts = lab.options().timeouts
    with connect(ep, timeouts) as conn:
        uptime = guard.uptime_seconds(conn, timeouts)
        assert uptime is not None and uptime >= 1
        with pytest.raises(DeviceError, match="not rebooted onto its backup yet"):
            guard.rebooted_since(conn, ep, timeouts, seconds_ago=0.2)
        guard.rebooted_since(conn, ep, timeouts, seconds_ago=uptime + 5)  # booted since: fine


def test_a_revert_loads_the_backup_and_the_restore_returns_once_the_device_is_back(lab):
    work = Work(lab.inv, lab.inv.device(ROUTER), lab.secrets, lab.options())
    timeouts = work.options.timeouts
    before = menus(lab)
    with connect(work.ep, timeouts) as conn:
        backup = work.driver.fetch(conn, timeouts)
        guard.arm(conn, work.ep, timeouts, 5)
        run_command(conn, "/interface bridge add name=br-half", timeouts)
        assert "br-half" in menus(lab)
        work.driver._revert(conn, work.ep, timeouts)
    assert work.driver.loaded_at is not None
    assert restore(work, backup) is True
    # The device the restore saw is the rebooted one: the next session finds it up, not going
    # down, on its backup, with no guard left to fire.
    with connect(work.ep, timeouts) as conn:
        export = run_command(conn, "/export", timeouts)
    assert "br-half" not in export and guard.GUARD not in export
    assert menus(lab) == before


def test_a_revert_on_a_session_the_device_already_cut_loads_from_a_new_one(lab):
    work = Work(lab.inv, lab.inv.device(ROUTER), lab.secrets, lab.options())
    timeouts = work.options.timeouts
    before = menus(lab)
    lab.lab.inject(ROUTER, "drop", after=1)  # the arm's scheduler entry, then the half change
    with connect(work.ep, timeouts) as conn:
        backup = work.driver.fetch(conn, timeouts)
        guard.arm(conn, work.ep, timeouts, 5)
        conn.write_channel("/interface bridge add name=br-cut\r")
        time.sleep(0.5)  # the device cut the session; the client may not know it yet
        work.driver._revert(conn, work.ep, timeouts)
    assert work.driver.loaded_at is not None, "the backup was never loaded"
    assert restore(work, backup) is True
    assert menus(lab) == before
