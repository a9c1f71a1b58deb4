"""The commit guard's pure steps: when a backup load counts as loaded, how uptime is read."""

from __future__ import annotations

import pytest

from digikel.network import routeros_guard as guard
from digikel.network.connection import DeviceError, Timeouts


class Channel:
    """A session that replies with fixed text or raises (the device already cut it)."""

    def __init__(self, reply: str | Exception) -> None:
        self.reply, self.written = reply, []
        self.remote_conn = None

    def write_channel(self, text: str) -> None:
        self.written.append(text)

    def read_until_pattern(self, pattern: str, read_timeout: float) -> str:
        if isinstance(self.reply, Exception):
            raise self.reply
        return self.reply


TIMEOUTS = Timeouts(connect=1.0, command=1.0)


def test_a_load_the_device_asked_about_is_confirmed_with_y():
    conn = Channel("/system backup load name=digikel-guard.backup\r\nRestore and reboot? [y/N]: ")
    guard.revert_now(conn, TIMEOUTS)
    assert conn.written[-1] == "y"


@pytest.mark.parametrize(
    "reply",
    [
        OSError("Socket is closed"),  # the session was gone although it looked open
        "failure: no such file\r\n[admin@rtr01] > ",  # the device refused the load
    ],
)
def test_a_load_the_device_never_asked_about_raises_so_a_new_session_loads(reply):
    conn = Channel(reply)
    with pytest.raises((DeviceError, OSError)):
        guard.revert_now(conn, TIMEOUTS)
    assert "y" not in conn.written


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("0s", 0), ("59s", 59), ("4m5s", 245), ("1w2d3h4m5s", 788645), ("2d", 172800), ("", None)],
)
def test_routeros_durations(text, seconds):
    assert guard.duration_seconds(text) == seconds
