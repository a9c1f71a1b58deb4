"""Checks of things that are not configured by us but must answer: printers (IPP)."""

from __future__ import annotations

import shutil
import subprocess
from typing import TYPE_CHECKING

from digikel.store import Check

if TYPE_CHECKING:
    from digikel.inventory.model import Device

IPP_TEST = "get-printer-attributes.test"


def printer_check(printer: Device, timeout: int = 10) -> Check:
    """Ask the printer for its attributes over real IPP (CUPS' ipptool)."""
    uri = f"ipp://{printer.connect_host}:{printer.connect_port}/ipp/print"
    tool = shutil.which("ipptool")
    if tool is None:
        return Check(
            "printers",
            "answers IPP",
            False,
            "ipptool is not installed (cups-ipp-utils)",
            printer.name,
        )
    try:
        run = subprocess.run(
            [tool, "-q", "-T", str(timeout), uri, IPP_TEST],
            capture_output=True,
            text=True,
            timeout=timeout + 5,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return Check(
            "printers", "answers IPP", False, f"{uri}: no answer in {timeout}s", printer.name
        )
    if run.returncode == 0:
        return Check("printers", "answers IPP", True, uri, printer.name)
    reason = (run.stderr or run.stdout).strip().splitlines()
    return Check(
        "printers",
        "answers IPP",
        False,
        f"{uri}: {reason[-1] if reason else 'failed'}",
        printer.name,
    )
