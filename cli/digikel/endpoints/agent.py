"""digikel's SSH key for the endpoints, held by an ssh-agent of the run's own.

The key comes from the vault. ansible-runner's own `ssh_key` writes it into the run's private
folder (env/ssh_key) in plain text, where run records live; an agent started here takes it on its
stdin and keeps it in memory only, and dies with the run. Ansible's ssh then authenticates through
SSH_AUTH_SOCK, exactly as with an operator's own agent.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from digikel.errors import DigikelError

_PID = re.compile(r"SSH_AGENT_PID=(\d+);")


@contextmanager
def agent_holding(private_key: str) -> Iterator[str]:
    """An ssh-agent holding `private_key`; yields its socket (for SSH_AUTH_SOCK)."""
    if shutil.which("ssh-agent") is None or shutil.which("ssh-add") is None:
        raise DigikelError(
            "ssh-agent and ssh-add are needed (Debian: apt-get install openssh-client)"
        )
    folder = Path(tempfile.mkdtemp(prefix="digikel-agent-"))
    socket = folder / "agent.sock"
    started = subprocess.run(
        ["ssh-agent", "-s", "-a", str(socket)], capture_output=True, text=True, check=False
    )
    found = _PID.search(started.stdout)
    if started.returncode != 0 or found is None:
        shutil.rmtree(folder, ignore_errors=True)
        raise DigikelError(f"ssh-agent did not start: {started.stderr.strip()}")
    pid = int(found.group(1))
    try:
        added = subprocess.run(
            ["ssh-add", "-q", "-"],
            input=private_key if private_key.endswith("\n") else private_key + "\n",
            env={**os.environ, "SSH_AUTH_SOCK": str(socket)},
            capture_output=True,
            text=True,
            check=False,
        )
        if added.returncode != 0:
            # ssh-add names no key material in its errors; never echo the input.
            raise DigikelError(
                f"the vault's endpoint SSH key is not usable: {added.stderr.strip()}"
            )
        yield str(socket)
    finally:
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        shutil.rmtree(folder, ignore_errors=True)
