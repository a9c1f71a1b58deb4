"""Checks of what must answer at a site: printers over IPP, the portal and OPD applications.

Both are probed from the machine digikel runs on (at the site, or over the VPN), by the product's
own probes (digikel.probing). Where an HTTPS probe connects and which CA it trusts is the
environment's (digikel.environment): production fetches the real URL with the system's trust
store; the lab's plug-in maps it to its stand-ins, with TLS still verified for the real name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from digikel.store import Check

if TYPE_CHECKING:
    from digikel.environment import Environment
    from digikel.inventory.model import Device, Inventory, Site

IPP_TEST = "get-printer-attributes.test"
PRINTER_CHECK = "answers IPP"


def _same_model(reported: str, inventory: str) -> bool:
    return " ".join(reported.split()).casefold() == " ".join(inventory.split()).casefold()


def printer_check(printer: Device, timeout: int = 10) -> Check:
    """The printer answers over real IPP (CUPS' ipptool) at its planned address, which only its
    DHCP reservation gives it, and reports the inventory's model (printer-make-and-model)."""
    from digikel.errors import DigikelError
    from digikel.probing.ipp import printer_attributes

    planned = f"ipp://{printer.address}/ipp/print"
    if not printer.mac:
        return Check(
            "printers",
            PRINTER_CHECK,
            False,
            f"{planned}: no MAC recorded, so no DHCP reservation gives the printer this address; "
            f"record it: digikel site device {printer.site} {printer.name} --mac <MAC>",
            printer.name,
        )
    uri = f"ipp://{printer.connect_host}:{printer.connect_port}/ipp/print"
    where = planned if printer.connect_host == str(printer.address) else f"{planned} (lab {uri})"
    try:
        result = printer_attributes(uri, timeout=float(timeout))
    except DigikelError as exc:
        return Check("printers", PRINTER_CHECK, False, f"{where}: {exc}", printer.name)
    if not result.ok:
        reason = [line for line in result.output.strip().splitlines() if line.strip()]
        last = reason[-1].strip() if reason else "no answer"
        return Check("printers", PRINTER_CHECK, False, f"{where}: {last}", printer.name)
    reported = result.first("printer-make-and-model") or ""
    if not _same_model(reported, printer.model):
        return Check(
            "printers",
            PRINTER_CHECK,
            False,
            f"{where}: reports model {reported!r}, the inventory says {printer.model!r} "
            "(another printer at this address, or the inventory is wrong)",
            printer.name,
        )
    return Check("printers", PRINTER_CHECK, True, f"{where}: {reported}", printer.name)


def application_checks(inventory: Inventory, site: Site, environment: Environment) -> list[Check]:
    """The site's portal page and every OPD application it offers answer over verified HTTPS."""
    from digikel.inventory.hostvars import site_vars
    from digikel.probing.https import probe

    targets = [("portal", "portal page answers", site_vars(inventory, site)["portal_url"])]
    hidden = set(site.hidden_applications)
    targets += [
        (a.id, "application answers", a.url) for a in inventory.applications if a.id not in hidden
    ]
    checks = []
    for target, name, url in targets:
        result = probe(url, inventory=inventory, environment=environment)
        detail = (
            f"{url}: HTTP {result.status}"
            if result.ok
            else f"{url}: {result.error or result.status}"
        )
        checks.append(Check("applications", name, result.ok, detail, target))
    return checks
