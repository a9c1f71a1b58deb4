"""The device's own facts (model, software version, serial, packages) and the preflight check.

RouterOS: `/system resource print` (`version: 7.16.2 (stable)`, `board-name: RB5009UG+S+IN`),
`/system routerboard print` (`serial-number:`) and `/system package print terse` (`name=...`);
IOS: `show version` (`Version 15.2(7)E10,`, `Model number : C1000-24P-4G-L`, `System serial number
: FOC...`). The inventory states per model the oldest version and the packages the templates need
(`inventory/city.yml`, `models:`, `min_version`, `packages`). `check` refuses (InputError, exit 2)
a different model, an older version, a missing package, saying what to upgrade.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from digikel.errors import InputError

if TYPE_CHECKING:
    from digikel.inventory.model import Device, Inventory

Run = Callable[[str], str]


@dataclass
class Facts:
    model: str | None = None
    version: str | None = None
    serial: str | None = None
    packages: list[str] = field(default_factory=list)


def _field(text: str, name: str) -> str | None:
    match = re.search(rf"^\s*{re.escape(name)}\s*:\s*(.+?)\s*$", text, re.MULTILINE)
    return match.group(1) if match else None


def read_routeros(run: Run) -> Facts:
    resource = run("/system resource print")
    board = run("/system routerboard print")
    packages = run("/system package print terse")
    version = _field(resource, "version")
    return Facts(
        model=_field(resource, "board-name") or _field(board, "model"),
        version=version.split()[0] if version else None,
        serial=_field(board, "serial-number"),
        packages=re.findall(r"\bname=(\S+)", packages),
    )


def read_ios(run: Run) -> Facts:
    return parse_show_version(run("show version"))


def parse_show_version(text: str) -> Facts:
    version = re.search(r"Cisco IOS Software.*?Version ([^,\s]+)", text)
    return Facts(
        model=_field(text, "Model number"),
        version=version.group(1) if version else None,
        serial=_field(text, "System serial number"),
    )


def version_key(version: str) -> tuple[int | str, ...]:
    """Comparable key: `7.13` < `7.16.2`; `15.2(7)E4` < `15.2(7)E10`."""
    return tuple(int(p) if p.isdigit() else p for p in re.findall(r"\d+|[A-Za-z]+", version))


def read(platform: str, run: Run) -> Facts:
    return read_routeros(run) if platform == "routeros" else read_ios(run)


def check(inv: Inventory, device: Device, found: Facts) -> None:
    """Refuse a device that is not the inventory's model, or runs older software than the
    inventory's minimum for the model, or lacks a package the templates need."""
    where = f"inventory/city.yml models: {device.model!r}"
    if found.model and found.model.lower() != device.model.lower():
        raise InputError(
            f"{device.name}: the device reports model {found.model!r}, the inventory says "
            f"{device.model!r}: the wrong box, or the inventory is wrong; nothing was changed"
        )
    spec = inv.city.models.get(device.model)
    if spec is None:
        return
    old = found.version and spec.min_version
    if old and version_key(str(found.version)) < version_key(str(spec.min_version)):
        what = "RouterOS" if device.platform == "routeros" else "IOS"
        raise InputError(
            f"{device.name}: runs {what} {found.version}, {where} needs at least "
            f"{spec.min_version}: upgrade the device's {what} (and its packages) to "
            f"{spec.min_version} or newer first; nothing was changed"
        )
    missing = [p for p in spec.packages if p not in found.packages]
    if missing and device.platform == "routeros":
        raise InputError(
            f"{device.name}: package(s) {', '.join(missing)} missing ({where} expects "
            f"{', '.join(spec.packages)}): install them (System > Packages, same version as "
            f"routeros {found.version}) first; nothing was changed"
        )


class PreflightRefused(InputError):
    """The device is not what the inventory says, or runs too old software: nothing changed."""


PREFLIGHT = "preflight refused"
_STORE_LOCK = threading.Lock()
_STORES: dict[str, Any] = {}


def _store() -> Any:
    """The store, opened (and migrated) once per process and store URL, not once per device."""
    from digikel.store import open_store

    key = os.environ.get("DIGIKEL_DB_URL", "") + "|" + os.environ.get("DIGIKEL_CONFIG", "")
    if key not in _STORES:
        _STORES[key] = open_store()
    return _STORES[key]


def preflight(
    inv: Inventory, device: Device, run: Run, *, record: bool = True, run_id: int | None = None
) -> Facts:
    """Read the device's facts, record model and serial in the store, refuse a wrong or old
    device (PreflightRefused, whose message starts with `preflight refused`)."""
    found = read(device.platform, run)
    if record:
        from digikel.store import DeviceFacts

        with _STORE_LOCK:
            _store().record_device_facts(
                device.site,
                [
                    DeviceFacts(
                        device=device.name,
                        model=found.model,
                        serial=found.serial,
                        detail=f"preflight; version={found.version}",
                    )
                ],
                run_id=run_id,
            )
    try:
        check(inv, device, found)
    except InputError as exc:
        raise PreflightRefused(f"{PREFLIGHT}: {exc}") from None
    return found


def preflight_session(work: Any, conn: Any) -> Facts:
    """The push's preflight (operations.prepare) on its open session; nothing recorded for a
    --check run."""
    from digikel.network.connection import run_command

    timeouts = work.options.timeouts
    return preflight(
        work.inv,
        work.device,
        lambda command: run_command(conn, command, timeouts),
        record=not work.options.check,
    )
