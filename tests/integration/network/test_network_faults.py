"""Faults on the lab over real SSH: each leaves the device as it was (or as its backup) and the
report says what happened, while the other devices finish."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from digikel.cli import app
from digikel.network.connection import Timeouts
from digikel.network.runner import run
from digikel.network.targets import select_devices

pytestmark = pytest.mark.lab
runner = CliRunner()


def cli(netlab, *args: str):
    return runner.invoke(app, ["--json", "-i", str(netlab.env_file), "network", *args])


@pytest.fixture
def clean_faults(trusted):
    yield trusted
    for name in trusted.lab.specs:
        trusted.lab.clear(name)


ARCHIVE = {"line": "archive", "children": ["path flash:digikel-archive", "maximum 14"]}


def by_device(results):
    return {r.device: r for r in results}


def fresh(netlab, *names: str) -> None:
    """Factory state again, so the next push has real work to do."""
    netlab.lab.reset(list(names))


def export(netlab, name: str) -> str:
    return json.dumps(netlab.lab.device_state(name)["menus"], sort_keys=True)


def test_dropped_connection_mid_push_returns_the_device_to_its_backup(clean_faults):
    netlab = clean_faults
    site = ["handil-bakti-sw01", "handil-bakti-ap01", "handil-bakti-rtr01"]
    fresh(netlab, *site)
    before = export(netlab, "handil-bakti-rtr01")
    netlab.lab.inject("handil-bakti-rtr01", "drop", after=20)
    targets = select_devices(netlab.inv, sites=["handil-bakti"])
    results = by_device(run("push", netlab.inv, targets, netlab.secrets, netlab.options()))
    rtr = results["handil-bakti-rtr01"]
    assert rtr.failed and rtr.restored is True, rtr.error
    assert "handil-bakti-rtr01" in rtr.error
    assert export(netlab, "handil-bakti-rtr01") == before  # safe mode undid the half push
    # The access devices (pushed before the router) finished.
    assert results["handil-bakti-sw01"].ok and results["handil-bakti-sw01"].changed
    assert results["handil-bakti-ap01"].ok and results["handil-bakti-ap01"].changed
    # The drop is one-shot: the retry converges.
    retry = run(
        "push",
        netlab.inv,
        select_devices(netlab.inv, hosts=["handil-bakti-rtr01"]),
        netlab.secrets,
        netlab.options(),
    )
    assert retry[0].ok and retry[0].changed, retry[0].error


def test_command_error_reverts_and_reports_the_device_words(clean_faults):
    netlab = clean_faults
    fresh(netlab, "loa-bakung-ap01", "sungai-keledang-sw01")
    before_ap = export(netlab, "loa-bakung-ap01")
    before_sw = netlab.lab.device_state("sungai-keledang-sw01")["running"]
    netlab.lab.inject(
        "loa-bakung-ap01", "error", match="/ipv6 settings", message="failure: not enough memory"
    )
    netlab.lab.inject("sungai-keledang-sw01", "error", match="ntp server")
    targets = select_devices(netlab.inv, hosts=["loa-bakung-ap01", "sungai-keledang-sw01"])
    results = by_device(run("push", netlab.inv, targets, netlab.secrets, netlab.options()))
    ap, sw = results["loa-bakung-ap01"], results["sungai-keledang-sw01"]
    assert ap.failed and "failure: not enough memory" in ap.error and ap.restored is True
    assert export(netlab, "loa-bakung-ap01") == before_ap
    assert sw.failed and "%" in sw.error and sw.restored is True, sw.error
    state = netlab.lab.device_state("sungai-keledang-sw01")
    assert state["revert"] is None and state["snmp_users"] == []
    # Only the archive path the revert timer needs stays (docs/network.md).
    assert [e for e in state["running"] if e not in before_sw] == [ARCHIVE]


def test_wrong_credentials_fail_that_device_only_with_exit_3(clean_faults):
    netlab = clean_faults
    netlab.lab.inject("sungai-keledang-ap01", "auth")
    result = cli(netlab, "diff", "--site", "sungai-keledang", "--timeout", "20")
    data = json.loads(result.stdout)
    assert result.exit_code == 3, result.output
    res = by_device_dicts(data["results"])
    assert res["sungai-keledang-ap01"]["failed"]
    assert "authentication failed" in res["sungai-keledang-ap01"]["error"]
    assert not res["sungai-keledang-rtr01"]["failed"]


def by_device_dicts(results):
    return {r["device"]: r for r in results}


def test_slow_device_times_out_while_the_others_finish(clean_faults):
    netlab = clean_faults
    netlab.lab.inject("loa-bakung-sw01", "slow", ms=2500)
    targets = select_devices(netlab.inv, hosts=["loa-bakung-sw01", "loa-bakung-rtr01"])
    opts = netlab.options(timeouts=Timeouts(connect=5.0, command=2.0))
    results = by_device(run("backup", netlab.inv, targets, netlab.secrets, opts, workers=2))
    assert results["loa-bakung-sw01"].failed
    error = results["loa-bakung-sw01"].error
    assert "loa-bakung-sw01" in error
    # A timeout is reported as one, with the figure exceeded, never as a wrong password.
    assert "timed out" in error and "authentication" not in error, error
    assert results["loa-bakung-rtr01"].ok


def test_changed_host_key_is_refused_with_both_fingerprints(clean_faults):
    netlab = clean_faults
    netlab.lab.inject("handil-bakti-ap01", "hostkey")
    result = cli(netlab, "diff", "--host", "handil-bakti-ap01", "--host", "handil-bakti-sw01")
    assert result.exit_code == 3, result.output
    res = by_device_dicts(json.loads(result.stdout)["results"])
    error = res["handil-bakti-ap01"]["error"]
    assert "host key CHANGED" in error and "connection refused" in error
    seen = next(ln for ln in error.splitlines() if "seen:" in ln)
    expected = next(ln for ln in error.splitlines() if "expected:" in ln)
    assert "SHA256:" in seen and "SHA256:" in expected and seen.split()[-1] != expected.split()[-1]
    assert not res["handil-bakti-sw01"]["failed"]
    # Without --yes and without a terminal, trust refuses to replace the key.
    refused = cli(netlab, "trust", "--host", "handil-bakti-ap01")
    assert refused.exit_code == 2


def test_reboot_loses_nothing_and_a_rebooting_device_fails_alone(clean_faults):
    netlab = clean_faults
    targets = select_devices(netlab.inv, sites=["sungai-keledang"])
    pushed = run("push", netlab.inv, targets, netlab.secrets, netlab.options())
    assert all(r.ok for r in pushed), [(r.device, r.error) for r in pushed]
    netlab.lab.inject("sungai-keledang-sw01", "reboot", seconds=4)
    during = by_device(
        run(
            "diff",
            netlab.inv,
            targets,
            netlab.secrets,
            netlab.options(timeouts=Timeouts(connect=2.0, command=5.0)),
        )
    )
    assert during["sungai-keledang-sw01"].failed
    assert during["sungai-keledang-rtr01"].ok
    netlab.lab.wait_up("sungai-keledang-sw01")
    netlab.lab.inject("sungai-keledang-rtr01", "reboot", seconds=0.5)
    netlab.lab.wait_up("sungai-keledang-rtr01")
    after = run("diff", netlab.inv, targets, netlab.secrets, netlab.options())
    # IOS came back from its saved startup config, RouterOS keeps its config: nothing to push.
    assert all(r.ok and not r.commands for r in after), [(r.device, r.commands[:3]) for r in after]


def test_no_new_session_after_the_change_means_it_is_undone(clean_faults, monkeypatch):
    """The change locks us out (here: the new session's login fails): nothing may stay."""
    import dataclasses

    from digikel.network import platforms, routeros_guard

    netlab = clean_faults
    fresh(netlab, "loa-bakung-ap02", "sungai-keledang-sw01")
    before_ap = export(netlab, "loa-bakung-ap02")
    before_sw = netlab.lab.device_state("sungai-keledang-sw01")["running"]
    real_connect = platforms.connect

    def locked_out(ep, timeouts):
        return real_connect(dataclasses.replace(ep, password="not-the-password"), timeouts)

    monkeypatch.setattr(platforms, "connect", locked_out)  # IOS's proof session
    monkeypatch.setattr(routeros_guard, "connect", locked_out)  # RouterOS's (proof_session)
    targets = select_devices(netlab.inv, hosts=["loa-bakung-ap02", "sungai-keledang-sw01"])
    results = by_device(run("push", netlab.inv, targets, netlab.secrets, netlab.options()))
    ap, sw = results["loa-bakung-ap02"], results["sungai-keledang-sw01"]
    assert ap.failed and "new session did not answer" in ap.error and ap.restored is True
    assert export(netlab, "loa-bakung-ap02") == before_ap
    assert sw.failed and "could not confirm" in sw.error and sw.restored is True
    state = netlab.lab.device_state("sungai-keledang-sw01")
    assert state["revert"] is None and state["snmp_users"] == []
    assert [e for e in state["running"] if e not in before_sw] == [ARCHIVE]


def test_safe_mode_held_elsewhere_refuses_the_push_and_changes_nothing(clean_faults):
    from digikel.network.connection import connect, endpoint_for

    netlab = clean_faults
    fresh(netlab, "handil-bakti-ap01")
    before = export(netlab, "handil-bakti-ap01")
    device = netlab.inv.device("handil-bakti-ap01")
    timeouts = netlab.options().timeouts
    with connect(endpoint_for(netlab.inv, device, netlab.secrets), timeouts) as other:
        other.write_channel("\x18")
        other.read_until_pattern(pattern=r"<SAFE>", read_timeout=10)
        targets = select_devices(netlab.inv, hosts=["handil-bakti-ap01"])
        [res] = run("push", netlab.inv, targets, netlab.secrets, netlab.options())
        # The device asks the hijack question; the push answers "don't take it" and refuses.
        assert res.failed and "safe mode is held by" in res.error, res.error
        assert "nothing was changed" in res.error
        assert export(netlab, "handil-bakti-ap01") == before


def test_drop_late_in_a_long_push_is_undone_by_the_device_backup(clean_faults):
    """94 commands are more than safe mode can undo: the commit-confirm guard holds them; the
    drop hits after 85, and the device loads its backup from before the change at once."""
    netlab = clean_faults
    fresh(netlab, "loa-bakung-rtr01")
    before = export(netlab, "loa-bakung-rtr01")
    netlab.lab.inject("loa-bakung-rtr01", "drop", after=85)
    targets = select_devices(netlab.inv, hosts=["loa-bakung-rtr01"])
    [res] = run("push", netlab.inv, targets, netlab.secrets, netlab.options())
    assert len(res.commands) > 80
    assert res.failed and "closed the session" in res.error and res.restored is True, res.error
    assert "back on its configuration from before the change" in res.error
    assert export(netlab, "loa-bakung-rtr01") == before
