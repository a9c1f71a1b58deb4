"""A site is planned whole before any of it changes, and its changes land in the site's order.

Inside a site, changes go to the access devices first and to the router last, so the devices
behind the gateway are already right when its change lands. Connecting, backing up and working
out the change need no order, so every device of a site does those at once. Before sending its
first command a device waits until every device of the site has been planned (a device whose
configuration cannot be rendered, fetched or planned stops the whole site: nothing of it
changes, rather than a switch on the new plan behind a router on the old one), then until every
device before it in the site's order has finished (ok or failed).

No deadlock with a bounded pool: a site's devices are submitted together to a FIFO pool with at
least as many workers as the site has devices (runner.py), and wait only for devices of their
own site, which are therefore already running or finished.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from digikel.errors import DigikelError


class SiteNotPlanned(DigikelError):
    """Another device of the site could not be planned: this one is left unchanged."""


class SiteOrder:
    def __init__(self, count: int, names: list[str] | None = None) -> None:
        self._finished = [threading.Event() for _ in range(count)]
        self._planned: list[bool | None] = [None] * count
        self._names = names or [str(i) for i in range(count)]
        self._all_planned = threading.Condition()

    def planned(self, index: int, ok: bool) -> None:
        """Device `index` has worked out its change (ok) or failed before it could (not ok)."""
        with self._all_planned:
            if self._planned[index] is None:
                self._planned[index] = ok
                self._all_planned.notify_all()

    def reporter(self, index: int) -> Callable[[bool], None]:
        return lambda ok: self.planned(index, ok)

    def gate(self, index: int) -> Callable[[], None]:
        """What device `index` calls right before its first change."""

        def wait_for_site() -> None:
            with self._all_planned:
                self._all_planned.wait_for(lambda: None not in self._planned)
                failed = [n for n, ok in zip(self._names, self._planned, strict=True) if not ok]
            if failed:
                raise SiteNotPlanned(
                    f"{self._names[index]}: not changed, because {', '.join(failed)} of the same "
                    "site could not be planned (a site changes whole or not at all)"
                )
            for event in self._finished[:index]:
                event.wait()

        return wait_for_site

    def finished(self, index: int) -> None:
        self.planned(index, False)  # no-op if it was planned; frees its siblings if it was not
        self._finished[index].set()
