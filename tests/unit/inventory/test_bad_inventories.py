"""A table of broken inventories, each with the exact message it must produce.

Each case edits a copy of the real inventory; validation must report every problem with the
file, the line, the place (kecamatan -> kelurahan -> field) and what was expected.
"""

from __future__ import annotations

import pytest

from digikel.errors import InventoryError
from digikel.inventory import build_inventory, load_inventory

HARAPAN = "kecamatan 'Loa Janan Ilir' -> kelurahan 'Harapan Baru'"
RAPAK = "kecamatan 'Loa Janan Ilir' -> kelurahan 'Rapak Dalam'"
FIRST_UPLINK = "      uplink: {isp: Telkom IndiHome, type: dhcp}\n    Rapak Dalam:"

CASES = [
    pytest.param(
        {"sites": [("kecamatan:\n  Loa Janan Ilir:", "kecamatan:\n  Loa Janan Ilir: [")]},
        "sites.yml:10: not valid YAML: expected ',' or ']', but got ':'",
        id="bad-yaml",
    ),
    pytest.param(
        {"sites": [(FIRST_UPLINK, FIRST_UPLINK.replace("dhcp}", "dhcp}\n      colour: red"))]},
        f"sites.yml:14: {HARAPAN} -> colour: unknown key 'colour'; expected one of: number, wave, "
        "slug, physical_works, uplink, devices, block, hide_applications, note",
        id="unknown-key",
    ),
    pytest.param(
        {"sites": [("      number: 1\n", "")]},
        f"sites.yml:9: {HARAPAN} -> number: missing: this field is required",
        id="missing-field",
    ),
    pytest.param(
        {"sites": [(FIRST_UPLINK, FIRST_UPLINK.replace("dhcp}", "dsl}"))]},
        f"sites.yml:13: {HARAPAN} -> uplink -> type: expected 'dhcp', 'static' or 'pppoe', got 'dsl'",
        id="bad-uplink-type",
    ),
    pytest.param(
        {"sites": [(FIRST_UPLINK, FIRST_UPLINK.replace("type: dhcp", "type: static"))]},
        f"sites.yml:13: {HARAPAN} -> uplink: a static uplink needs both 'address' (CIDR) and 'gateway'",
        id="static-uplink-without-address",
    ),
    pytest.param(
        {"sites": [("      number: 2\n", "      number: 1\n")]},
        f"sites.yml:14: {RAPAK} -> number: duplicate number '1', already used by kelurahan "
        "'Harapan Baru' (Loa Janan Ilir)",
        id="duplicate-number",
    ),
    pytest.param(
        {"sites": [("      number: 2\n", "      number: 2\n      slug: harapan-baru\n")]},
        f"sites.yml:14: {RAPAK} -> slug: duplicate slug 'harapan-baru', already used by kelurahan "
        "'Harapan Baru' (Loa Janan Ilir)",
        id="duplicate-slug",
    ),
    pytest.param(
        {"sites": [("      number: 2\n", "      number: 2\n      block: 10.81.0.0/20\n")]},
        f"sites.yml:14: {RAPAK} -> block: 10.81.0.0/20 overlaps the block 10.81.0.0/20 of "
        "kelurahan 'Harapan Baru' (Loa Janan Ilir)",
        id="overlapping-blocks",
    ),
    pytest.param(
        {"sites": [("      number: 2\n", "      number: 2\n      block: 192.168.16.0/20\n")]},
        f"sites.yml:14: {RAPAK} -> block: 192.168.16.0/20 lies outside the city range 10.80.0.0/12",
        id="block-outside-city",
    ),
    pytest.param(
        {"sites": [("      number: 2\n", "      number: 2\n      block: 10.80.16.0/20\n")]},
        f"sites.yml:14: {RAPAK} -> block: 10.80.16.0/20 overlaps the data-centre range 10.80.0.0/16",
        id="block-in-datacentre",
    ),
    pytest.param(
        {"sites": [("        counters: {count: 6}", "        counters: {count: 0}")]},
        "sites.yml:277: kecamatan 'Sungai Kunjang' -> kelurahan 'Loa Bakung' -> devices -> counters: "
        "0 counter device(s) is impossible: expected 1 to 40",
        id="impossible-count",
    ),
    pytest.param(
        {"sites": [("        counters: {count: 6}", "        counters: {count: 30}")]},
        "sites.yml:277: kecamatan 'Sungai Kunjang' -> kelurahan 'Loa Bakung' -> devices: "
        "34 wired devices need more access ports than the switches have (24)",
        id="not-enough-switch-ports",
    ),
    pytest.param(
        {"sites": [("switches: {model: C1000-24P-4G-L}", "switches: {model: C9300-48P}")]},
        "sites.yml:135: kecamatan 'Samarinda Seberang' -> kelurahan 'Sungai Keledang' -> devices -> "
        "switches -> model: unknown model 'C9300-48P'; expected one of the models of city.yml: "
        "CRS328-24P-4S+RM, CRS326-24G-2S+RM, C1000-24P-4G-L, C1000-8P-2G-L",
        id="unknown-model",
    ),
    pytest.param(
        {"city": [("C1000-24P-4G-L:   {platform: ios,", "C1000-24P-4G-L:   {platform: junos,")]},
        "city.yml:52: models -> C1000-24P-4G-L -> platform: expected 'routeros', 'ios', 'debian12' "
        "or 'ipp', got 'junos'",
        id="unknown-platform",
    ),
    pytest.param(
        {"sites": [('      number: 2\n      wave: "2024"', '      number: 2\n      wave: "2025"')]},
        f"sites.yml:14: {RAPAK} -> wave: unknown wave '2025'; expected one of: pilot-2023, 2024",
        id="unknown-wave",
    ),
    pytest.param(
        {"sites": [("    Bukuan:\n", "    Lempake:\n")]},
        "sites.yml:40: kecamatan 'Palaran' -> kelurahan 'Lempake': not a kelurahan of Palaran: it "
        "belongs to kecamatan 'Samarinda Utara'",
        id="kelurahan-in-wrong-kecamatan",
    ),
    pytest.param(
        {"sites": [("    Bukuan:\n", "    Bukuan Baru:\n")]},
        "sites.yml: kecamatan 'Palaran': kelurahan 'Bukuan' of the official list is missing",
        id="kelurahan-missing",
    ),
    pytest.param(
        {"sites": [("    Tani Aman:\n", "    Harapan Baru:\n")]},
        "sites.yml:29: duplicate key 'Harapan Baru' (first at line 9)",
        id="duplicate-kelurahan-key",
    ),
    pytest.param(
        {"sites": [("      number: 2\n", "      number: 2\n      hide_applications: [tiktok]\n")]},
        f"sites.yml:14: {RAPAK} -> hide_applications: unknown application 'tiktok'",
        id="unknown-application",
    ),
    pytest.param(
        {
            "city": [
                (
                    "counters:    {vlan: 20, offset: 1, prefix: 24}",
                    "counters:    {vlan: 10, offset: 0, prefix: 24}",
                )
            ]
        },
        "city.yml:19: address_plan -> segments -> counters: overlaps segment 'mgmt'",
        id="overlapping-segments",
    ),
    pytest.param(
        {"applications": [("  - id: surat\n", "  - id: antrian\n")]},
        "applications.yml:9: applications -> [1] -> id: duplicate application id 'antrian'",
        id="duplicate-application",
    ),
    pytest.param(
        {"env": [("environment: lab", "environment: staging")]},
        "digikel.yml:4: environment: expected 'lab' or 'production', got 'staging'",
        id="unknown-environment",
    ),
]


@pytest.mark.parametrize(("edits", "message"), CASES)
def test_bad_inventory_gives_exact_message(inventory_copy, edits, message) -> None:
    env_file = inventory_copy(**edits)
    with pytest.raises(InventoryError) as caught:
        load_inventory(env_file)
    rendered = [str(p) for p in caught.value.problems]
    assert any(line.endswith(message) or message in line for line in rendered), "\n".join(rendered)


def test_every_problem_is_reported_at_once(inventory_copy) -> None:
    env_file = inventory_copy(
        sites=[
            (FIRST_UPLINK, FIRST_UPLINK.replace("dhcp}", "dsl}")),
            ("      number: 3\n", "      number: 2\n"),
            ("        counters: {count: 6}", "        counters: {count: 0}"),
        ]
    )
    _, problems = build_inventory(env_file)
    places = {p.place.split(" -> ")[1] for p in problems}
    assert {"kelurahan 'Harapan Baru'", "kelurahan 'Sengkotek'", "kelurahan 'Loa Bakung'"} <= places


def test_missing_file_is_named(inventory_copy) -> None:
    env_file = inventory_copy()
    (env_file.parent.parent / "applications.yml").unlink()
    _, problems = build_inventory(env_file)
    assert [p.message for p in problems] == ["file not found"]
    assert problems[0].file.endswith("applications.yml")


@pytest.mark.parametrize(
    "content", ["", "[1, 2]", "kecamatan: 5", "kecamatan:\n  Palaran: 7\n", "\x00\x01"]
)
def test_garbage_never_raises_anything_but_inventory_error(inventory_copy, content) -> None:
    env_file = inventory_copy()
    (env_file.parent.parent / "sites.yml").write_text(content)
    with pytest.raises(InventoryError) as caught:
        load_inventory(env_file)
    assert caught.value.problems
