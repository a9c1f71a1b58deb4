"""What differs between RouterOS and IOS: fetching, planning, guarded applying, saving.

Each driver receives an open session (connection.connect); none opens its own, except the
"does a NEW session answer?" probe after a change, which must be a different session by design.
"""

from __future__ import annotations

import difflib
import re
import time
from typing import Any, Protocol

from digikel.network import interrupt, ios_config, routeros_config
from digikel.network import routeros_guard as guard
from digikel.network.connection import (
    DeviceError,
    Endpoint,
    Timeouts,
    connect,
    drop,
    run_command,
)
from digikel.network.routeros_defaults import default

IOS_ERRORS = (
    r"(% ?Invalid input|% ?Incomplete command|% ?Ambiguous command|% ?Unknown command|% ?Error|"
    r"Command rejected:|VTP VLAN configuration not allowed|% ?IP addresses may not).*"
)


class Driver(Protocol):
    platform: str

    def fetch(self, conn: Any, timeouts: Timeouts) -> str: ...

    def plan(
        self, running: str, intended: str, *, rotate_secrets: bool = False, prune: bool = False
    ) -> list[str]: ...

    def unmanaged(self, running: str, intended: str) -> list[str]:
        """What the device holds that digikel does not manage (drift, left alone)."""
        ...

    def readable_diff(self, running: str, intended: str) -> str: ...

    def apply(self, conn: Any, commands: list[str], ep: Endpoint, timeouts: Timeouts) -> str | None:
        """Apply under the commit guard; return the configuration a NEW session read after it
        (None if none was read), or raise DeviceError with the change undone."""
        ...

    def identity(self, conn: Any, timeouts: Timeouts) -> str: ...

    def recover(self, ep: Endpoint, timeouts: Timeouts) -> None:
        """Undo at once what a lost session of ours left pending on the device, if anything."""
        ...


class RouterOS:
    """RouterOS 7: /export, our own differ, one commit guard for the whole change."""

    platform = "routeros"
    SAFE_MODE_LIMIT = guard.SAFE_MODE_LIMIT

    def __init__(self, guard_minutes: int = guard.GUARD_MINUTES) -> None:
        self.guard_minutes = guard_minutes
        # Set when our own session was lost mid-change: the restore then takes safe mode over
        # from it (hijack prompt, `u`), which undoes its half change at once.
        self.unroll_next = False
        # When (time.monotonic()) the device agreed to load its backup: a restore trusts what it
        # shows only once it has rebooted since.
        self.loaded_at: float | None = None

    def fetch(self, conn: Any, timeouts: Timeouts) -> str:
        return run_command(conn, "/export", timeouts)

    def plan(
        self, running: str, intended: str, *, rotate_secrets: bool = False, prune: bool = False
    ) -> list[str]:
        return routeros_config.diff(
            routeros_config.parse(running),
            routeros_config.parse(intended),
            rotate_secrets=rotate_secrets,
            prune=prune,
        )

    def unmanaged(self, running: str, intended: str) -> list[str]:
        return routeros_config.plan(
            routeros_config.parse(running), routeros_config.parse(intended)
        ).unmanaged

    def readable_diff(self, running: str, intended: str) -> str:
        have = routeros_config.parse(running)
        want = routeros_config.parse(intended)
        return unified(canonical(have, want), canonical(want, want), "running", "intended")

    def apply(self, conn: Any, commands: list[str], ep: Endpoint, timeouts: Timeouts) -> str | None:
        if len(commands) <= self.SAFE_MODE_LIMIT:
            return self._in_safe_mode(conn, commands, ep, timeouts)
        return self._with_commit_confirm(conn, commands, ep, timeouts)

    def _in_safe_mode(
        self, conn: Any, commands: list[str], ep: Endpoint, timeouts: Timeouts
    ) -> str:
        unroll, self.unroll_next = self.unroll_next, False
        guard.take_safe_mode(conn, ep, timeouts, unroll=unroll)
        # The prompt carries the identity, which the change may rename: wait for "[user@" only.
        conn.base_prompt = conn.base_prompt.split("@")[0] + "@"
        try:
            guard.send(conn, ep, commands, timeouts)
        except interrupt.Interrupted:
            guard.undo_safe_mode(conn)
            raise
        except Exception as exc:
            lost = self._lost_or_undo(conn)
            raise DeviceError(
                f"{ep.name}: "
                + ("the device closed the session" if lost else "change refused")
                + f": {first_line(exc)}; undone by safe mode"
            ) from None
        try:
            with guard.proof_session(ep, timeouts, commands) as probe:
                after = self.fetch(probe, timeouts)
            interrupt.check(ep.name)
        except interrupt.Interrupted:
            guard.undo_safe_mode(conn)
            raise
        except Exception as exc:
            self._lost_or_undo(conn)
            raise DeviceError(
                f"{ep.name}: a new session did not answer after the change ({first_line(exc)}); "
                "undone by safe mode"
            ) from None
        guard.release_safe_mode(conn, ep, timeouts)
        # base_prompt stays "[user@": it matches the prompt whatever the identity became, so
        # no prompt discovery (a round trip and Netmiko's sleeps) is needed after a rename.
        return after

    def _lost_or_undo(self, conn: Any) -> bool:
        """Ctrl-D if the session still stands; if the device cut it (a command removed the path
        the session rode on), the restore takes safe mode over from it and unrolls at once.
        True if the session was lost."""
        channel = getattr(conn, "remote_conn", None)
        lost = channel is None or channel.closed
        if lost:
            self.unroll_next = True
        guard.undo_safe_mode(conn)
        return lost

    def _with_commit_confirm(
        self, conn: Any, commands: list[str], ep: Endpoint, timeouts: Timeouts
    ) -> str:
        guard.arm(conn, ep, timeouts, self.guard_minutes)
        conn.base_prompt = conn.base_prompt.split("@")[0] + "@"
        try:
            guard.send(conn, ep, commands, timeouts)
        except Exception as exc:
            self._revert(conn, ep, timeouts)
            if isinstance(exc, interrupt.Interrupted):
                raise
            raise DeviceError(
                f"{ep.name}: change refused: {first_line(exc)}; the device loads its backup "
                "from before the change"
            ) from None
        try:
            with guard.proof_session(ep, timeouts, commands) as probe:
                interrupt.check(ep.name)
                guard.disarm(probe, timeouts)
                return self.fetch(probe, timeouts)
        except Exception as exc:
            self._revert(conn, ep, timeouts)
            if isinstance(exc, interrupt.Interrupted):
                raise
            raise DeviceError(
                f"{ep.name}: a new session did not answer after the change ({first_line(exc)}); "
                f"the device loads its backup from before the change (at once, or within "
                f"{self.guard_minutes} minutes by its scheduler entry {guard.GUARD})"
            ) from None

    def _revert(self, conn: Any, ep: Endpoint, timeouts: Timeouts) -> None:
        """Load the backup now: from the change's session, or, if the device cut that one,
        from a new session (at once, not after the scheduler's minutes)."""
        channel = getattr(conn, "remote_conn", None)
        if channel is not None and not channel.closed:
            try:
                guard.revert_now(conn, timeouts)
                self.loaded_at = time.monotonic()
                return
            except Exception:
                drop(conn)  # the session was gone although it looked open (a dead link)
        try:
            with connect(ep, timeouts) as other:
                guard.revert_now(other, timeouts)
                self.loaded_at = time.monotonic()
        except Exception:
            pass  # the scheduler entry restores it within its minutes

    def recover(self, ep: Endpoint, timeouts: Timeouts) -> None:
        """Before a restore: after a backup load, wait (raise, to be retried) until the device
        has rebooted onto it; if our own safe-mode session was lost, take safe mode over from it
        (`u` at the hijack prompt undoes its half change at once) and release it at once."""
        if self.loaded_at is not None:
            with connect(ep, timeouts) as conn:
                guard.rebooted_since(conn, ep, timeouts, time.monotonic() - self.loaded_at)
            self.loaded_at = None
        if not self.unroll_next:
            return
        with connect(ep, timeouts) as conn:
            guard.take_safe_mode(conn, ep, timeouts, unroll=True)
            guard.release_safe_mode(conn, ep, timeouts)
        self.unroll_next = False  # only once it worked: a rebooting device is retried

    def identity(self, conn: Any, timeouts: Timeouts) -> str:
        out = run_command(conn, "/system identity print", timeouts)
        match = re.search(r"name:\s*(\S+)", out)
        return match.group(1) if match else out.strip()


class IOS:
    """Cisco IOS: show running-config, hier_config, revert timer confirmed from a new session."""

    platform = "ios"

    def __init__(self, revert_minutes: int = 5) -> None:
        self.revert_minutes = revert_minutes

    def fetch(self, conn: Any, timeouts: Timeouts) -> str:
        """The running config plus the SNMPv3 users, which IOS keeps out of it.

        Without them a second push would send `snmp-server user` again every time; with them the
        create-only rule (ios_config) sees the user exists. They appear as
        `snmp-server user <name> <group> v3` (no secrets) before `end`.
        """
        running = run_command(conn, "show running-config", timeouts)
        users = run_command(conn, "show snmp user", timeouts)
        lines = snmp_user_lines(users)
        if not lines:
            return running
        body = running.rstrip()
        if body.endswith("\nend"):
            return body[: -len("end")] + "\n".join(lines) + "\nend\n"
        return body + "\n" + "\n".join(lines) + "\n"

    def plan(
        self, running: str, intended: str, *, rotate_secrets: bool = False, prune: bool = False
    ) -> list[str]:
        # Lines of kinds the template never writes are left alone (ios_config.unmanaged).
        return ios_config.remediation(running, intended, rotate_secrets=rotate_secrets)

    def unmanaged(self, running: str, intended: str) -> list[str]:
        return ios_config.unmanaged(running, intended)

    def readable_diff(self, running: str, intended: str) -> str:
        cmds = ios_config.remediation(running, intended)
        text = "\n".join(cmds) + ("\n" if cmds else "")
        alone = ios_config.unmanaged(running, intended)
        return text + "".join(f"! not managed by digikel, left alone: {line}\n" for line in alone)

    # The revert timer refuses to run without an archive path ("Turn config archive on before
    # using Rollback Confirmed Change"); a device that lost an unsaved one (a reboot in the
    # middle of a first push) gets it again before a restore's guarded change.
    ARCHIVE = ("archive", " path flash:digikel-archive", " maximum 14")

    def apply(self, conn: Any, commands: list[str], ep: Endpoint, timeouts: Timeouts) -> str | None:
        archive, commands = split_block(commands, "archive")
        if not archive and commands:
            has = run_command(conn, "show running-config | include ^archive", timeouts)
            if not re.search(r"^archive", has, re.M):
                archive = list(self.ARCHIVE)
        if archive:
            # The revert timer needs an archive path; setting it cannot lock us out.
            try:
                conn.send_config_set(
                    archive, error_pattern=IOS_ERRORS, read_timeout=timeouts.command
                )
            except Exception as exc:
                raise DeviceError(f"{ep.name}: archive setup refused: {first_line(exc)}") from None
        if not commands:
            conn.save_config()
            return None
        # SNMPv3 users live outside the running config, so the revert does not undo them.
        existing = {
            u.split()[2] for u in snmp_user_lines(run_command(conn, "show snmp user", timeouts))
        }
        new_users = [
            " ".join(c.split()[:4]) + " v3"
            for c in commands
            if c.startswith("snmp-server user ") and c.split()[2] not in existing
        ]
        try:
            conn.send_config_set(
                commands,
                config_mode_command=f"configure terminal revert timer {self.revert_minutes}",
                error_pattern=IOS_ERRORS,
                read_timeout=timeouts.command,
            )
        except Exception as exc:
            self.revert_now(conn, ep, timeouts, new_users)
            raise DeviceError(f"{ep.name}: change refused: {first_line(exc)}") from None
        try:
            with connect(ep, timeouts) as probe:
                out = str(
                    probe.send_command(
                        "configure confirm", expect_string=r"#", read_timeout=timeouts.command
                    )
                )
                if "%" in out:
                    raise DeviceError(out.strip())
                probe.save_config()  # the explicit save step, once the change is confirmed
                return self.fetch(probe, timeouts)
        except Exception as exc:
            self.revert_now(conn, ep, timeouts, new_users)
            raise DeviceError(
                f"{ep.name}: a new session could not confirm the change ({first_line(exc)}); "
                "configuration reverted"
            ) from None

    def revert_now(self, conn: Any, ep: Endpoint, timeouts: Timeouts, new_users: list[str]) -> None:
        """Undo the unconfirmed change at once (the timer would, but later), and remove the
        SNMPv3 users it created (not part of the running config, so not reverted)."""

        def undo(session: Any) -> None:
            if session.check_config_mode():
                session.exit_config_mode()
            session.send_command_timing("configure revert now", read_timeout=timeouts.command)
            if new_users:
                session.send_config_set(
                    [f"no {u}" for u in new_users], read_timeout=timeouts.command
                )

        channel = getattr(conn, "remote_conn", None)
        if channel is not None and not channel.closed:  # a dropped session: straight to a new one
            try:
                undo(conn)
                return
            except Exception:
                pass
        try:
            with connect(ep, timeouts) as other:
                undo(other)
        except Exception:
            pass  # the revert timer still runs on the device; restore() checks the result

    def recover(self, ep: Endpoint, timeouts: Timeouts) -> None:
        return None  # revert_now already ran `configure revert now` from a new session

    def identity(self, conn: Any, timeouts: Timeouts) -> str:
        out = run_command(conn, "show running-config | include ^hostname", timeouts)
        match = re.search(r"^hostname\s+(\S+)", out, re.M)
        return match.group(1) if match else conn.find_prompt().rstrip("#>")


def split_block(commands: list[str], parent: str) -> tuple[list[str], list[str]]:
    """(the `parent` block with its indented children, every other command)."""
    block: list[str] = []
    rest: list[str] = []
    inside = False
    for line in commands:
        if not line.startswith(" "):
            inside = line == parent
        (block if inside else rest).append(line)
    return block, rest


def snmp_user_lines(show_snmp_user: str) -> list[str]:
    """`snmp-server user <name> <group> v3` for each user `show snmp user` lists."""
    lines = []
    for block in re.split(r"\n\s*\n", show_snmp_user):
        user = re.search(r"^User name:\s*(\S+)", block, re.M)
        group = re.search(r"^Group-name:\s*(\S+)", block, re.M)
        if user and group:
            lines.append(f"snmp-server user {user.group(1)} {group.group(1)} v3")
    return lines


def driver_for(platform: str, *, guard_minutes: int = guard.GUARD_MINUTES) -> Driver:
    if platform == "routeros":
        return RouterOS(guard_minutes)
    if platform == "ios":
        return IOS()
    raise DeviceError(f"no network driver for platform {platform!r}")


def same_config(platform: str, one: str, other: str) -> bool:
    """Whether two fetched configurations are the same, secrets and ordering aside."""
    if platform != "routeros":
        return ios_config.clean(one) == ios_config.clean(other)
    a, b = routeros_config.parse(one), routeros_config.parse(other)
    return canonical(a, a) == canonical(b, b)


def canonical(config: routeros_config.Config, scope: routeros_config.Config) -> str:
    """Comparable text: menus by name, no secrets, no derived values, no value at its default,
    `set` items only as far as `scope` manages them."""
    out: list[str] = []
    for menu in sorted(config.menus):
        if menu in routeros_config.NOT_EXPORTED:
            continue
        lines: list[str] = []
        for item in config.menus[menu]:
            args = {
                k: v
                for k, v in item.args.items()
                if k not in routeros_config.SENSITIVE
                and v != default(menu, k, list_item=item.verb == "add" or bool(item.target))
            }
            if item.verb == "set":
                managed = scope.get(menu, item.key)
                if managed is None:
                    continue
                args = {k: v for k, v in args.items() if k in managed.args}
            shown = routeros_config.Item(item.menu, item.verb, item.target, args)
            lines.append(shown.line(with_secrets=False))
        if menu not in routeros_config.ORDERED_MENUS:
            lines.sort()  # order only matters in firewall and queue menus
        if lines:
            out.append(menu)
            out.extend(lines)
    return "\n".join(out) + "\n"


def unified(before: str, after: str, left: str, right: str) -> str:
    return "".join(
        difflib.unified_diff(
            before.splitlines(keepends=True), after.splitlines(keepends=True), left, right, n=1
        )
    )


def first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
