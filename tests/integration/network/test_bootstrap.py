"""`digikel network bootstrap` end to end through the real CLI on the lab: a defconf RouterOS site
(router, MikroTik switch, two access points) reached on its factory addresses as `admin` with an
empty password, handed over to digikel's account at the inventory addresses, then finished by
`digikel network push`; a blank Catalyst 1000 without an RSA key (no SSH) bootstrapped over its
console, a real pseudo-terminal, through Netmiko's cisco_ios_serial; refusals (not factory, fingerprint), idempotence, the store record.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from digikel.inventory import load_inventory
from digikel.inventory.secrets import load_secrets
from digikel.lab import hostkeys as lab_keys
from digikel.lab.runner import RunningLab, running_lab

REPO = Path(__file__).resolve().parents[3]
DIGIKEL = str(REPO / ".venv" / "bin" / "digikel")
SITE = "loa-bakung"
DEVICES = ["loa-bakung-sw01", "loa-bakung-ap01", "loa-bakung-ap02", "loa-bakung-rtr01"]


@dataclass
class BootLab:
    lab: RunningLab
    inv: Any
    env_file: Path
    secrets: dict[str, Any]


def _port() -> int:
    # A port of this file's own: the session-long labs of tests/integration/{network,rollout,
    # watch} (2322, 2422, 2522 + n) may be up on the same worker, with the same sites' addresses.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return 2432 + int(worker.removeprefix("gw") or 0)


@pytest.fixture(scope="module")
def boot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BootLab]:
    root = tmp_path_factory.mktemp("bootinv")
    shutil.copytree(REPO / "inventory", root / "inventory")
    env_file = root / "inventory" / "lab" / "digikel.yml"
    env_file.write_text(env_file.read_text() + f"lab_ssh_port: {_port()}\n")
    (root / "inventory" / "lab" / "known_hosts").unlink(missing_ok=True)
    inv = load_inventory(env_file)
    secrets = load_secrets(inv)
    with running_lab(
        inv,
        sites=[SITE, "sungai-keledang"],
        state_dir=root / "lab",
        secrets=secrets,
        time_scale=0.2,
        factory="defconf",
    ) as lab:
        yield BootLab(lab, inv, env_file, secrets)


def fingerprint(boot: BootLab, name: str) -> str:
    line = lab_keys.public_key(str(boot.secrets["vault_digikel_lab_hostkey_seed"]), name)
    blob = base64.b64decode(line.split()[1])
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


def cli(boot: BootLab, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [DIGIKEL, "-i", str(boot.env_file), *args],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        stdin=subprocess.DEVNULL,
        timeout=600,
        check=False,
    )


def bootstrap(boot: BootLab, name: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return cli(
        boot,
        "network",
        "bootstrap",
        "--host",
        name,
        "--expect-fingerprint",
        fingerprint(boot, name),
        *extra,
    )


def rollout_finishes(boot: BootLab, site: str) -> None:
    """The day-1 path after day 0: `digikel rollout` (its preflight and network stages; the
    endpoints and verify stages need the lab's services, which this lab does not start) finishes
    the site, and a push right after has nothing left to send."""
    done = cli(
        boot,
        "--json",
        "rollout",
        "--site",
        site,
        "--only",
        "preflight",
        "--only",
        "network",
        "--yes",
    )
    assert done.returncode == 0, done.stdout + done.stderr
    [result] = json.loads(done.stdout)["sites"]
    assert result["site"] == site and result["status"] == "ok", result
    quiet = cli(boot, "network", "push", "--site", site, "--yes")
    assert quiet.returncode == 0, quiet.stdout + quiet.stderr
    assert "0 changed" in quiet.stdout, quiet.stdout


def test_a_defconf_site_is_bootstrapped_then_finished_by_a_rollout(boot: BootLab) -> None:
    from digikel.store import open_store

    boot.lab.reset(DEVICES, factory="defconf")
    for name in DEVICES:
        done = bootstrap(boot, name)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "found: factory state" in done.stdout, done.stdout
        assert f"next: digikel network push --site {SITE}" in done.stdout
        state = boot.lab.device_state(name)
        users = {u["props"]["name"]: u["props"] for u in state["menus"]["/user"]}
        assert users["admin"].get("disabled") == "yes"
        assert "digikel" in users
        assert not any(
            i["props"].get("comment") == "defconf"
            for menu in state["menus"].values()
            if isinstance(menu, list)
            for i in menu
        ), name
        assert boot.secrets["vault_digikel_device_password"] not in done.stdout + done.stderr
    # The factory address is silent now: only the inventory address and digikel's account.
    rollout_finishes(boot, SITE)
    # Idempotent: a second bootstrap changes nothing and says so.
    twice = cli(boot, "network", "bootstrap", "--site", SITE)
    assert twice.returncode == 0, twice.stdout + twice.stderr
    assert "4 device(s), 0 changed, 0 failed" in twice.stdout, twice.stdout
    assert "already bootstrapped" in twice.stderr
    # Recorded: who, when, device, fingerprint.
    with open_store() as store:
        records = store.bootstraps(SITE)
    first = {r.device: r for r in records if r.detail and r.detail.split("; ")[1] == "changed"}
    assert set(first) == set(DEVICES)
    assert first["loa-bakung-rtr01"].fingerprint == fingerprint(boot, "loa-bakung-rtr01")
    assert first["loa-bakung-rtr01"].serial and first["loa-bakung-rtr01"].operator
    # The acceptance pack shows each bootstrap (who, when, device, fingerprint) and the serials.
    pack = boot.env_file.parent / "pack.html"
    made = cli(boot, "report", "acceptance", SITE, "-o", str(pack))
    assert made.returncode == 0, made.stdout + made.stderr
    html = pack.read_text()
    assert 'id="bootstraps"' in html
    assert fingerprint(boot, "loa-bakung-rtr01") in html
    assert str(first["loa-bakung-rtr01"].serial) in html
    last = {r.device: r for r in records}
    assert all(r.detail.split("; ")[1] == "unchanged" for r in last.values())
    assert all(r.fingerprint == fingerprint(boot, n) for n, r in last.items())


def test_a_device_not_in_factory_state_is_refused_without_force(boot: BootLab) -> None:
    from netmiko import ConnectHandler

    name = "loa-bakung-sw01"
    boot.lab.reset([name], factory="defconf")
    spec = boot.lab.spec(name)
    conn = ConnectHandler(
        device_type="mikrotik_routeros",
        host=spec.factory_host,
        port=spec.factory_port,
        username="admin",
        password="",
        fast_cli=False,
    )
    conn.send_command("/system identity set name=someone-elses", expect_string=r"\] > ")
    conn.disconnect()
    before = boot.lab.device_state(name)
    refused = bootstrap(boot, name)
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert "not in factory state" in refused.stdout
    assert "someone-elses" in refused.stdout
    assert boot.lab.device_state(name)["menus"] == before["menus"]
    forced = bootstrap(boot, name, "--force")
    assert forced.returncode == 0, forced.stdout + forced.stderr
    assert boot.lab.device_state(name)["menus"]["/system/identity"]["name"] == name


def test_a_fingerprint_mismatch_is_refused(boot: BootLab) -> None:
    name = "loa-bakung-ap02"
    boot.lab.reset([name], factory="defconf")
    before = boot.lab.device_state(name)
    wrong = "SHA256:" + base64.b64encode(b"x" * 32).decode().rstrip("=")
    refused = cli(boot, "network", "bootstrap", "--host", name, "--expect-fingerprint", wrong)
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert "not the expected" in refused.stdout
    assert boot.lab.device_state(name)["menus"] == before["menus"]
    # Without an expected fingerprint, a new key and no terminal to confirm it: refused too.
    unconfirmed = cli(boot, "network", "bootstrap", "--host", name)
    assert unconfirmed.returncode in (0, 2), unconfirmed.stdout  # the key was recorded before


def test_preflight_refuses_an_old_or_wrong_device_and_records_facts(boot: BootLab) -> None:
    import dataclasses

    from digikel.store import open_store

    name = "loa-bakung-ap01"
    runtime = boot.lab.server.runtimes[name]
    # The bootstrapped site of the first test; push once so the device is as intended.
    assert cli(boot, "network", "push", "--host", name, "--yes").returncode == 0
    with open_store() as store:
        facts = {f.device: f for f in store.device_facts(SITE)}
    assert facts[name].model == "cAP ax" and facts[name].serial

    def drift() -> None:
        # A hand change: the push has something to send, so preflight reads the device's facts
        # (a device with nothing to change is not asked).
        shell = runtime.device.open_shell("digikel")
        assert shell.handle_line('/snmp set location="moved by hand"').text == ""

    runtime.device.state["version"] = "7.12.1"
    drift()
    old = cli(boot, "network", "push", "--host", name, "--yes")
    assert old.returncode == 2, old.stdout + old.stderr
    assert "runs RouterOS 7.12.1" in old.stdout and "at least 7.13" in old.stdout
    assert "upgrade" in old.stdout
    runtime.device.state.pop("version")

    spec = runtime.device.spec
    runtime.device.spec = dataclasses.replace(spec, model="hAP ax2")
    try:
        wrong = cli(boot, "network", "push", "--host", name, "--yes")
    finally:
        runtime.device.spec = spec
    assert wrong.returncode == 2, wrong.stdout + wrong.stderr
    assert "reports model 'hAP ax2'" in wrong.stdout
    assert cli(boot, "network", "push", "--host", name, "--yes").returncode == 0


def test_a_blank_c1000_is_bootstrapped_over_its_console_then_finished_by_a_rollout(
    boot: BootLab,
) -> None:
    import paramiko

    from digikel.network.hostkeys import fetch_host_key
    from digikel.store import open_store

    switch = "sungai-keledang-sw01"
    boot.lab.reset([switch], factory="unboxed")
    others = [d.name for d in boot.inv.site("sungai-keledang").network_devices if d.name != switch]
    boot.lab.reset(others, factory="defconf")
    spec = boot.lab.spec(switch)
    with pytest.raises((OSError, EOFError, paramiko.SSHException)):  # no RSA key: no SSH
        fetch_host_key(spec.host, spec.port, 3.0)
    assert cli(boot, "network", "bootstrap", "--host", switch).returncode == 2  # no console
    for name in others:
        done = bootstrap(boot, name)
        assert done.returncode == 0, done.stdout + done.stderr
    console = boot.lab.console(switch)
    assert Path(console).exists() and os.isatty(os.open(console, os.O_RDWR | os.O_NOCTTY))
    done = bootstrap(boot, switch, "--console", console)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "found: factory state (blank, no RSA key)" in done.stdout
    assert boot.secrets["vault_digikel_device_password"] not in done.stdout + done.stderr
    running = "\n".join(e["line"] for e in boot.lab.device_state(switch)["running"])
    assert "ip ssh version 2" in running and f"hostname {switch}" in running
    again = bootstrap(boot, switch, "--console", console)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "1 device(s), 0 changed, 0 failed" in again.stdout
    site_wide = cli(boot, "network", "bootstrap", "--site", "sungai-keledang")
    assert site_wide.returncode == 0, site_wide.stdout + site_wide.stderr
    assert f"left for the console: {switch}" in site_wide.stderr
    assert "0 changed, 0 failed" in site_wide.stdout
    rollout_finishes(boot, "sungai-keledang")
    with open_store() as store:
        recorded = [r for r in store.bootstraps("sungai-keledang") if r.device == switch]
    assert recorded[0].fingerprint == fingerprint(boot, switch)
    assert recorded[0].serial == boot.lab.server.runtimes[switch].device.serial()
