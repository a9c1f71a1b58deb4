"""Ctrl-C and SIGTERM during a change: the change is undone on the device, never kept in half.

Netmiko's `disconnect()` ends a RouterOS session with `quit`, and RouterOS keeps safe-mode changes
on a normal quit; an IOS session that just ends leaves its revert timer running for minutes. So a
signal must not simply unwind the stack: it sets ABORTED, every device between two commands sees
it, undoes its change through its guard (Ctrl-D, `configure revert now`, the backup load) and
ends; devices that have not started changing do not start.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from digikel.errors import DigikelError

ABORTED = threading.Event()
EXIT_INTERRUPTED = 130  # the shell's code for "ended by SIGINT"


class Interrupted(DigikelError):
    """The operator (Ctrl-C) or the system (SIGTERM) asked digikel to stop."""


def check(device: str) -> None:
    """Raise Interrupted between two steps of a change once a stop was asked for."""
    if ABORTED.is_set():
        raise Interrupted(f"{device}: interrupted (Ctrl-C or SIGTERM) before the change finished")


@contextmanager
def undo_on_signals() -> Iterator[None]:
    """While changes run: SIGINT and SIGTERM ask every device to undo and stop."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def ask_to_stop(signum: int, frame: FrameType | None) -> None:
        if not ABORTED.is_set():
            sys.stderr.write(
                f"\n{signal.Signals(signum).name}: undoing the changes in progress, then "
                "stopping (devices not yet changed are left alone)...\n"
            )
        ABORTED.set()

    previous = {s: signal.signal(s, ask_to_stop) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def reset() -> None:
    """Forget an earlier stop (one CLI run, or one test, at a time)."""
    ABORTED.clear()
