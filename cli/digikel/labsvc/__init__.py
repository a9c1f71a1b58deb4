"""The lab's stand-ins for everything outside this machine except the network devices.

- printers: every lab printer as a real IPP printer (`ippeveprinter`), see printers.py
- datacentre: the OPD applications and queue pages over HTTPS with a lab CA, see datacentre.py
- containers: podman systemd containers for the endpoints of chosen sites, see containers.py
- probe: check an application/queue page/portal URL from this machine, see probe.py

State lives in DIGIKEL_LABSVC_DIR (default <project root>/.digikel/labsvc).
"""

from __future__ import annotations

from digikel.labsvc.addresses import (
    LAB_PLAN,
    DatacentrePlan,
    LabTarget,
    application_address,
    lab_target,
    printer_endpoint,
)
from digikel.labsvc.containers import (
    ContainerSpec,
    ContainersResult,
    ContainerStatus,
    container_specs,
    containers_down,
    containers_status,
    containers_up,
    podman_problem,
)
from digikel.labsvc.datacentre import (
    DatacentreStatus,
    datacentre_plan,
    datacentre_status,
    portal_certificate,
    set_application_fault,
    start_datacentre,
    stop_datacentre,
)
from digikel.labsvc.printers import (
    PrinterSpec,
    PrinterStatus,
    printed_documents,
    printer_specs,
    printers_status,
    start_printers,
    stop_printers,
)
from digikel.labsvc.probe import ProbeResult, probe
from digikel.labsvc.state import default_state_dir
from digikel.labsvc.tls import issue_certificate, lab_ca_path
from digikel.probing.ipp import IppResult, print_document, printer_attributes

__all__ = [
    "LAB_PLAN",
    "ContainerSpec",
    "ContainerStatus",
    "ContainersResult",
    "DatacentrePlan",
    "DatacentreStatus",
    "IppResult",
    "LabTarget",
    "PrinterSpec",
    "PrinterStatus",
    "ProbeResult",
    "application_address",
    "container_specs",
    "containers_down",
    "containers_status",
    "containers_up",
    "datacentre_plan",
    "datacentre_status",
    "default_state_dir",
    "issue_certificate",
    "lab_ca_path",
    "lab_target",
    "podman_problem",
    "portal_certificate",
    "print_document",
    "printed_documents",
    "printer_attributes",
    "printer_endpoint",
    "printer_specs",
    "printers_status",
    "probe",
    "set_application_fault",
    "start_datacentre",
    "start_printers",
    "stop_datacentre",
    "stop_printers",
]
