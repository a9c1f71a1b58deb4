"""Hand changes on a lab site's endpoints, as a field engineer makes them (`digikel lab drift`).

Each change happens inside the counter PC's container (`podman exec`, as root on the PC): the
browser's managed policy edited in place, a printer queue deleted with `lpadmin -x`. The network
changes are the lab's (digikel/lab/drift.py).
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from digikel.errors import DigikelError, InputError

if TYPE_CHECKING:
    from digikel.inventory.model import Site

POLICY_FILE = "/etc/chromium/policies/managed/digikel-counter.json"
# What the engineer set: another home page, and the developer tools back on.
POLICY_EDIT = {"HomepageLocation": "https://www.google.com/", "DeveloperToolsAvailability": 1}
ENDPOINT_DRIFTS = ("browser-policy", "printer-queue")


@dataclass(frozen=True)
class HandChange:
    """One change made by hand (the shape of digikel.lab.drift.HandChange: lab and labsvc do
    not import each other)."""

    kind: str
    target: str  # the host changed
    detail: str

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "target": self.target, "detail": self.detail}


_EDIT_SCRIPT = """
import json, sys
path, edit = sys.argv[1], json.loads(sys.argv[2])
with open(path) as f:
    policy = json.load(f)
policy.update(edit)
with open(path, "w") as f:
    json.dump(policy, f, indent=2)
"""


def _exec(container: str, *argv: str) -> str:
    try:
        done = subprocess.run(
            ["podman", "exec", container, *argv],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise DigikelError(f"{container}: podman exec: {exc}") from None
    if done.returncode != 0:
        raise DigikelError(
            f"{container}: {' '.join(argv[:3])} failed: {(done.stderr or done.stdout).strip()}"
        )
    return done.stdout


def container_of(host: str, state_dir: Path | str | None = None) -> str:
    from digikel.labsvc.instance import lab_instance

    return lab_instance(state_dir).container(host)


def edit_browser_policy(host: str, state_dir: Path | str | None = None) -> HandChange:
    """Edit the counter's managed chromium policy in place (another home page, dev tools on)."""
    container = container_of(host, state_dir)
    _exec(container, "test", "-f", POLICY_FILE)
    _exec(container, "python3", "-c", _EDIT_SCRIPT, POLICY_FILE, json.dumps(POLICY_EDIT))
    detail = f"{POLICY_FILE}: " + ", ".join(f"{k}={v}" for k, v in POLICY_EDIT.items())
    return HandChange("browser-policy", host, detail)


def printer_queues(host: str, state_dir: Path | str | None = None) -> list[str]:
    """The CUPS queues on the counter PC (`lpstat -e`)."""
    return _exec(container_of(host, state_dir), "lpstat", "-e").split()


def delete_printer_queue(
    host: str, queue: str | None = None, state_dir: Path | str | None = None
) -> HandChange:
    """Delete a printer queue on the counter PC (`lpadmin -x`): `queue`, else its first."""
    queues = printer_queues(host, state_dir)
    if not queues:
        raise InputError(f"{host}: no printer queue to delete")
    chosen = queue or queues[0]
    if chosen not in queues:
        raise InputError(f"{host}: no queue {chosen!r} (it has {', '.join(queues)})")
    _exec(container_of(host, state_dir), "lpadmin", "-x", chosen)
    return HandChange("printer-queue", host, f"lpadmin -x {chosen}")


def drift_endpoints(
    host: str,
    kinds: tuple[str, ...] = ENDPOINT_DRIFTS,
    state_dir: Path | str | None = None,
) -> list[HandChange]:
    """Make the hand changes `kinds` on one counter PC's container."""
    made = []
    for kind in kinds:
        if kind == "browser-policy":
            made.append(edit_browser_policy(host, state_dir))
        elif kind == "printer-queue":
            made.append(delete_printer_queue(host, state_dir=state_dir))
        else:
            raise InputError(
                f"unknown endpoint drift {kind!r}: expected one of {', '.join(ENDPOINT_DRIFTS)}"
            )
    return made


def running_counter(site: Site, state_dir: Path | str | None = None) -> str:
    """The site's first counter PC whose container runs (`digikel lab drift SITE`'s target)."""
    from digikel.labsvc.containers import containers_status

    counters = [d.name for d in site.devices if d.role == "counter"]
    running = {s.name for s in containers_status(counters, state_dir=state_dir) if s.ready}
    for host in counters:
        if host in running:
            return host
    raise InputError(
        f"{site.slug}: no counter PC container runs; start one with "
        f"`digikel lab services up --site {site.slug} --only containers`"
    )
