"""Hostile and careless inventories, one row per mutation of sites.yml, city.yml or
applications.yml, through the real console script (`digikel inventory validate`) in a process
of its own: every row is refused with exit 2, no traceback, and a message that names the file,
the place (a line, and the key path where there is one) and what was expected.

A few rows go through the real `ansible-inventory` with the digikel plugin too: Ansible must
fail with the same message, never a Python traceback.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from digikel.inventory.yamlfile import MAX_DEPTH, MAX_VALUES

BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parents[3]

HARAPAN = "kecamatan 'Loa Janan Ilir' -> kelurahan 'Harapan Baru'"
FIRST_SITE = "    Harapan Baru:\n      number: 1\n"
FIRST_UPLINK = "      uplink: {isp: Telkom IndiHome, type: dhcp}\n    Rapak Dalam:"
COUNTERS = "  counters:      {count: 4, model: ThinkCentre M70q}"
MGMT = "    mgmt:        {vlan: 10, offset: 0, prefix: 24}"
FIRST_APP = "  - id: antrian\n    name: Antrian Kelurahan\n"

Edit = Callable[[bytes], bytes]


def replace(old: str, new: str) -> Edit:
    def edit(data: bytes) -> bytes:
        text = data.decode()
        assert old in text, f"the mutation does not apply: {old!r}"
        return text.replace(old, new, 1).encode()

    return edit


def whole(content: bytes) -> Edit:
    return lambda data: content


def nested(levels: int, flow: bool) -> str:
    """A value `levels` collections deep, in flow ([[...]]) or block (- - ...) style."""
    if flow:
        return "[" * levels + "1" + "]" * levels
    return "".join(f"\n{' ' * (8 + 2 * i)}-" for i in range(levels)) + " 1"


def laughs(width: int, depth: int) -> str:
    """The "billion laughs": each anchor an alias list of the one before, width**depth values."""
    lines = ["lol0: &l0 lol"]
    for i in range(1, depth + 1):
        lines.append(f"lol{i}: &l{i} [{', '.join([f'*l{i - 1}'] * width)}]")
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Case:
    id: str
    file: str  # "sites", "city" or "applications"
    edit: Edit
    message: str  # must appear in the error output
    line: bool = True  # the message gives file:LINE (False only where the whole file is at fault)


CASES = [
    # --- sites.yml: numbers out of range ----------------------------------------------------
    Case(
        "sites-huge-number",
        "sites",
        replace(FIRST_SITE, FIRST_SITE.replace("1\n", "99999999999999\n")),
        f"{HARAPAN} -> number: site number 99999999999999 has no /20 block left in the city "
        "range 10.80.0.0/12: blocks from 10.81.0.0 hold sites 1 to 240",
    ),
    Case(
        "sites-number-beyond-2**32",
        "sites",
        replace(FIRST_SITE, FIRST_SITE.replace("1\n", f"{2**40}\n")),
        f"{HARAPAN} -> number: site number {2**40} has no /20 block left",
    ),
    Case(
        "sites-gigantic-number",
        "sites",
        replace(FIRST_SITE, FIRST_SITE.replace("1\n", "9" * 400 + "\n")),
        f"{HARAPAN} -> number: site number {'9' * 400} has no /20 block left",
    ),
    Case(
        "sites-number-past-wireguard",
        "sites",
        replace(FIRST_SITE, FIRST_SITE.replace("1\n", "253\n      block: 10.95.240.0/20\n")),
        f"{HARAPAN} -> number: site number 253 has no WireGuard address left in 10.80.254.0/24",
    ),
    Case(
        "sites-number-past-the-blocks",
        "sites",
        replace(FIRST_SITE, FIRST_SITE.replace("1\n", "256\n")),
        f"{HARAPAN} -> number: site number 256 has no /20 block left",
    ),
    Case(
        "sites-zero-number",
        "sites",
        replace(FIRST_SITE, FIRST_SITE.replace("1\n", "0\n")),
        f"{HARAPAN} -> number: expected greater than or equal to 1, got 0",
    ),
    Case(
        "sites-negative-number",
        "sites",
        replace(FIRST_SITE, FIRST_SITE.replace("1\n", "-5\n")),
        f"{HARAPAN} -> number: expected greater than or equal to 1, got -5",
    ),
    Case(
        "sites-number-yes",
        "sites",
        replace(FIRST_SITE, FIRST_SITE.replace("1\n", "yes\n")),
        f"{HARAPAN} -> number: expected a valid integer, got True",
    ),
    Case(
        "sites-number-text",
        "sites",
        replace(FIRST_SITE, FIRST_SITE.replace("1\n", "one\n")),
        f"{HARAPAN} -> number: expected a valid integer, got 'one'",
    ),
    Case(
        "sites-number-float",
        "sites",
        replace(FIRST_SITE, FIRST_SITE.replace("1\n", "1.5\n")),
        f"{HARAPAN} -> number: expected a valid integer, got 1.5",
    ),
    Case(
        "sites-number-infinity",
        "sites",
        replace(FIRST_SITE, FIRST_SITE.replace("1\n", ".inf\n")),
        f"{HARAPAN} -> number: expected a valid integer, got inf",
    ),
    Case(
        "sites-huge-count",
        "sites",
        replace(FIRST_SITE, FIRST_SITE + "      devices: {counters: {count: 10000000000000}}\n"),
        f"{HARAPAN} -> devices -> counters: 10000000000000 counter device(s) is impossible: "
        "expected 1 to 40",
    ),
    Case(
        "sites-negative-count",
        "sites",
        replace(FIRST_SITE, FIRST_SITE + "      devices: {printers: {count: -3}}\n"),
        f"{HARAPAN} -> devices -> printers -> count: expected greater than or equal to 0, got -3",
    ),
    Case(
        "sites-negative-queue-displays",
        "sites",
        replace(FIRST_SITE, FIRST_SITE + "      devices: {displays: {queue: -1, info: 3}}\n"),
        f"{HARAPAN} -> devices -> displays -> queue: expected greater than or equal to 0, got -1",
    ),
    Case(
        "sites-date-as-number",
        "sites",
        replace("{status: done, date: 2023-06-30}", "{status: done, date: 0}"),
        f"{HARAPAN} -> physical_works -> date: expected a date (YYYY-MM-DD), got 0",
    ),
    Case(
        "sites-block-of-wrong-size",
        "sites",
        replace(FIRST_SITE, FIRST_SITE + "      block: 10.81.0.0/30\n"),
        f"{HARAPAN} -> block: expected a /20 block, got 10.81.0.0/30",
    ),
    Case(
        "sites-block-at-the-top-of-ipv4",
        "sites",
        replace(FIRST_SITE, FIRST_SITE + "      block: 255.255.240.0/20\n"),
        f"{HARAPAN} -> block: 255.255.240.0/20 lies outside the city range 10.80.0.0/12",
    ),
    Case(
        "sites-block-as-integer",
        "sites",
        replace(FIRST_SITE, FIRST_SITE + "      block: 99999999999999\n"),
        f"{HARAPAN} -> block:",
    ),
    Case(
        "sites-block-with-host-bits",
        "sites",
        replace(FIRST_SITE, FIRST_SITE + "      block: 10.81.0.1/20\n"),
        f"{HARAPAN} -> block: input is not a valid IPv4 network, got '10.81.0.1/20'",
    ),
    # --- sites.yml: shapes and keys ----------------------------------------------------------
    Case(
        "sites-unknown-key",
        "sites",
        replace(FIRST_SITE, FIRST_SITE + "      colour: red\n"),
        f"{HARAPAN} -> colour: unknown key 'colour'",
    ),
    Case(
        "sites-missing-uplink",
        "sites",
        replace("      uplink: {isp: Telkom IndiHome, type: dhcp}\n", ""),
        f"{HARAPAN} -> uplink: missing: this field is required",
    ),
    Case(
        "sites-uplink-as-list",
        "sites",
        replace(FIRST_UPLINK, FIRST_UPLINK.replace("{isp: Telkom IndiHome, type: dhcp}", "[dhcp]")),
        f"{HARAPAN} -> uplink: expected a valid dictionary or instance of Uplink",
    ),
    Case(
        "sites-kelurahan-as-list",
        "sites",
        replace(
            "kecamatan:\n  Loa Janan Ilir:\n", "kecamatan:\n  Loa Janan Ilir:\n    - x\n  X:\n"
        ),
        "kecamatan 'Loa Janan Ilir': expected a mapping of kelurahan names to their entries",
    ),
    Case(
        "sites-duplicate-kelurahan",
        "sites",
        replace("    Rapak Dalam:\n", "    Harapan Baru:\n"),
        "duplicate key 'Harapan Baru' (first at line 9)",
    ),
    Case(
        "sites-unknown-top-key",
        "sites",
        replace("kecamatan:\n", "kota: Samarinda\nkecamatan:\n"),
        "sites.yml:7: kota: unknown key; expected only 'kecamatan'",
    ),
    Case(
        "sites-deep-flow-nesting",
        "sites",
        replace(FIRST_SITE, FIRST_SITE + f"      note: {nested(5000, flow=True)}\n"),
        f"sites.yml:11: nesting deeper than {MAX_DEPTH} levels",
    ),
    Case(
        "sites-deep-block-nesting",
        "sites",
        replace(FIRST_SITE, FIRST_SITE + f"      note:{nested(2000, flow=False)}\n"),
        f"nesting deeper than {MAX_DEPTH} levels",
    ),
    Case(
        "sites-nesting-just-too-deep",
        "sites",
        replace(FIRST_SITE, FIRST_SITE + f"      note: {nested(MAX_DEPTH - 3, flow=True)}\n"),
        f"sites.yml:11: nesting deeper than {MAX_DEPTH} levels",
    ),
    Case(
        "sites-billion-laughs",
        "sites",
        replace("kecamatan:\n", laughs(10, 9) + "kecamatan:\n"),
        f"more than {MAX_VALUES:,} values once its aliases are expanded",
    ),
    Case(
        "sites-alias-to-itself",
        "sites",
        replace(FIRST_SITE, FIRST_SITE + "      note: &loop [1, *loop]\n"),
        "sites.yml:11: the alias *loop refers to a node that contains it",
    ),
    Case(
        "sites-undefined-alias",
        "sites",
        replace(FIRST_SITE, FIRST_SITE + "      note: *nowhere\n"),
        "sites.yml:11: not valid YAML: found undefined alias 'nowhere'",
    ),
    Case(
        "sites-not-utf8",
        "sites",
        lambda data: data.replace(b"    Rapak Dalam:", b"    Rapak Dal\xffam:", 1),
        "sites.yml:14: not UTF-8 text: byte 0xff",
    ),
    Case("sites-empty", "sites", whole(b""), "sites.yml: the file is empty", line=False),
    Case(
        "sites-only-comments",
        "sites",
        whole(b"# nothing here\n"),
        "sites.yml: the file is empty",
        line=False,
    ),
    Case(
        "sites-a-list",
        "sites",
        whole(b"- Harapan Baru\n- Rapak Dalam\n"),
        "sites.yml: expected a mapping with key 'kecamatan'",
        line=False,
    ),
    Case(
        "sites-binary",
        "sites",
        whole(bytes(range(256))),
        "sites.yml:2: not UTF-8 text: byte 0x80 at column 118",
    ),
    Case(
        "sites-two-documents",
        "sites",
        replace("kecamatan:\n", "---\nkecamatan: {}\n---\nkecamatan:\n"),
        "sites.yml:9: not valid YAML: expected a single document in the stream, but found "
        "another document",
    ),
    Case(
        "sites-python-tag",
        "sites",
        replace(FIRST_SITE, FIRST_SITE + "      note: !!python/object/apply:os.system [id]\n"),
        "sites.yml:11: not valid YAML: could not determine a constructor for the tag "
        "'tag:yaml.org,2002:python/object/apply:os.system'",
    ),
    # --- city.yml ----------------------------------------------------------------------------
    Case(
        "city-huge-vlan",
        "city",
        replace(MGMT, MGMT.replace("vlan: 10", "vlan: 99999999999999")),
        "city.yml:18: address_plan -> segments -> mgmt -> vlan: expected less than or equal to "
        "4094, got 99999999999999",
    ),
    Case(
        "city-negative-offset",
        "city",
        replace(MGMT, MGMT.replace("offset: 0", "offset: -1")),
        "city.yml:18: address_plan -> segments -> mgmt -> offset: expected greater than or "
        "equal to 0, got -1",
    ),
    Case(
        "city-huge-prefix",
        "city",
        replace(MGMT, MGMT.replace("prefix: 24", "prefix: 4294967296")),
        "city.yml:18: address_plan -> segments -> mgmt -> prefix: expected less than or equal "
        "to 29, got 4294967296",
    ),
    Case(
        "city-huge-site-prefix",
        "city",
        replace("  site_prefix: 20\n", "  site_prefix: 99999999999999\n"),
        "city.yml:14: address_plan -> site_prefix: expected less than or equal to 24",
    ),
    Case(
        "city-site-prefix-yes",
        "city",
        replace("  site_prefix: 20\n", "  site_prefix: yes\n"),
        "city.yml:14: address_plan -> site_prefix: expected a valid integer, got True",
    ),
    Case(
        "city-sites-start-as-integer",
        "city",
        replace("  sites_start: 10.81.0.0\n", "  sites_start: 99999999999999\n"),
        "city.yml:13: address_plan -> sites_start:",
    ),
    Case(
        "city-sites-start-unaligned",
        "city",
        replace("  sites_start: 10.81.0.0\n", "  sites_start: 10.81.0.16\n"),
        "city.yml:13: address_plan -> sites_start: expected the first address of a /20 block, "
        "got 10.81.0.16",
    ),
    Case(
        "city-huge-standard-count",
        "city",
        replace(COUNTERS, COUNTERS.replace("count: 4", "count: 99999999999999")),
        "city.yml:67: standard_package -> counters: 99999999999999 counter device(s) is "
        "impossible: expected 1 to 40",
    ),
    Case(
        "city-counters-beyond-segment",
        "city",
        replace(
            "    counters:    {vlan: 20, offset: 1, prefix: 24}",
            "    counters:    {vlan: 20, offset: 1, prefix: 29}",
        ),
        "city.yml:67: standard_package -> counters: 4 counter device(s) from host .11 need host "
        ".14, beyond the /29 counters segment",
    ),
    Case(
        "city-huge-wave-year",
        "city",
        replace("    year: 2023\n", "    year: 99999999999999\n"),
        "city.yml:41: waves -> pilot-2023 -> year: expected less than or equal to 2100",
    ),
    Case(
        "city-huge-access-ports",
        "city",
        replace("access_ports: 8,", "access_ports: 99999999999999,"),
        "models -> C1000-8P-2G-L -> access_ports: expected less than or equal to 96",
    ),
    Case(
        "city-segments-as-list",
        "city",
        replace("  segments:\n", "  segments: [mgmt]\n  old_segments:\n"),
        "city.yml:17: address_plan -> segments: expected a valid dictionary",
    ),
    Case(
        "city-missing-datacentre",
        "city",
        replace("datacentre:\n", "old_datacentre:\n"),
        "datacentre: missing: this field is required",
    ),
    Case(
        "city-duplicate-key",
        "city",
        replace("timezone: Asia/Makassar\n", "timezone: Asia/Makassar\ncity: Balikpapan\n"),
        "city.yml:8: duplicate key 'city' (first at line 3)",
    ),
    Case(
        "city-deep-nesting",
        "city",
        replace("timezone: Asia/Makassar\n", f"timezone: {nested(3000, flow=True)}\n"),
        f"city.yml:7: nesting deeper than {MAX_DEPTH} levels",
    ),
    Case(
        "city-billion-laughs",
        "city",
        replace("wifi:\n", laughs(9, 9).replace("lol", "x-lol") + "wifi:\n"),
        f"more than {MAX_VALUES:,} values once its aliases are expanded",
    ),
    Case(
        "city-monitoring-yes",
        "city",
        replace("  monitoring: 10.80.1.20\n", "  monitoring: yes\n"),
        "city.yml:32: datacentre -> monitoring: expected an IPv4 address or network written as "
        "text, got True",
    ),
    Case(
        "city-portal-as-integer",
        "city",
        replace("  portal: 10.80.1.10\n", "  portal: 0\n"),
        "city.yml:29: datacentre -> portal: expected an IPv4 address or network written as text, "
        "got 0",
    ),
    Case("city-empty", "city", whole(b""), "city.yml: the file is empty", line=False),
    Case(
        "city-a-string",
        "city",
        whole(b"just a sentence\n"),
        "city.yml: expected a valid dictionary or instance of CityFile",
        line=False,
    ),
    # --- applications.yml --------------------------------------------------------------------
    Case(
        "apps-a-map-of-applications",
        "applications",
        whole(b"applications:\n  antrian: {id: antrian}\n"),
        "applications.yml:1: applications: expected a valid list",
    ),
    Case(
        "apps-id-as-number",
        "applications",
        replace("  - id: antrian\n", "  - id: 99999999999999\n"),
        "applications.yml:4: applications -> [0] -> id: expected a valid string",
    ),
    Case(
        "apps-missing-url",
        "applications",
        replace("    url: https://antrian.digikel.samarindakota.go.id/\n", ""),
        "applications.yml:4: applications -> [0] -> url: missing: this field is required",
    ),
    Case(
        "apps-unknown-key",
        "applications",
        replace(FIRST_APP, FIRST_APP + "    owner: nobody\n"),
        "applications.yml:6: applications -> [0] -> owner: unknown key 'owner'",
    ),
    Case(
        "apps-duplicate-key",
        "applications",
        replace(FIRST_APP, FIRST_APP + "    name: Antrian Lagi\n"),
        "applications.yml:6: duplicate key 'name' (first at line 5)",
    ),
    Case(
        "apps-deep-nesting",
        "applications",
        replace(FIRST_APP, FIRST_APP + f"    purpose:{nested(1500, flow=False)}\n"),
        f"nesting deeper than {MAX_DEPTH} levels",
    ),
    Case(
        "apps-billion-laughs",
        "applications",
        replace("applications:\n", laughs(12, 6) + "applications:\n"),
        f"more than {MAX_VALUES:,} values once its aliases are expanded",
    ),
    Case(
        "apps-not-utf8",
        "applications",
        lambda data: data.replace(b"Antrian Kelurahan", b"Antrian Kel\xe9urahan", 1),
        "applications.yml:5: not UTF-8 text: byte 0xe9",
    ),
    Case(
        "apps-empty-list",
        "applications",
        whole(b"applications: 7\n"),
        "applications.yml:1: applications: expected a valid list, got 7",
    ),
    Case(
        "apps-empty", "applications", whole(b""), "applications.yml: the file is empty", line=False
    ),
]


def mutated(tmp_path: Path, case: Case) -> Path:
    """A copy of the real inventory with one file mutated; returns the lab environment file."""
    target = tmp_path / "inventory"
    shutil.copytree(REPO / "inventory", target)
    path = target / f"{case.file}.yml"
    data = path.read_bytes()
    changed = case.edit(data)
    assert changed != data, "a mutation that changes nothing tests nothing"
    path.write_bytes(changed)
    return target / "lab" / "digikel.yml"


def clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANSIBLE_", "DIGIKEL_"))}
    env["ANSIBLE_CACHE_PLUGIN"] = "memory"
    env["NO_COLOR"] = "1"
    env["COLUMNS"] = "400"  # one problem per line, however long
    return env


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        list(args),
        cwd=cwd,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_inventory_is_refused_with_file_place_and_expectation(
    tmp_path: Path, case: Case
) -> None:
    env_file = mutated(tmp_path, case)
    done = run(tmp_path, str(BIN / "digikel"), "inventory", "validate", "-i", str(env_file))
    output = done.stdout + done.stderr
    assert done.returncode == 2, output
    assert "Traceback" not in output
    assert case.message in output, output
    shown = f"inventory/{case.file}.yml"
    if case.line:
        assert re.search(rf"{re.escape(shown)}:\d+: ", output), output
    else:
        assert f"{shown}: " in output, output


def test_the_table_covers_the_three_files_and_the_hostile_kinds() -> None:
    assert len(CASES) >= 40
    assert {c.file for c in CASES} == {"sites", "city", "applications"}
    ids = " ".join(c.id for c in CASES)
    for kind in ("huge", "negative", "deep", "duplicate", "unknown", "utf8", "empty", "laughs"):
        assert kind in ids, kind


ANSIBLE_ROWS = [
    "sites-huge-number",
    "sites-deep-flow-nesting",
    "city-billion-laughs",
    "apps-not-utf8",
    "sites-number-yes",
]


@pytest.mark.parametrize("row", ANSIBLE_ROWS)
def test_ansible_inventory_fails_with_the_same_message(tmp_path: Path, row: str) -> None:
    case = next(c for c in CASES if c.id == row)
    env_file = mutated(tmp_path, case)
    done = run(
        REPO,  # the repository's ansible.cfg enables the plugin
        str(BIN / "ansible-inventory"),
        "-i",
        str(env_file),
        "--list",
    )
    output = done.stdout + done.stderr
    assert done.returncode != 0, output
    assert "Traceback" not in output
    # Ansible wraps long lines: compare with runs of white space made one space.
    assert " ".join(case.message.split()) in " ".join(output.split()), output
