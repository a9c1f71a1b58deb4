"""Post-checks of a network device, as named results the readiness tracker can consume."""

from __future__ import annotations

import ipaddress
import re
from typing import TYPE_CHECKING, Any

from digikel.network import plan, routeros_config
from digikel.network.connection import run_command
from digikel.network.results import Check
from digikel.network.routeros_guard import duration_seconds

if TYPE_CHECKING:
    from digikel.inventory.model import Device
    from digikel.network.connection import Timeouts
    from digikel.network.platforms import Driver


def run_checks(
    driver: Driver,
    conn: Any,
    device: Device,
    hostvars: dict[str, Any],
    running: str,
    intended: str,
    pending: list[str],
    timeouts: Timeouts,
) -> list[Check]:
    checks = [_identity(driver, conn, device, timeouts), _in_sync(pending)]
    if device.platform == "routeros":
        checks.extend(_routeros(conn, device, hostvars, running, intended, timeouts))
    else:
        checks.extend(_ios(conn, hostvars, timeouts))
    return checks


def _safe(name: str, func: Any) -> Check:
    try:
        result: Check = func()
        return result
    except Exception as exc:
        return Check(name, False, f"check could not run: {type(exc).__name__}: {exc}")


def _identity(driver: Driver, conn: Any, device: Device, timeouts: Timeouts) -> Check:
    def check() -> Check:
        seen = driver.identity(conn, timeouts)
        ok = seen == device.name
        return Check(
            "identity", ok, f"identity {seen!r}" + ("" if ok else f", want {device.name!r}")
        )

    return _safe("identity", check)


def _in_sync(pending: list[str]) -> Check:
    if not pending:
        return Check("config-in-sync", True, "running configuration matches the intended one")
    return Check("config-in-sync", False, f"{len(pending)} command(s) pending, e.g. {pending[0]}")


def _routeros(
    conn: Any,
    device: Device,
    hostvars: dict[str, Any],
    running: str,
    intended: str,
    timeouts: Timeouts,
) -> list[Check]:
    config = routeros_config.parse(running)
    wanted = routeros_config.parse(intended)
    segments = hostvars["digikel_segments"]
    # An AP carries mgmt and the two Wi-Fi VLANs; the router and the switches carry all of them.
    if device.role == "ap":
        wanted_vlans = {segments[s]["vlan"] for s in ("mgmt", *plan.WIFI_SEGMENTS)}
    else:
        wanted_vlans = {s["vlan"] for s in segments.values()}
    checks = [_bridge_vlans(config, wanted_vlans)]
    names = [
        i.args["name"]
        for menu in ("/interface bridge", "/interface vlan", "/interface wireguard")
        for i in wanted.menus.get(menu, [])
        if "name" in i.args
    ]
    checks.append(_safe("interfaces", lambda: _interfaces_listed(conn, names, timeouts)))
    if device.role == "router":
        checks.append(_safe("wireguard-tunnel", lambda: _wireguard(conn, timeouts)))
    if device.role == "ap":
        checks.append(_ssids(config, hostvars))
    return checks


def _bridge_vlans(config: routeros_config.Config, wanted: set[int]) -> Check:
    have: set[int] = set()
    for item in config.menus.get("/interface bridge vlan", []):
        for part in item.args.get("vlan-ids", "").split(","):
            if part.strip().isdigit():
                have.add(int(part))
    missing = sorted(wanted - have)
    return Check(
        "vlans",
        not missing,
        f"bridge VLANs {sorted(have)}" + (f"; missing {missing}" if missing else ""),
    )


def _interfaces_listed(conn: Any, names: list[str], timeouts: Timeouts) -> Check:
    out = run_command(conn, "/interface print terse", timeouts)
    missing = [n for n in names if not re.search(rf"name={re.escape(n)}(\s|$)", out)]
    # RouterOS flags a disabled interface with X in the terse flags column.
    disabled = [
        n for n in names if re.search(rf"^\s*\d+\s+\S*X\S*\s.*name={re.escape(n)}(\s|$)", out, re.M)
    ]
    ok = not missing and not disabled
    detail = f"{len(names)} interfaces present"
    if missing:
        detail = f"missing: {', '.join(missing)}"
    if disabled:
        detail += f"; disabled: {', '.join(disabled)}"
    return Check("interfaces", ok, detail)


def _wireguard(conn: Any, timeouts: Timeouts) -> Check:
    out = run_command(conn, "/interface wireguard peers print detail", timeouts)
    match = re.search(r"last-handshake=(\S+)", out)
    if not match:
        return Check("wireguard-tunnel", False, _no_handshake(out))
    value = match.group(1)
    seconds = duration_seconds(value)
    ok = seconds is not None and seconds <= 180
    return Check("wireguard-tunnel", ok, f"last handshake with the hub {value} ago")


def _no_handshake(peers: str) -> str:
    """Why the tunnel may be down, from the peer's endpoint as the router prints it."""
    found = re.search(r'endpoint-address=("[^"]*"|\S+)', peers)
    endpoint = found.group(1).strip('"') if found else ""
    if not endpoint:
        return "no handshake with the hub: the peer has no endpoint-address"
    try:
        ipaddress.ip_address(endpoint)
    except ValueError:
        return (
            f"no handshake with the hub: its endpoint {endpoint!r} is a name, which the router "
            "can resolve only through the DC's DNS behind this very tunnel; set the hub's IP "
            "address (datacentre.hub_endpoint) and push"
        )
    return f"no handshake with the hub at {endpoint}: unreachable or not answering"


def _ssids(config: routeros_config.Config, hostvars: dict[str, Any]) -> Check:
    wifi = hostvars["digikel_wifi"]
    want = {wifi["staff_ssid"], wifi["public_ssid"]}
    have = {
        i.args["ssid"]
        for i in config.menus.get("/interface wifi configuration", [])
        if "ssid" in i.args
    }
    missing = sorted(want - have)
    return Check(
        "ssids", not missing, f"SSIDs {sorted(have)}" + (f"; missing {missing}" if missing else "")
    )


def _ios(conn: Any, hostvars: dict[str, Any], timeouts: Timeouts) -> list[Check]:
    segments = hostvars["digikel_segments"]

    def vlans() -> Check:
        out = run_command(conn, "show vlan brief", timeouts)
        have = {int(m) for m in re.findall(r"^(\d+)\s+\S+\s+active", out, re.M)}
        want = {s["vlan"] for s in segments.values()}
        missing = sorted(want - have)
        return Check(
            "vlans",
            not missing,
            f"active VLANs {sorted(have & want)}" + (f"; missing {missing}" if missing else ""),
        )

    def mgmt() -> Check:
        out = run_command(conn, "show ip interface brief", timeouts)
        name = f"Vlan{segments['mgmt']['vlan']}"
        line = next((ln for ln in out.splitlines() if ln.split()[:1] == [name]), "")
        ok = hostvars["digikel_address"] in line and " up " in f" {line} "
        return Check("interfaces", ok, line.strip() or f"{name} not listed")

    return [_safe("vlans", vlans), _safe("interfaces", mgmt)]
