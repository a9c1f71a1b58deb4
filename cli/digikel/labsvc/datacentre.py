"""Start, stop and fault the data-centre stand-in (see dcserver.py for the process itself)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from digikel.errors import DigikelError, InputError
from digikel.labsvc.addresses import LAB_PLAN, DatacentrePlan
from digikel.labsvc.state import live_pid, resolve_state_dir, tail, terminate, write_pid
from digikel.labsvc.tls import issue_certificate, lab_ca_path

if TYPE_CHECKING:
    from digikel.inventory.model import Inventory

SERVER_MODULE = "digikel.labsvc.dcserver"
FAULT_MODES = ("refuse", "error")
QUEUE_ID = "queue"


@dataclass(frozen=True)
class ListenerStatus:
    id: str
    kind: str  # "application" | "queue"
    name: str
    address: str
    port: int
    url: str
    state: str  # "up" | "failing" | "refusing" | "error" | "stopped"
    fault: str | None = None
    error: str | None = None

    def as_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class DatacentreStatus:
    running: bool
    pid: int | None
    state_dir: str
    ca: str
    listeners: list[ListenerStatus] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "running": self.running,
            "pid": self.pid,
            "state_dir": self.state_dir,
            "ca": self.ca,
            "listeners": [item.as_dict() for item in self.listeners],
        }


def _dir(state_dir: Path) -> Path:
    return state_dir / "datacentre"


def _marker(state_dir: Path) -> str:
    return str(_dir(state_dir) / "config.json")


def build_config(
    inv: Inventory, state_dir: Path, plan: DatacentrePlan = LAB_PLAN, portal: bool = True
) -> dict[str, Any]:
    """What the server process serves: one listener per application, one for the queue pages,
    the portal's launcher pages unless the dc-portal01 container serves them (portal=False), and
    a certificate whose names cover the real host names and the lab addresses."""
    listeners: list[dict[str, Any]] = []
    for index, app in enumerate(inv.applications, start=1):
        listeners.append(
            {
                "kind": "application",
                "id": app.id,
                "name": app.name,
                "department": app.department,
                "purpose": app.purpose,
                "url": app.url,
                "address": str(plan.application(index)),
                "port": plan.port,
            }
        )
    listeners.append(
        {
            "kind": "queue",
            "id": QUEUE_ID,
            "name": "Queue-calling pages",
            "url": inv.city.queue_url,
            "address": str(plan.queue),
            "port": plan.port,
        }
    )
    if portal:
        listeners.append(
            {
                "kind": "portal",
                "id": "portal",
                "name": "Portal Layanan Terpadu",
                "url": inv.city.portal_url,
                "address": str(plan.portal),
                "port": plan.port,
            }
        )
    names = sorted(
        {urlsplit(u).hostname or "" for u in (inv.city.queue_url, inv.city.portal_url)}
        | {urlsplit(a.url).hostname or "" for a in inv.applications} - {""}
    )
    ips = [listener["address"] for listener in listeners] + [str(plan.portal)]
    directory = _dir(state_dir)
    return {
        "plan": plan.as_dict(),
        "listeners": listeners,
        "sites": [
            {
                "slug": s.slug,
                "name": s.name,
                "kecamatan": s.kecamatan,
                "number": s.number,
                "hidden": list(s.hidden_applications),
            }
            for s in inv.sites
        ],
        "applications": [a.model_dump() for a in inv.applications],
        "dns_names": names,
        "ip_addresses": ips,
        "faults": str(directory / "faults.json"),
        "applied": str(directory / "applied.json"),
    }


def _read_json(path: Path) -> dict[str, Any]:
    try:
        doc = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return doc if isinstance(doc, dict) else {}


def start_datacentre(
    inv: Inventory,
    state_dir: Path | str | None = None,
    timeout: float = 30.0,
    plan: DatacentrePlan | None = None,
    portal: bool = True,
) -> DatacentreStatus:
    """Start the server (idempotent: a running one with the same config is kept; a changed
    inventory restarts it) and wait until every listener is in its expected state. Without a
    plan, the lab instance's (see instance.py: the lab plan for the operator's lab)."""
    from digikel.labsvc.instance import lab_instance

    directory = resolve_state_dir(state_dir)
    if plan is None:
        plan = lab_instance(directory).plan
    dc_dir = _dir(directory)
    dc_dir.mkdir(parents=True, exist_ok=True)
    config = build_config(inv, directory, plan, portal)
    cert, key = issue_certificate(
        directory, "datacentre", config["dns_names"], config["ip_addresses"]
    )
    config.update(cert=str(cert), key=str(key))
    config_path = dc_dir / "config.json"
    pid_file = dc_dir / "pid"
    running = live_pid(pid_file, _marker(directory))
    if running is not None:
        if _read_json(config_path) == config:
            return datacentre_status(directory)
        terminate(pid_file, _marker(directory))
    tmp = config_path.with_suffix(".tmp")
    tmp.write_text(json.dumps(config, indent=1))
    os.replace(tmp, config_path)
    applied = Path(config["applied"])
    applied.unlink(missing_ok=True)
    log_path = dc_dir / "server.log"
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", SERVER_MODULE, str(config_path)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    write_pid(pid_file, process.pid)
    deadline = time.monotonic() + timeout
    while _read_json(applied).get("pid") != process.pid:
        if process.poll() is not None or time.monotonic() > deadline:
            terminate(pid_file, _marker(directory))
            raise DigikelError(f"the data-centre stand-in did not start:\n{tail(log_path)}")
        time.sleep(0.05)
    status = datacentre_status(directory)
    broken = [f"{item.id}: {item.error}" for item in status.listeners if item.state == "error"]
    if broken:
        terminate(pid_file, _marker(directory))
        raise DigikelError("the data-centre stand-in cannot listen:\n  " + "\n  ".join(broken))
    return status


def stop_datacentre(state_dir: Path | str | None = None) -> bool:
    """Stop the server; False when it was not running. Faults stay recorded for the next start."""
    directory = resolve_state_dir(state_dir)
    return terminate(_dir(directory) / "pid", _marker(directory))


def datacentre_status(state_dir: Path | str | None = None) -> DatacentreStatus:
    directory = resolve_state_dir(state_dir)
    dc_dir = _dir(directory)
    pid = live_pid(dc_dir / "pid", _marker(directory))
    config = _read_json(dc_dir / "config.json")
    faults = _read_json(dc_dir / "faults.json").get("applications", {})
    applied = _read_json(dc_dir / "applied.json") if pid is not None else {}
    states = {row["id"]: row for row in applied.get("listeners", [])}
    listeners = []
    for item in config.get("listeners", []):
        row = states.get(item["id"], {})
        listeners.append(
            ListenerStatus(
                id=item["id"],
                kind=item["kind"],
                name=item["name"],
                address=item["address"],
                port=int(item["port"]),
                url=item["url"],
                state=row.get("state", "stopped"),
                fault=faults.get(item["id"]),
                error=row.get("error"),
            )
        )
    return DatacentreStatus(
        running=pid is not None,
        pid=pid,
        state_dir=str(directory),
        ca=str(lab_ca_path(directory)),
        listeners=listeners,
    )


def set_application_fault(
    app_id: str,
    mode: str | None,
    state_dir: Path | str | None = None,
    timeout: float = 10.0,
) -> DatacentreStatus:
    """Make an application (or "queue", the queue pages) refuse connections (mode "refuse"),
    answer HTTP 503 (mode "error"), or serve normally again (mode None).

    Recorded in the state directory, so a fault survives a restart of the stand-in; applied at
    once (this returns when the server has applied it) when the stand-in is running."""
    directory = resolve_state_dir(state_dir)
    dc_dir = _dir(directory)
    if mode is not None and mode not in FAULT_MODES:
        raise InputError(f"fault mode {mode!r}: expected one of {', '.join(FAULT_MODES)}")
    known = [item["id"] for item in _read_json(dc_dir / "config.json").get("listeners", [])]
    if not known:
        raise DigikelError(
            "the data-centre stand-in was never started in "
            f"{directory}: run `digikel lab services up` first"
        )
    if app_id not in known:
        raise InputError(f"unknown application {app_id!r}: expected one of {', '.join(known)}")
    faults_path = dc_dir / "faults.json"
    doc = _read_json(faults_path)
    generation = int(doc.get("generation", 0)) + 1
    applications = dict(doc.get("applications", {}))
    if mode is None:
        applications.pop(app_id, None)
    else:
        applications[app_id] = mode
    tmp = faults_path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"generation": generation, "applications": applications}, indent=1))
    os.replace(tmp, faults_path)
    pid = live_pid(dc_dir / "pid", _marker(directory))
    if pid is not None:
        os.kill(pid, signal.SIGHUP)
        deadline = time.monotonic() + timeout
        while int(_read_json(dc_dir / "applied.json").get("generation", -1)) < generation:
            if time.monotonic() > deadline:
                raise DigikelError(
                    f"the data-centre stand-in did not apply the fault in {timeout:g} s"
                )
            time.sleep(0.05)
    return datacentre_status(directory)


def datacentre_plan(state_dir: Path | str | None = None) -> DatacentrePlan:
    """The plan the stand-in of this state directory serves (its lab instance's if never
    started)."""
    from digikel.labsvc.instance import lab_instance

    directory = resolve_state_dir(state_dir)
    config = _read_json(_dir(directory) / "config.json")
    return (
        DatacentrePlan.from_dict(config["plan"])
        if "plan" in config
        else lab_instance(directory).plan
    )


def portal_certificate(inv: Inventory, state_dir: Path | str | None = None) -> tuple[Path, Path]:
    """A lab-CA certificate and key for the portal container (dc-portal01): its real host name
    and its lab address, so that `probe` of a portal URL verifies as it does for applications.
    The portal role is given these files in the lab; production has its own certificate."""
    host = urlsplit(inv.city.portal_url).hostname or ""
    directory = resolve_state_dir(state_dir)
    return issue_certificate(directory, "portal", [host], [str(datacentre_plan(directory).portal)])
