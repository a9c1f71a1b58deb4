"""Which lab a state directory is: the container names and data-centre addresses it owns.

Several labs share one machine: the operator's (the quickstart's) and those the tests start, each
with a state directory of its own. What a lab holds outside its state directory must therefore
be its own too, or one lab would find, reuse or remove the other's:

- containers are named `<instance>-<host>` (the operator's lab: just `<host>`), and labelled
  `digikel.labsvc.instance=<instance>`; listing and removal see only the instance's own;
- the data-centre stand-in and the portal container's published port use the instance's plan
  (the operator's lab: the lab plan, 127.66.0/1.*:8443).

The operator's lab is the project's own state directory (`<project>/.digikel/labsvc`), with
instance name "". Any other state directory is another instance: its name and plan are those
recorded in its `instance.json` (`configure_instance`, which the tests call with addresses of their
own), else a name derived from the directory's path and the plan its data-centre stand-in was
started with (else the lab plan).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from digikel.errors import InputError
from digikel.labsvc.addresses import LAB_PLAN, DatacentrePlan
from digikel.labsvc.state import project_state_dir, resolve_state_dir

INSTANCE_FILE = "instance.json"
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,23}$")


@dataclass(frozen=True)
class Instance:
    name: str  # "" for the operator's lab
    plan: DatacentrePlan
    state_dir: Path

    def container(self, host: str) -> str:
        """The podman container that plays `host` in this lab."""
        return f"{self.name}-{host}" if self.name else host

    @property
    def portal_publish(self) -> str:
        """podman's --publish of the portal container: its 443 on the plan's portal address."""
        return f"{self.plan.portal}:{self.plan.port}:443"

    @property
    def facts_dir(self) -> Path | None:
        """Where Ansible caches this lab's facts; None: ansible.cfg's (the operator's lab).
        Hosts keep their inventory names in every lab, so two labs must not share a cache."""
        return None if not self.name else self.state_dir / "facts"

    def as_dict(self) -> dict[str, object]:
        return {"name": self.name, "plan": self.plan.as_dict(), "state_dir": str(self.state_dir)}


def _derived_name(state_dir: Path) -> str:
    return "lab" + hashlib.sha256(str(state_dir).encode()).hexdigest()[:8]


def _read(path: Path) -> dict[str, object]:
    try:
        doc = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return doc if isinstance(doc, dict) else {}


def lab_instance(state_dir: Path | str | None = None) -> Instance:
    """The instance of `state_dir` (default: DIGIKEL_LABSVC_DIR, else the project's own)."""
    directory = resolve_state_dir(state_dir)
    recorded = _read(directory / INSTANCE_FILE)
    if recorded:
        plan_doc = recorded.get("plan")
        plan = DatacentrePlan.from_dict(plan_doc) if isinstance(plan_doc, dict) else LAB_PLAN
        return Instance(str(recorded.get("name", "")), plan, directory)
    started = _read(directory / "datacentre" / "config.json").get("plan")
    plan = DatacentrePlan.from_dict(started) if isinstance(started, dict) else LAB_PLAN
    name = "" if directory == project_state_dir() else _derived_name(directory)
    return Instance(name, plan, directory)


def configure_instance(
    state_dir: Path | str, name: str, plan: DatacentrePlan = LAB_PLAN
) -> Instance:
    """Record the instance of a state directory: its containers' name prefix and its addresses."""
    if not NAME_PATTERN.match(name):
        raise InputError(
            f"lab instance name {name!r}: lower-case letters, digits and '-', at most 24"
        )
    directory = resolve_state_dir(state_dir)
    directory.mkdir(parents=True, exist_ok=True)
    doc = {"name": name, "plan": plan.as_dict()}
    path = directory / INSTANCE_FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(doc, indent=1) + "\n")
    os.replace(tmp, path)
    return Instance(name, plan, directory)
