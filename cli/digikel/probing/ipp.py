"""Talk real IPP to a printer with CUPS' `ipptool`: the rollout's verify and the lab's checks."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from digikel.errors import DigikelError

_ATTRIBUTE = re.compile(r"^\s+([a-z0-9-]+) \(([^)]+)\) = (.*)$")


@dataclass(frozen=True)
class IppResult:
    """What ipptool saw: whether every test of the file passed, and the attributes it got."""

    ok: bool
    attributes: dict[str, list[str]] = field(default_factory=dict)
    output: str = ""

    def first(self, name: str) -> str | None:
        values = self.attributes.get(name)
        return values[0] if values else None


def _ipptool() -> str:
    binary = shutil.which("ipptool")
    if binary is None:
        raise DigikelError("ipptool is not installed (package cups-ipp-utils)")
    return binary


def _run(args: list[str], timeout: float) -> IppResult:
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        output = exc.stdout if isinstance(exc.stdout, str) else ""
        return IppResult(False, {}, f"{output}\nipptool timed out after {timeout:g} s")
    attributes: dict[str, list[str]] = {}
    for line in done.stdout.splitlines():
        match = _ATTRIBUTE.match(line)
        if match:
            attributes.setdefault(match.group(1), []).append(match.group(3))
    return IppResult(done.returncode == 0, attributes, done.stdout + done.stderr)


def printer_attributes(uri: str, timeout: float = 15.0) -> IppResult:
    """Get-Printer-Attributes (ipptool's standard get-printer-attributes.test)."""
    io_timeout = str(max(1, int(timeout / 2)))
    return _run([_ipptool(), "-tv", "-T", io_timeout, uri, "get-printer-attributes.test"], timeout)


def print_document(uri: str, document: Path, timeout: float = 60.0) -> IppResult:
    """Print-Job, then Get-Job-Attributes until the job is finished (print-job-and-wait.test).

    ok means the printer accepted the job and it ended `completed`; the attribute job-state holds
    every state seen on the way.
    """
    args = [_ipptool(), "-tv", "-T", "10", "-f", str(document), uri, "print-job-and-wait.test"]
    result = _run(args, timeout)
    completed = (result.attributes.get("job-state") or [""])[-1] == "completed"
    return IppResult(result.ok and completed, result.attributes, result.output)
