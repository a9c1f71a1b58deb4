"""The RouterOS commit guard: one guard holds the whole change of a device, or nothing changes.

Two guards, both documented by MikroTik (help.mikrotik.com, "Console" > "Safe Mode"; "Backup";
"Scheduler"):

- **Safe mode** for a change that fits its history. Ctrl-X takes it; every change made then is
  undone by Ctrl-D or when the session is lost (after the TCP timeout, about 9 minutes), and kept
  by Ctrl-X (release) or a normal `quit`. The history holds the 100 most recent actions: beyond
  that the session silently leaves safe mode and nothing is undone any more, so safe mode is used
  only for changes of at most SAFE_MODE_LIMIT commands. A session that finds safe mode held by
  another one is asked "Hijacking Safe Mode from ... [u/r/d]": a push answers `d` and refuses (a
  second writer, or a dead earlier session the device is about to undo); restoring after our own
  session was lost answers `u`, which undoes that session's half change at once.
- **Commit-confirm** for a longer change: a binary backup of the whole device (secrets and users
  included) and a scheduler entry that loads it after GUARD_MINUTES are armed before the first
  command; the change then runs in one session; a NEW session proves reachability, disarms the
  entry and reads the result. A session that dies, a reboot, a kill -9 of digikel: the entry fires
  and the device comes back on its old configuration. A failure or Ctrl-C loads the backup at once.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Iterator
from typing import Any

from digikel.network import interrupt
from digikel.network.connection import (
    DeviceError,
    Endpoint,
    Timeouts,
    connect,
    drop,
    run_command,
)

SAFE_MODE_HISTORY = 100  # the manual's figure: actions safe mode can undo
# Each command is one action; the margin covers actions RouterOS records for one command
# (a rename updates references) so the history never overflows silently.
SAFE_MODE_LIMIT = 80
GUARD = "digikel-guard"
GUARD_MINUTES = 5
CHUNK = 10  # commands sent between two checks for Ctrl-C / SIGTERM
HIJACK = re.compile(r"Hijacking Safe Mode from (?P<who>.*?) - .*\[u/r/d\]")
# Device errors in the device's own words; a match makes send_config_set raise.
ERRORS = (
    r"(bad command name|expected end of command|syntax error|failure:|no such item|"
    r"invalid value|ambiguous value|input does not match|out of range|already have|"
    r"not allowed|can not|cannot ).*"
)


# Menus whose change makes the WAN redial: the PPPoE client reconnects, the tunnel to the data
# centre re-handshakes. Sessions already open ride it out (TCP retransmits); a new one cannot
# get through until both are back.
REDIALS_WAN = ("/interface pppoe-client ", "/interface wireguard ")


class SafeModeHeld(DeviceError):
    """Another session holds safe mode: nothing was changed."""


def redials_wan(commands: list[str]) -> bool:
    return any(command.startswith(REDIALS_WAN) for command in commands)


@contextlib.contextmanager
def proof_session(ep: Endpoint, timeouts: Timeouts, commands: list[str]) -> Iterator[Any]:
    """The guard's NEW session after a change: the proof the device is still reachable.

    After a change that redials the WAN, refusals are retried for `timeouts.redial` seconds, so
    the guard does not undo a good change because the link was still coming back (and undoing
    it would redial once more). Any other change gets one attempt: a device that stops
    answering after an ordinary change is undone at once.
    """
    deadline = time.monotonic() + (timeouts.redial if redials_wan(commands) else 0.0)
    while True:
        interrupt.check(ep.name)
        try:
            conn_cm = connect(ep, timeouts)
            conn = conn_cm.__enter__()
            break
        except DeviceError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(1.0)
    try:
        yield conn
    except BaseException as exc:
        if not conn_cm.__exit__(type(exc), exc, exc.__traceback__):
            raise
    else:
        conn_cm.__exit__(None, None, None)


def send(conn: Any, ep: Endpoint, commands: list[str], timeouts: Timeouts) -> None:
    """Send commands in small chunks, stopping between two of them when a stop was asked."""
    for start in range(0, len(commands), CHUNK):
        interrupt.check(ep.name)
        conn.send_config_set(
            commands[start : start + CHUNK],
            error_pattern=ERRORS,
            read_timeout=timeouts.command,
            enter_config_mode=False,
            exit_config_mode=False,
        )
    interrupt.check(ep.name)


# --- safe mode ----------------------------------------------------------------------------------


def take_safe_mode(conn: Any, ep: Endpoint, timeouts: Timeouts, *, unroll: bool = False) -> None:
    """Ctrl-X. Another holder: `u` (undo its changes, take over) if unroll, else `d` and refuse."""
    conn.write_channel("\x18")
    out = conn.read_until_pattern(pattern=r"<SAFE>|\[u/r/d\]", read_timeout=timeouts.command)
    hijack = HIJACK.search(out)
    if hijack or "[u/r/d]" in out:
        who = hijack.group("who") if hijack else "another session"
        if unroll:
            conn.write_channel("u")
            conn.read_until_pattern(pattern=r"<SAFE>", read_timeout=timeouts.command)
            return
        conn.write_channel("d")
        conn.read_until_pattern(pattern=r"\][^\r\n]*>\s*$", read_timeout=timeouts.command)
        raise SafeModeHeld(
            f"{ep.name}: safe mode is held by {who}: another operator is changing the device, "
            "or an earlier session was cut and the device undoes its changes when it notices "
            "(up to about 9 minutes); nothing was changed, run again later"
        )
    conn.read_channel()


def undo_safe_mode(conn: Any) -> None:
    """Ctrl-D: RouterOS undoes every change made in safe mode and ends the session."""
    # A session already gone cannot take Ctrl-D: the device undoes on its own (lost session).
    with contextlib.suppress(Exception):
        conn.write_channel("\x04")
    drop(conn)  # never let Netmiko's disconnect send `quit`, which would keep the changes


def release_safe_mode(conn: Any, ep: Endpoint, timeouts: Timeouts) -> None:
    conn.write_channel("\x18")
    try:
        conn.read_until_pattern(pattern=r"Safe Mode released", read_timeout=timeouts.command)
    except Exception as exc:
        raise DeviceError(f"{ep.name}: safe mode could not be released: {exc}") from None
    conn.read_channel()


# --- commit-confirm -----------------------------------------------------------------------------


def pending_revert(conn: Any, timeouts: Timeouts) -> bool:
    out = run_command(conn, f"/system scheduler print terse where name={GUARD}", timeouts)
    return f"name={GUARD}" in out


def arm(conn: Any, ep: Endpoint, timeouts: Timeouts, minutes: int) -> None:
    """Save the whole device and schedule its own restore in `minutes`."""
    if pending_revert(conn, timeouts):
        raise DeviceError(
            f"{ep.name}: a revert from an interrupted push is pending on the device (scheduler "
            f"entry {GUARD}): it restores the configuration from before that push within "
            f"{minutes} minutes; nothing was changed, run again after it"
        )
    for command in (
        f"/system backup save name={GUARD} dont-encrypt=yes",
        f'/system scheduler add name={GUARD} interval={minutes}m on-event="/system backup '
        f'load name={GUARD}.backup"',
    ):
        out = run_command(conn, command, timeouts)
        if re.search(ERRORS, out):
            raise DeviceError(f"{ep.name}: could not arm the commit guard: {out.strip()}")


def disarm(conn: Any, timeouts: Timeouts) -> None:
    run_command(conn, f"/system scheduler remove [ find name={GUARD} ]", timeouts)
    run_command(conn, f"/file remove [ find name={GUARD}.backup ]", timeouts)


def revert_now(conn: Any, timeouts: Timeouts) -> None:
    """Load the saved backup at once (the device reboots onto its old configuration).

    Raises if the device did not ask "Restore and reboot?" (the session was already gone, or the
    load was refused): nothing was loaded, and the caller loads from a new session. Once the
    device asked and got `y`, it never raises: a session that closes then is the reboot, and a
    second load would reboot the device twice. The device may still answer for a moment before
    it goes down, so what it shows is trusted only once it has rebooted (`rebooted_since`)."""
    conn.write_channel(f"/system backup load name={GUARD}.backup\r")
    out = conn.read_until_pattern(pattern=r"\[y/N\]|\][^\r\n]*>\s*$", read_timeout=timeouts.command)
    if "[y/N]" not in out:
        raise DeviceError(f"the device did not load its backup: {out.strip()[-200:]}")
    with contextlib.suppress(Exception):
        conn.write_channel("y")
    drop(conn)


def uptime_seconds(conn: Any, timeouts: Timeouts) -> float | None:
    """The device's uptime from `/system resource print` (`uptime: 1w2d3h4m5s`)."""
    out = run_command(conn, "/system resource print", timeouts)
    match = re.search(r"^\s*uptime:\s*(\S+)", out, re.M)
    return duration_seconds(match.group(1)) if match else None


def duration_seconds(text: str) -> float | None:
    """RouterOS durations: `1w2d3h4m5s`, only the non-zero parts (`0s` when none)."""
    parts = re.findall(r"(\d+)(w|d|h|m|s)", text)
    if not parts:
        return None
    units = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}
    return float(sum(int(n) * units[u] for n, u in parts))


def rebooted_since(conn: Any, ep: Endpoint, timeouts: Timeouts, seconds_ago: float) -> None:
    """Raise unless the device booted less than `seconds_ago` ago (its uptime says so).

    After a backup load the device answers for a moment on its old run before it goes down: a
    session then reads the change still on it, and the next command finds the device rebooting.
    The uptime tells the two apart on the device's own word. One second of slack: RouterOS
    prints whole seconds."""
    uptime = uptime_seconds(conn, timeouts)
    if uptime is None or uptime + 1.0 >= seconds_ago:
        raise DeviceError(
            f"{ep.name}: not rebooted onto its backup yet "
            f"(up {uptime}s, loaded {seconds_ago:.0f}s ago)"
        )
