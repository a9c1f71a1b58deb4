"""Every lab printer as a real IPP Everywhere printer: one `ippeveprinter` process per printer.

ippeveprinter (cups-ipp-utils) initialises Avahi at start and exits when it cannot reach a D-Bus
system bus. The lab must not need the machine's own D-Bus or Avahi daemons, so the printers share
a private bus (a dbus-daemon of our own, socket in the state directory); with no Avahi daemon on
it ippeveprinter just skips DNS-SD announcements, which the lab does not need.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from digikel.errors import DigikelError
from digikel.labsvc.addresses import printer_endpoint
from digikel.labsvc.state import live_pid, resolve_state_dir, tail, terminate, write_pid

if TYPE_CHECKING:
    from digikel.inventory.model import Inventory, Site

# What CUPS clients send to a driverless printer (PDF, PWG raster, Apple raster), plus plain
# text so that a test page needs no conversion.
DOCUMENT_FORMATS = "application/pdf,image/pwg-raster,image/urf,image/jpeg,text/plain"
DBUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


@dataclass(frozen=True)
class PrinterSpec:
    """One lab printer: its inventory name and where the lab serves it."""

    name: str
    site: str
    site_name: str
    model: str
    host: str
    port: int

    @property
    def uri(self) -> str:
        return f"ipp://{self.host}:{self.port}/ipp/print"


@dataclass(frozen=True)
class PrinterStatus:
    name: str
    site: str
    host: str
    port: int
    uri: str
    pid: int | None
    up: bool

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def printer_specs(inv: Inventory, sites: Sequence[Site]) -> list[PrinterSpec]:
    """The lab printers of the given sites, in site order."""
    specs = []
    for site in sites:
        for device in site.devices_of("printer"):
            host, port = printer_endpoint(inv, device)
            specs.append(PrinterSpec(device.name, site.slug, site.name, device.model, host, port))
    return specs


def _printers_dir(state_dir: Path) -> Path:
    return state_dir / "printers"


def _printer_dir(state_dir: Path, name: str) -> Path:
    return _printers_dir(state_dir) / name


def _marker(state_dir: Path, name: str) -> str:
    # The spool directory is on the command line and unique per printer and state directory.
    return str(_printer_dir(state_dir, name) / "spool")


def _bus_dir(state_dir: Path) -> Path:
    return _printers_dir(state_dir) / "dbus"


def _ensure_bus(state_dir: Path) -> str:
    """The private D-Bus the printers share (started once); returns its address."""
    directory = _bus_dir(state_dir)
    config = directory / "bus.conf"
    sock = directory / "bus.sock"
    pid_file = directory / "pid"
    if live_pid(pid_file, str(config)) is not None and sock.exists():
        return f"unix:path={sock}"
    binary = shutil.which("dbus-daemon")
    if binary is None:
        raise DigikelError(
            "dbus-daemon is not installed: run scripts/setup.d/30-lab-services.sh "
            "(the lab printers need a private D-Bus)"
        )
    directory.mkdir(parents=True, exist_ok=True)
    sock.unlink(missing_ok=True)
    config.write_text(DBUS_CONFIG.format(socket=sock))
    log = directory / "dbus.log"
    with log.open("ab") as out:
        process = subprocess.Popen(
            [binary, f"--config-file={config}", "--nofork", "--nopidfile"],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    write_pid(pid_file, process.pid)
    deadline = time.monotonic() + 10
    while not sock.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            raise DigikelError(f"the lab printers' D-Bus did not start:\n{tail(log)}")
        time.sleep(0.05)
    return f"unix:path={sock}"


def _port_answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _make_and_model(model: str) -> tuple[str, str]:
    make, _, rest = model.partition(" ")
    return (make, rest) if rest else ("Generic", model or "IPP Everywhere")


def _launch(spec: PrinterSpec, state_dir: Path, bus: str, binary: str) -> subprocess.Popen[bytes]:
    directory = _printer_dir(state_dir, spec.name)
    spool = directory / "spool"
    spool.mkdir(parents=True, exist_ok=True)
    (directory / "spec.json").write_text(json.dumps(asdict(spec), indent=1))
    make, model = _make_and_model(spec.model)
    args = [
        binary,
        "-r", "off",
        "-n", "localhost",
        "-p", str(spec.port),
        "-d", str(spool),
        "-K", str(directory / "ssl"),
        # /bin/true "prints" at once, so a job reaches `completed` without waiting for the
        # simulator's default 10 s of pretend printing; the spooled document stays in spool/.
        "-c", shutil.which("true") or "/bin/true",
        "-M", make,
        "-m", model,
        "-l", f"Kantor Kelurahan {spec.site_name}",
        "-f", DOCUMENT_FORMATS,
        spec.name,
    ]  # fmt: skip
    env = {**os.environ, "DBUS_SYSTEM_BUS_ADDRESS": bus}
    with (directory / "ippeveprinter.log").open("ab") as log:
        process = subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
    write_pid(directory / "pid", process.pid)
    return process


def start_printers(
    specs: Sequence[PrinterSpec], state_dir: Path | str | None = None, timeout: float = 30.0
) -> list[PrinterStatus]:
    """Start every printer not already running (idempotent) and wait until each answers."""
    directory = resolve_state_dir(state_dir)
    binary = shutil.which("ippeveprinter")
    if binary is None:
        raise DigikelError(
            "ippeveprinter is not installed: run scripts/setup.d/30-lab-services.sh "
            "(package cups-ipp-utils)"
        )
    if not specs:
        return []
    to_start = [
        spec
        for spec in specs
        if not live_pid(_printer_dir(directory, spec.name) / "pid", _marker(directory, spec.name))
    ]
    # Refuse before starting anything (the private bus included): nothing is left behind.
    for spec in to_start:
        if _port_answers(spec.host, spec.port):
            raise DigikelError(
                f"{spec.name}: {spec.host}:{spec.port} is already taken by another process "
                "(not a lab printer of this state directory)"
            )
    if not to_start:
        return [_status(directory, spec) for spec in specs]
    bus = _ensure_bus(directory)
    started = {spec.name: _launch(spec, directory, bus, binary) for spec in to_start}
    deadline = time.monotonic() + timeout
    pending = {s.name: s for s in specs if s.name in started}
    while pending:
        for name, spec in list(pending.items()):
            if _port_answers(spec.host, spec.port):
                del pending[name]
            elif started[name].poll() is not None or time.monotonic() > deadline:
                log = _printer_dir(directory, name) / "ippeveprinter.log"
                raise DigikelError(f"lab printer {name} did not start:\n{tail(log)}")
        time.sleep(0.05)
    return [_status(directory, spec) for spec in specs]


def _status(state_dir: Path, spec: PrinterSpec) -> PrinterStatus:
    pid = live_pid(_printer_dir(state_dir, spec.name) / "pid", _marker(state_dir, spec.name))
    up = pid is not None and _port_answers(spec.host, spec.port)
    return PrinterStatus(spec.name, spec.site, spec.host, spec.port, spec.uri, pid, up)


def _known_specs(state_dir: Path) -> list[PrinterSpec]:
    specs = []
    for path in sorted(_printers_dir(state_dir).glob("*/spec.json")):
        try:
            specs.append(PrinterSpec(**json.loads(path.read_text())))
        except (OSError, ValueError, TypeError):
            continue  # a half-written spec belongs to no running printer
    return specs


def printers_status(state_dir: Path | str | None = None) -> list[PrinterStatus]:
    """Every printer this state directory has started, running or not."""
    directory = resolve_state_dir(state_dir)
    return [_status(directory, spec) for spec in _known_specs(directory)]


def stop_printers(
    state_dir: Path | str | None = None, names: Sequence[str] | None = None
) -> list[str]:
    """Stop the given printers (all without names); the private bus goes with the last one."""
    directory = resolve_state_dir(state_dir)
    stopped = []
    for spec in _known_specs(directory):
        if names is not None and spec.name not in names:
            continue
        pid_file = _printer_dir(directory, spec.name) / "pid"
        if terminate(pid_file, _marker(directory, spec.name)):
            stopped.append(spec.name)
        if names is None:
            # Forget the printer only on a full stop: one printer stopped on purpose (a lab
            # fault) still shows in status, as down.
            (_printer_dir(directory, spec.name) / "spec.json").unlink(missing_ok=True)
    if not any(s.pid for s in printers_status(directory)):
        bus = _bus_dir(directory)
        terminate(bus / "pid", str(bus / "bus.conf"))
        (bus / "bus.sock").unlink(missing_ok=True)
    return stopped


def printed_documents(name: str, state_dir: Path | str | None = None) -> list[Path]:
    """The documents a lab printer has received (its spool: the lab's output tray)."""
    spool = _printer_dir(resolve_state_dir(state_dir), name) / "spool"
    return sorted(p for p in spool.glob("*") if p.suffix != ".prn")
