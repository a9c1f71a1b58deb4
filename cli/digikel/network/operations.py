"""The network operations, per device: a Python API with no CLI in it (per site: sites.py).

Every function returns DeviceResult objects; a failing device never stops the others.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar

from digikel.errors import DigikelError, InputError
from digikel.network import interrupt, ios_config, routeros_config, verify
from digikel.network import render as render_mod
from digikel.network.connection import Endpoint, Timeouts, connect, endpoint_for
from digikel.network.noise import scrub, strip_noise
from digikel.network.platforms import Driver, driver_for, first_line, same_config
from digikel.network.results import DeviceResult, now
from digikel.network.store import BackupStore

if TYPE_CHECKING:
    from digikel.inventory.model import Device, Inventory

T = TypeVar("T")


@dataclass
class Options:
    check: bool = False  # compute and show, send nothing
    rotate_secrets: bool = False  # re-send passwords/keys the device hides from us
    timeouts: Timeouts = field(default_factory=Timeouts)
    store: BackupStore | None = None
    revision: str = "previous"  # rollback: which backup
    reconnect_attempts: int = 3  # after a failed push, to restore the backup
    reboot_wait: float = 150.0  # seconds a restore waits for a device that reboots
    prune: bool = False  # also remove what digikel does not manage (defconf, hand-made items)
    guard_minutes: int = 5  # RouterOS commit-confirm: the device restores itself after this


@dataclass
class Work:
    """One device's context: where it is, how to reach it, what it should be."""

    inv: Inventory
    device: Device
    secrets: dict[str, Any]
    options: Options
    rendered: str | None = None  # the intended configuration, if the runner rendered it already

    @cached_property
    def ep(self) -> Endpoint:
        return endpoint_for(self.inv, self.device, self.secrets)

    @cached_property
    def driver(self) -> Driver:
        return driver_for(self.device.platform, guard_minutes=self.options.guard_minutes)

    @property
    def store(self) -> BackupStore:
        if self.options.store is None:
            self.options.store = BackupStore()
        return self.options.store

    def intended(self) -> str:
        return self._intended

    @cached_property
    def _intended(self) -> str:
        if self.rendered is not None:
            return self.rendered
        return render_mod.render_device(self.inv, self.device, self.secrets, masked=False).text

    def secret_values(self) -> list[str]:
        return render_mod.secret_values(self.secrets)

    def clean(self, raw: str) -> str:
        return strip_noise(self.device.platform, raw, self.secret_values())

    def result(self, operation: str) -> DeviceResult:
        return DeviceResult(
            device=self.device.name,
            site=self.device.site,
            operation=operation,
            platform=self.device.platform,
            check=self.options.check,
        )

    def fetch(self, conn: Any) -> str:
        return self.clean(self.driver.fetch(conn, self.options.timeouts))


def _finish(res: DeviceResult, secrets: list[str]) -> DeviceResult:
    res.commands = [scrub(c, secrets) for c in res.commands]
    res.diff = scrub(res.diff, secrets)
    if res.error:
        res.error = scrub(res.error, secrets)
    res.finished = now()
    return res


def _guard(work: Work, res: DeviceResult, body: Callable[[], None]) -> DeviceResult:
    try:
        body()
    except DigikelError as exc:
        res.failed, res.error = True, str(exc)
    except Exception as exc:  # a device surprise must not stop the other devices
        res.failed, res.error = True, f"{work.device.name}: {type(exc).__name__}: {first_line(exc)}"
    return _finish(res, work.secret_values())


# --- per device ------------------------------------------------------------------------------


def backup_device(work: Work) -> DeviceResult:
    res = work.result("backup")

    def body() -> None:
        with connect(work.ep, work.options.timeouts) as conn:
            text = work.fetch(conn)
        if work.options.check:
            res.notes.append("check: fetched, not stored")
            return
        before = work.store.revisions(work.device.site, work.device.name, work.device.platform, 1)
        res.backup = work.store.save(work.device.site, work.device.name, work.device.platform, text)
        res.changed = not before or before[0].commit != res.backup

    return _guard(work, res, body)


def diff_device(work: Work) -> DeviceResult:
    res = work.result("diff")

    def body() -> None:
        with connect(work.ep, work.options.timeouts) as conn:
            running = work.fetch(conn)
        intended = work.intended()
        res.commands = work.driver.plan(
            running, intended, rotate_secrets=work.options.rotate_secrets
        )
        res.diff = work.driver.readable_diff(running, intended)
        res.changed = bool(res.commands)  # "would change"
        _note_unmanaged(work, res, running, intended)

    return _guard(work, res, body)


def push_device(work: Work) -> DeviceResult:
    """Plan and change one device (both steps at once; the runner schedules them apart)."""
    return change(work, prepare(work, "push"))


def rollback_device(work: Work) -> DeviceResult:
    return change(work, prepare(work, "rollback"))


@dataclass
class Prepared:
    """A device planned: its backup taken, its commands worked out; `done` if nothing to send."""

    res: DeviceResult
    before: str = ""
    target: str = ""
    prune: bool = False
    done: bool = True
    after: str | None = None  # what the guard's new session read after the change
    # The commands as sent, secrets included; res.commands is scrubbed for the report.
    commands: list[str] = field(default_factory=list)


def prepare(work: Work, operation: str) -> Prepared:
    """Step 1 (one session, read-only but for the backup store): fetch, back up, plan."""
    res = work.result(operation)
    prepared = Prepared(res)

    def body() -> None:
        d, opts = work.device, work.options
        with connect(work.ep, opts.timeouts) as conn:
            before = work.fetch(conn)
            if operation == "rollback":
                commit, text = _rollback_source(work, before)
                res.notes.append(f"restoring backup {commit[:12]}")
                target = _with_vault_secrets(work, text)
            else:
                target = work.intended()
            # Restoring a backup means exactly that state: what it lacks goes.
            prune = opts.prune or operation == "rollback"
            prepared.commands = work.driver.plan(
                before, target, rotate_secrets=opts.rotate_secrets, prune=prune
            )
            if operation == "push" and prepared.commands:
                # The device's own facts, in the same session and only when there is something
                # to send: a wrong or old device is refused before its site changes, and a pass
                # with nothing to change costs what a backup costs.
                from digikel.network.facts import preflight_session

                preflight_session(work, conn)
        if not opts.check:
            res.backup = work.store.save(
                d.site, d.name, d.platform, before, reason=f"pre-{operation} backup"
            )
        res.commands = list(prepared.commands)
        res.diff = work.driver.readable_diff(before, target)
        if not prune:
            _note_unmanaged(work, res, before, target)
        res.changed = bool(res.commands) and opts.check  # "would change"
        prepared.before, prepared.target, prepared.prune = before, target, prune
        prepared.done = opts.check or not res.commands

    _guard(work, res, body)
    if res.failed:
        prepared.done = True
    return prepared


def change(work: Work, prepared: Prepared) -> DeviceResult:
    """Step 2 (its own session): apply the plan under the commit guard, record the result.

    The device is read again first: if it changed since it was planned, it is planned again
    from what it holds now, never changed from a stale plan.
    """
    res = prepared.res
    if prepared.done:
        return res if res.finished else _finish(res, work.secret_values())

    def body() -> None:
        d, opts = work.device, work.options
        interrupt.check(d.name)
        with connect(work.ep, opts.timeouts) as conn:
            current = work.fetch(conn)
            if current != prepared.before:
                res.notes.append("the device changed since it was planned: planned again")
                prepared.before = current
                res.backup = work.store.save(
                    d.site, d.name, d.platform, current, reason=f"pre-{res.operation} backup"
                )
                prepared.commands = work.driver.plan(
                    current,
                    prepared.target,
                    rotate_secrets=opts.rotate_secrets,
                    prune=prepared.prune,
                )
                res.commands = list(prepared.commands)
                res.diff = work.driver.readable_diff(current, prepared.target)
                if not prepared.commands:
                    return
            _apply(work, res, conn, prepared)
        if not res.failed:
            _record_after(work, res, prepared)

    return _guard(work, res, body)


def _apply(work: Work, res: DeviceResult, conn: Any, prepared: Prepared) -> None:
    try:
        prepared.after = work.driver.apply(conn, prepared.commands, work.ep, work.options.timeouts)
    except Exception as exc:
        res.failed = True
        res.error = str(exc) if isinstance(exc, DigikelError) else first_line(exc)
        res.restored = restore(work, prepared.before)
        res.error += (
            "; the device is back on its configuration from before the change"
            if res.restored
            else "; the device could NOT be shown back on its earlier configuration: "
            "check it by hand (`digikel network diff`)"
        )


def _record_after(work: Work, res: DeviceResult, prepared: Prepared) -> None:
    """Records come from what a NEW session reads after the change, never from what was sent."""
    d = work.device
    seen = prepared.after
    after = work.clean(seen) if seen is not None else _fetch_fresh(work)
    res.changed = after != prepared.before
    if res.changed:
        # The new state is history too: `rollback` (previous) goes back to the one before it.
        work.store.save(d.site, d.name, d.platform, after, reason=f"post-{res.operation} backup")
    left = work.driver.plan(after, prepared.target, prune=prepared.prune)
    if left:
        res.failed = True
        res.error = f"{d.name}: {len(left)} command(s) still pending after the change: {left[:3]}"


def _note_unmanaged(work: Work, res: DeviceResult, running: str, intended: str) -> None:
    """Drift digikel leaves alone: items it does not manage (removed only with --prune)."""
    extra = work.driver.unmanaged(running, intended)
    if extra and not work.options.prune:
        res.notes.append(
            f"{len(extra)} item(s) digikel does not manage, left alone (--prune removes them): "
            + "; ".join(extra[:5])
            + (" ..." if len(extra) > 5 else "")
        )


def verify_device(work: Work) -> DeviceResult:
    res = work.result("verify")

    def body() -> None:
        hostvars = work.inv.hostvars(work.device.name)
        with connect(work.ep, work.options.timeouts) as conn:
            running = work.fetch(conn)
            intended = work.intended()
            pending = work.driver.plan(running, intended)
            res.checks = verify.run_checks(
                work.driver,
                conn,
                work.device,
                hostvars,
                running,
                intended,
                pending,
                work.options.timeouts,
            )

    return _guard(work, res, body)


def _rollback_source(work: Work, current: str) -> tuple[str, str]:
    """The backup to restore: `previous` is the newest backup that differs from what the device
    runs now (the state before its last change)."""
    d = work.device
    if work.options.revision != "previous":
        return work.store.read(d.site, d.name, d.platform, work.options.revision)
    for rev in work.store.revisions(d.site, d.name, d.platform):
        commit, text = work.store.read(d.site, d.name, d.platform, rev.commit)
        if text != current:
            return commit, text
    raise InputError(
        f"{d.name}: no backup in {work.store.root} differs from its running configuration"
    )


def _with_vault_secrets(work: Work, backup_text: str) -> str:
    """A backup lacks secrets; what it re-creates takes them from the vault.

    RouterOS: sensitive properties of same-identity items. IOS: the `snmp-server user` lines
    (fetched from `show snmp user`, without their keys) become the intended full lines.
    """
    if work.device.platform == "ios":
        return ios_config.fill_snmp_users(backup_text, work.intended())
    if work.device.platform != "routeros":
        return backup_text
    target = routeros_config.parse(backup_text)
    intended = routeros_config.parse(work.intended())
    return routeros_config.fill_secrets(target, intended).text()


def _fetch_fresh(work: Work) -> str:
    """The running config from a new session, retried while the device comes back (a guard
    that loads its backup reboots the device: real gear takes a minute or two)."""

    def fetch() -> str:
        with connect(work.ep, work.options.timeouts) as conn:
            return work.fetch(conn)

    return _retried(work, fetch)


def _retried(work: Work, step: Callable[[], T]) -> T:
    deadline = time.monotonic() + work.options.reboot_wait
    attempt = 0
    while True:
        try:
            return step()
        except Exception:
            attempt += 1
            if attempt >= work.options.reconnect_attempts and time.monotonic() > deadline:
                raise
            time.sleep(min(1.0 + attempt, 10.0))


def restore(work: Work, backup: str) -> bool:
    """Return the device to `backup`; True only if it then shows exactly the backup.

    Safe mode or the IOS revert usually did it already; otherwise what is left (earlier
    safe-mode batches) is pushed back through the differ.
    """
    target = _with_vault_secrets(work, backup)
    try:
        _retried(work, lambda: work.driver.recover(work.ep, work.options.timeouts))
        current = _fetch_fresh(work)
        if work.device.platform == "ios":
            target = ios_config.keep_archive(target, current)
        if work.driver.plan(current, target, prune=True):
            with connect(work.ep, work.options.timeouts) as conn:
                cmds = work.driver.plan(work.fetch(conn), target, prune=True)
                if cmds:
                    work.driver.apply(conn, cmds, work.ep, work.options.timeouts)
            current = _fetch_fresh(work)
        if work.device.platform == "ios":
            return not work.driver.plan(current, target)
        return same_config(work.device.platform, current, backup)
    except Exception:
        return False


OPERATIONS: dict[str, Callable[[Work], DeviceResult]] = {
    "backup": backup_device,
    "diff": diff_device,
    "push": push_device,
    "verify": verify_device,
    "rollback": rollback_device,
}
