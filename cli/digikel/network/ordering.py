"""A site is planned whole before any of it changes, and its changes land in the site's order.

Inside a site, changes go to the access devices first and to the router last, so the devices
behind the gateway are already right when its change lands. Planning (connect, fetch, back up,
work out the commands) needs no order: every device's plan is a task of its own. A device's
change is a second task, which becomes ready only when every device of its site has been
planned (one that could not be reached, read or planned stops the whole site: nothing of it
changes) and every device before it in the site's order has finished changing.

No task ever waits while holding a session or a worker: a change that is not ready yet is simply
not handed out, so `workers` bounds the sessions open at once and no worker idles while work is
ready.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class SitePlan:
    """The state of one site's devices: which are planned, which must change, which are done."""

    names: list[str]
    planned: list[bool | None] = field(default_factory=list)  # None: not yet; False: failed
    needs_change: list[bool] = field(default_factory=list)
    next_change: int = 0  # index of the first device whose change is not finished
    changing: int | None = None  # the device whose change runs now

    def __post_init__(self) -> None:
        self.planned = [None] * len(self.names)
        self.needs_change = [False] * len(self.names)

    def plan_done(self, index: int, ok: bool, needs_change: bool) -> None:
        self.planned[index] = ok
        self.needs_change[index] = ok and needs_change

    @property
    def all_planned(self) -> bool:
        return None not in self.planned

    def blocked_by(self) -> list[str]:
        """The devices that could not be planned (the site then changes nothing)."""
        return [n for n, ok in zip(self.names, self.planned, strict=True) if ok is False]

    def ready_change(self) -> int | None:
        """The device whose change may start now, if any (one at a time, in the site's order)."""
        if not self.all_planned or self.blocked_by() or self.changing is not None:
            return None
        while self.next_change < len(self.names) and not self.needs_change[self.next_change]:
            self.next_change += 1
        if self.next_change >= len(self.names):
            return None
        self.changing = self.next_change
        return self.changing

    def change_done(self, index: int) -> None:
        self.needs_change[index] = False
        self.changing = None
