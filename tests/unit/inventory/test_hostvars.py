"""Host variables and groups of the expansion (the contract roles and templates read)."""

from __future__ import annotations

from digikel.inventory.hostvars import groups


def test_counter_pc_has_everything_its_roles_need(inv) -> None:
    hv = inv.hostvars("loa-bakung-pc03")
    assert hv["digikel_role"] == "counter"
    assert hv["digikel_address"] == "10.84.33.13"
    assert hv["digikel_segments"]["counters"] == {
        "vlan": 20,
        "network": "10.84.33.0/24",
        "prefix": 24,
        "gateway": "10.84.33.1",
    }
    assert (
        hv["digikel_site"]["portal_url"] == "https://portal.digikel.samarindakota.go.id/loa-bakung/"
    )
    assert hv["digikel_site_printers"] == [
        {
            "name": "loa-bakung-prn01",
            "address": "10.84.35.11",
            "model": "HP LaserJet Pro M404dn",
            "uri": "ipp://10.84.35.11/ipp/print",
            "default": True,
        }
    ]
    assert [a["id"] for a in hv["digikel_applications"]][:2] == ["antrian", "surat"]
    # the lab reaches a counter as production does: SSH, the admin account, a pinned key only;
    # it differs in address and port
    assert hv["ansible_connection"] == "ssh"
    assert (hv["ansible_host"], hv["ansible_port"]) == ("127.67.51.13", 2200)
    assert hv["ansible_user"] == inv.city.accounts.admins[0].name
    assert "StrictHostKeyChecking=yes" in hv["ansible_ssh_common_args"]
    known = str(inv.root.parent / ".digikel" / "labsvc" / "known_hosts")
    assert f"UserKnownHostsFile={known}" in hv["ansible_ssh_common_args"]


def test_production_endpoints_differ_from_the_lab_only_in_address_port_and_key_file(repo) -> None:
    from digikel.inventory import load_inventory

    lab = load_inventory(repo / "inventory" / "lab" / "digikel.yml")
    prod = load_inventory(repo / "inventory" / "production" / "digikel.yml")
    host = "loa-bakung-pc01"
    mine, theirs = lab.hostvars(host), prod.hostvars(host)
    keys = {k for k in mine if k.startswith("ansible_")}
    assert keys == {k for k in theirs if k.startswith("ansible_")}
    differ = {k for k in keys if mine[k] != theirs[k]}
    assert differ == {"ansible_host", "ansible_port", "ansible_ssh_common_args"}
    assert (theirs["ansible_host"], theirs["ansible_port"]) == ("10.84.33.11", 22)
    assert (
        mine["ansible_ssh_common_args"].replace(
            str(lab.endpoints_known_hosts), str(prod.endpoints_known_hosts)
        )
        == theirs["ansible_ssh_common_args"]
    )


def test_network_device_uses_network_cli_and_a_vault_reference(inv) -> None:
    hv = inv.hostvars("sungai-keledang-sw01")
    assert hv["ansible_network_os"] == "cisco.ios.ios"
    assert hv["ansible_password"] == "{{ vault_digikel_device_password }}"
    assert hv["digikel_hub"]["site_tunnel_address"] == "10.80.254.26/24"


def test_no_secret_value_appears_in_any_hostvars(inv, repo) -> None:
    from digikel.inventory.secrets import load_secrets

    secrets = load_secrets(inv)
    values = {v for v in secrets.values() if isinstance(v, str) and v.startswith("lab-only")}
    values |= set(secrets["vault_digikel_wireguard_private_keys"].values())
    assert values
    for device in inv.devices:
        text = repr(inv.hostvars(device.name))
        assert not any(v in text for v in values), device.name


def test_groups_by_kecamatan_site_wave_role_and_platform(inv) -> None:
    tree = groups(inv)
    assert "site_loa_bakung" in tree["kecamatan_sungai_kunjang"]["children"]
    assert len(tree["wave_pilot_2023"]["children"]) == 10
    assert len(tree["wave_2024"]["children"]) == 49
    assert "loa-bakung-rtr01" in tree["routers"]["hosts"]
    assert "sungai-keledang-sw01" in tree["platform_ios"]["hosts"]
    assert tree["network"]["children"] == ["routers", "switches", "access_points"]
    assert tree["portal"]["hosts"] == ["dc-portal01"]
    kecamatan = [g for g in tree if g.startswith("kecamatan_")]
    assert len(kecamatan) == 10
