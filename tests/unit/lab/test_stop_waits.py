"""`lab stop` returns only once a killed lab is gone, so its addresses are free for the next."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

from digikel.lab.runner import _exited


def test_a_live_process_has_not_exited_and_a_killed_one_has_even_unreaped() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        assert not _exited(child.pid)
        child.send_signal(signal.SIGKILL)
        deadline = time.monotonic() + 10
        while not _exited(child.pid) and time.monotonic() < deadline:
            time.sleep(0.02)
        # Not reaped yet: a zombie, whose sockets the kernel has already closed.
        assert _exited(child.pid)
    finally:
        child.kill()
        child.wait()
    assert _exited(child.pid)
