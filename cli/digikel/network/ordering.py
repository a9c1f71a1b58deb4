"""Changes land in a site's order while the reads before them overlap.

Inside a site, changes go to the access devices first and to the router last, so the devices
behind the gateway are already right when its change lands. Connecting, backing up and working
out the change need no order, so every device of a site does those at once; before sending its
first command a device waits until every device before it in the site's order has finished (ok
or failed). A site with nothing to change then costs one device's time, not the sum of them.

No deadlock with a bounded pool: devices are submitted in site order to a FIFO pool and wait
only for devices submitted before them, which are therefore already running or finished.
"""

from __future__ import annotations

import threading
from collections.abc import Callable


class SiteOrder:
    def __init__(self, count: int) -> None:
        self._finished = [threading.Event() for _ in range(count)]

    def gate(self, index: int) -> Callable[[], None]:
        """What device `index` calls right before its first change."""

        def wait_for_earlier() -> None:
            for event in self._finished[:index]:
                event.wait()

        return wait_for_earlier

    def finished(self, index: int) -> None:
        self._finished[index].set()
