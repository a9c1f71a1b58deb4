"""Checks of what must answer at a site: printers over IPP, the portal and OPD applications.

Both are probed from the machine digikel runs on (at the site, or over the VPN). In the lab the
probes reach the lab's stand-ins, with TLS still verified against the lab's own CA.
"""

from __future__ import annotations

import shutil
import subprocess
from typing import TYPE_CHECKING

from digikel.store import Check

if TYPE_CHECKING:
    from digikel.inventory.model import Device, Inventory, Site

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


def application_checks(inventory: Inventory, site: Site) -> list[Check]:
    """The site's portal page and every OPD application it offers answer over verified HTTPS."""
    from digikel.inventory.hostvars import site_vars
    from digikel.labsvc.probe import probe

    targets = [("portal", "portal page answers", site_vars(inventory, site)["portal_url"])]
    hidden = set(site.hidden_applications)
    targets += [
        (a.id, "application answers", a.url) for a in inventory.applications if a.id not in hidden
    ]
    checks = []
    for target, name, url in targets:
        result = probe(url, inventory=inventory)
        detail = (
            f"{url}: HTTP {result.status}"
            if result.ok
            else f"{url}: {result.error or result.status}"
        )
        checks.append(Check("applications", name, result.ok, detail, target))
    return checks
