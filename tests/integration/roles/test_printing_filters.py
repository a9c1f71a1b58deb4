"""The printing role's comparison of a queue's settings with the wanted ones (issue 14: a queue
converges on every attribute, not only its URI), on output captured from CUPS 2.4 in Debian 12."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parents[3]

# `lpoptions -p sungai-keledang-prn01` after the role had set a location with a comma and spaces.
LPOPTIONS = (
    "copies=1 device-uri=ipp://127.0.0.1:8631/ipp/print finishings=3 job-cancel-after=10800 "
    "job-hold-until=no-hold job-priority=50 job-sheets=none,none marker-change-time=0 number-up=1 "
    "print-color-mode=monochrome printer-commands=none printer-info='HP LaserJet Pro M404dn' "
    "printer-is-accepting-jobs=true printer-is-shared=false printer-is-temporary=false "
    "printer-location='Ruang arsip, lantai 2' printer-make-and-model='Printer - IPP Everywhere' "
    "printer-state=3 printer-type=2232388 printer-uri-supported=ipp://localhost/printers/prn01"
)
WANTED = {
    "device-uri": "ipp://127.0.0.1:8631/ipp/print",
    "printer-location": "Ruang arsip, lantai 2",
    "printer-info": "HP LaserJet Pro M404dn",
    "printer-is-shared": "false",
}


def _filters() -> ModuleType:
    path = REPO / "roles" / "printing" / "filter_plugins" / "lpoptions.py"
    spec = importlib.util.spec_from_file_location("digikel_printing_lpoptions", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_queue_as_wanted_has_no_drift() -> None:
    assert _filters().lpoptions_drift(LPOPTIONS, WANTED) == []


def test_every_attribute_is_compared_not_only_the_uri() -> None:
    drift = _filters().lpoptions_drift
    assert drift(LPOPTIONS, {**WANTED, "printer-location": "Ruang pelayanan"}) == [
        "printer-location"
    ]
    assert drift(LPOPTIONS, {**WANTED, "printer-info": "Epson L3210"}) == ["printer-info"]
    assert drift(LPOPTIONS, {**WANTED, "printer-is-shared": True}) == ["printer-is-shared"]
    assert drift(LPOPTIONS, {**WANTED, "media": "iso_a4_210x297mm"}) == ["media"]
    assert drift(LPOPTIONS, {**WANTED, "device-uri": "ipp://10.0.0.9/ipp/print"}) == ["device-uri"]


def test_a_missing_queue_drifts_on_everything_and_an_empty_location_matches_none() -> None:
    filters = _filters()
    assert filters.lpoptions_drift("", WANTED) == sorted(WANTED)
    assert filters.lpoptions_drift("device-uri=ipp://x", {"printer-location": ""}) == []
    # YAML's false is written as CUPS spells it, in the comparison and on lpadmin's command line.
    assert filters.lpoptions_drift(LPOPTIONS, {"printer-is-shared": False}) == []
    assert filters.lpadmin_options({"printer-is-shared": False, "media": "a4"}) == [
        "-o", "printer-is-shared=false", "-o", "media=a4",
    ]  # fmt: skip
