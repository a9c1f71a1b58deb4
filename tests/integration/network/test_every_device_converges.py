"""Every network device of every one of the 59 sites, from each factory state, converges in one
push and then plans nothing, on the lab's own model of the device.

The planner (the product) reads what the simulated device prints (its `/export`, its
`show running-config` and `show snmp user`) and its commands are executed by the simulated
device's own command line, exactly as over SSH, without the SSH transport so that all 179
devices fit in a test. A device the lab drops a session for (management path removed) would
refuse here too: a command that cuts the management path fails the test.
"""

from __future__ import annotations

import pytest

from digikel.inventory.secrets import load_secrets
from digikel.lab.device import DeviceSpec, OfflineHost
from digikel.lab.ios import IosDevice
from digikel.lab.routeros import RouterOsDevice
from digikel.network.noise import strip_noise
from digikel.network.platforms import IOS, RouterOS, snmp_user_lines
from digikel.network.render import render_device, secret_values


@pytest.fixture(scope="module")
def secrets(inv):
    return load_secrets(inv)


def _routeros_run(sim: RouterOsDevice, commands: list[str]) -> None:
    shell = sim.open_shell("digikel")
    for command in commands:
        answer = shell.handle_line(command).text
        assert answer.strip() == "", f"{sim.name}: {command!r} -> {answer}"


def _routeros_export(sim: RouterOsDevice, scrub: list[str]) -> str:
    return strip_noise("routeros", sim.open_shell("digikel").handle_line("/export").text, scrub)


def _ios_shell(sim: IosDevice):
    shell = sim.open_shell("digikel")
    shell.privileged = True  # `enable` answered, as connection.connect does over SSH
    return shell


def _ios_show(sim: IosDevice, scrub: list[str]) -> str:
    shell = _ios_shell(sim)
    shell.handle_line("terminal length 0")
    running = shell.handle_line("show running-config").text
    users = snmp_user_lines(shell.handle_line("show snmp user").text)
    text = running.rstrip()
    if users and text.endswith("\nend"):
        text = text[: -len("end")] + "\n".join(users) + "\nend"
    return strip_noise("ios", text + "\n", scrub)


def _ios_run(sim: IosDevice, commands: list[str]) -> None:
    shell = _ios_shell(sim)
    for line in ["configure terminal", *commands, "end"]:
        answer = shell.handle_line(line).text
        assert "%" not in answer or "Warning" in answer or "Creating vlan" in answer, (
            f"{sim.name}: {line!r} -> {answer}"
        )


def _devices(inv):
    for site in inv.sites:
        yield from site.network_devices


@pytest.mark.parametrize("factory", ["blank", "defconf"])
def test_every_routeros_device_converges_in_one_push(inv, secrets, factory):
    scrub = secret_values(secrets)
    count = 0
    for device in _devices(inv):
        if device.platform != "routeros":
            continue
        spec = DeviceSpec(device.name, "routeros", device.model, "h", 1, "u", "p", "s", device.role)
        sim = RouterOsDevice(spec, None, OfflineHost(), factory=factory)
        intended = render_device(inv, device, secrets, masked=False).text
        driver = RouterOS()
        # On defconf the vendor's items are cleared explicitly (--prune, as bootstrap does).
        prune = factory == "defconf"
        plan = driver.plan(_routeros_export(sim, scrub), intended, prune=prune)
        assert plan, device.name
        _routeros_run(sim, plan)
        after = _routeros_export(sim, scrub)
        assert driver.plan(after, intended, prune=prune) == [], device.name
        assert driver.plan(after, intended) == [], device.name
        assert driver.unmanaged(after, intended) == [], device.name
        count += 1
    assert count > 150


def test_every_ios_device_converges_in_one_push(inv, secrets):
    scrub = secret_values(secrets)
    count = 0
    for device in _devices(inv):
        if device.platform != "ios":
            continue
        spec = DeviceSpec(device.name, "ios", device.model, "h", 1, "u", "p", "s", device.role)
        sim = IosDevice(spec, None, OfflineHost())
        intended = render_device(inv, device, secrets, masked=False).text
        driver = IOS()
        plan = driver.plan(_ios_show(sim, scrub), intended)
        assert plan, device.name
        _ios_run(sim, plan)
        assert driver.plan(_ios_show(sim, scrub), intended) == [], device.name
        count += 1
    assert count >= 2


# Changes a field engineer makes by hand (drift), in the device's own syntax.
DRIFT = [
    "/ip dhcp-server set [ find name=dhcp-counters ] lease-time=1d",
    '/interface vlan set [ find name=vlan30-displays ] comment="layar antrian"',
    '/ip firewall filter add action=accept chain=input comment="teknisi" dst-port=8291 '
    "protocol=tcp",
    "/interface bridge port set [ find interface=ether2 ] disabled=yes",
    "/ip dns static add address=10.84.34.20 name=antrian.lan",
    "/system scheduler add interval=1d name=reboot-nightly on-event=/system/reboot",
    '/ip firewall filter set [ find comment="in: icmp (icmp)" ] disabled=yes',
    "/ip dns set servers=8.8.8.8",
    '/ip firewall filter set [ find comment="in: management from datacentre (22,8291/tcp)" ] '
    "src-address=192.0.2.7",
]


def test_from_any_partial_or_drifted_state_one_push_converges_without_cutting_itself(inv, secrets):
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    device = inv.device("loa-bakung-rtr01")
    intended = render_device(inv, device, secrets, masked=False).text
    scrub = secret_values(secrets)
    spec = DeviceSpec(device.name, "routeros", device.model, "h", 1, "u", "p", "s", device.role)
    full = RouterOS().plan(
        _routeros_export(RouterOsDevice(spec, None, OfflineHost()), scrub), intended
    )

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        applied=st.lists(st.booleans(), min_size=len(full), max_size=len(full)),
        drift=st.sets(st.sampled_from(DRIFT)),
    )
    def converges(applied: list[bool], drift: set[str]) -> None:
        sim = RouterOsDevice(spec, None, OfflineHost())
        shell = sim.open_shell("digikel")
        # A half-configured device: some intended commands landed (those that can, alone), then
        # the drift; errors here are the device refusing an incoherent subset, as it would.
        for command in [c for c, keep in zip(full, applied, strict=True) if keep] + sorted(drift):
            shell.handle_line(command)
        driver = RouterOS()
        plan = driver.plan(_routeros_export(sim, scrub), intended)
        push = sim.open_shell("digikel")
        for command in plan:
            reply = push.handle_line(command)
            assert not reply.close, f"the push cut its own session at {command!r}"
            assert reply.text.strip() == "", f"{command!r} -> {reply.text}"
        assert driver.plan(_routeros_export(sim, scrub), intended) == []

    converges()
