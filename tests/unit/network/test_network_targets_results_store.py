"""Target selection, result types and exit codes, the git backup store, known-hosts edits."""

from __future__ import annotations

import subprocess

import pytest

from digikel.errors import InputError
from digikel.network import hostkeys
from digikel.network.results import Check, DeviceResult, exit_code
from digikel.network.store import BackupStore
from digikel.network.targets import select_devices


def names(chosen):
    return [(site.slug, [d.name for d in devices]) for site, devices in chosen]


def test_site_selection_keeps_access_devices_first_and_router_last(inv):
    assert names(select_devices(inv, sites=["loa-bakung"])) == [
        (
            "loa-bakung",
            ["loa-bakung-sw01", "loa-bakung-ap01", "loa-bakung-ap02", "loa-bakung-rtr01"],
        )
    ]


def test_site_by_number_kecamatan_wave_and_all(inv):
    assert names(select_devices(inv, sites=["51"]))[0][0] == "loa-bakung"
    kec = select_devices(inv, kecamatan=["Sungai Kunjang"])
    assert {s.kecamatan for s, _ in kec} == {"Sungai Kunjang"} and len(kec) > 1
    pilot = select_devices(inv, wave=["pilot-2023"])
    assert {s.wave for s, _ in pilot} == {"pilot-2023"} and len(pilot) == 10
    assert len(select_devices(inv, all_sites=True)) == len(inv.sites)
    both = select_devices(inv, kecamatan=["Sungai Kunjang"], wave=["pilot-2023"])
    assert [s.slug for s, _ in both] == ["loa-bakung"]


def test_hosts_add_single_devices_and_endpoints_are_refused(inv):
    assert names(select_devices(inv, hosts=["loa-bakung-rtr01"])) == [
        ("loa-bakung", ["loa-bakung-rtr01"])
    ]
    with pytest.raises(InputError, match="not a network device"):
        select_devices(inv, hosts=["loa-bakung-pc01"])
    with pytest.raises(InputError, match="unknown host"):
        select_devices(inv, hosts=["nope-rtr01"])


def test_no_targets_and_bad_filters_are_input_errors(inv):
    with pytest.raises(InputError, match="no targets"):
        select_devices(inv)
    with pytest.raises(InputError, match="unknown wave"):
        select_devices(inv, wave=["2099"])


def test_result_ok_and_exit_codes():
    good = DeviceResult("a", "s", "push")
    bad = DeviceResult("b", "s", "push", failed=True, error="boom")
    checked = DeviceResult("c", "s", "verify", checks=[Check("vlans", False, "missing 20")])
    assert good.ok and not bad.ok and not checked.ok
    assert exit_code([good]) == 0
    assert exit_code([good, bad]) == 3
    assert exit_code([bad, checked]) == 1
    assert exit_code([]) == 1
    data = checked.as_dict()
    assert data["ok"] is False and data["checks"][0]["name"] == "vlans"
    assert set(data) >= {"changed", "diff", "failed", "commands", "error"}
    assert data["checks"][0]["timestamp"].endswith("+00:00")


def test_backup_store_commits_only_changes_and_reads_revisions(tmp_path):
    store = BackupStore(tmp_path / "backups")
    first = store.save(
        "loa-bakung", "loa-bakung-rtr01", "routeros", "/system identity\nset name=a\n"
    )
    again = store.save(
        "loa-bakung", "loa-bakung-rtr01", "routeros", "/system identity\nset name=a\n"
    )
    assert again == first
    second = store.save(
        "loa-bakung", "loa-bakung-rtr01", "routeros", "/system identity\nset name=b\n"
    )
    assert second != first
    log = subprocess.run(
        ["git", "-C", str(store.root), "log", "--format=%s"], capture_output=True, text=True
    ).stdout.splitlines()
    assert log[0] == "backup: site loa-bakung host loa-bakung-rtr01" and len(log) == 3
    assert store.read("loa-bakung", "loa-bakung-rtr01", "routeros", "previous") == (
        first,
        "/system identity\nset name=a\n",
    )
    assert store.read("loa-bakung", "loa-bakung-rtr01", "routeros")[1].endswith("name=b\n")
    assert store.read("loa-bakung", "loa-bakung-rtr01", "routeros", first[:10])[0] == first
    with pytest.raises(InputError, match="not a commit"):
        store.read("loa-bakung", "loa-bakung-rtr01", "routeros", "deadbeef")
    with pytest.raises(InputError, match="no backup"):
        store.read("loa-bakung", "loa-bakung-sw01", "routeros")


def test_known_hosts_record_replaces_only_that_host(tmp_path):
    path = tmp_path / "known_hosts"
    other = _ed25519(b"3" * 32)
    path.write_text(f"# lab keys\n[127.64.1.2]:2222 ssh-ed25519 {other.get_base64()}\n")
    k1 = _ed25519(b"1" * 32)
    k2 = _ed25519(b"2" * 32)
    hostkeys.record_host_key(path, "127.64.1.1", 2222, k1)
    hostkeys.record_host_key(path, "127.64.1.1", 2222, k2)
    lines = path.read_text().splitlines()
    assert lines[0] == "# lab keys" and lines[1].startswith("[127.64.1.2]:2222")
    assert [ln for ln in lines if ln.startswith("[127.64.1.1]:2222")] == [
        f"[127.64.1.1]:2222 ssh-ed25519 {k2.get_base64()}"
    ]
    found = hostkeys.expected_key(path, "127.64.1.1", 2222)
    assert hostkeys.fingerprint(found) == hostkeys.fingerprint(k2)
    assert hostkeys.fingerprint(k2).startswith("ssh-ed25519 SHA256:")
    assert hostkeys.expected_key(path, "127.64.1.9", 2222) is None


def _ed25519(seed: bytes):
    import io

    import paramiko
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    pem = Ed25519PrivateKey.from_private_bytes(seed).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.OpenSSH,
        serialization.NoEncryption(),
    )
    return paramiko.Ed25519Key.from_private_key(io.StringIO(pem.decode()))


def test_unreadable_known_hosts_is_an_input_error(tmp_path):
    path = tmp_path / "known_hosts"
    path.write_text("[127.64.1.2]:2222 ssh-ed25519 AAAA-not-base64\n")
    with pytest.raises(InputError, match="known_hosts"):
        hostkeys.expected_key(path, "127.64.1.2", 2222)


def test_backups_are_readable_by_their_owner_only(tmp_path):
    """Backups hold device configurations (IOS password hashes among them): 0700 / 0600, git's
    own objects included."""
    import stat

    root = tmp_path / "backups"
    store = BackupStore(root)
    store.save("loa-bakung", "loa-bakung-sw01", "ios", "hostname sw01\n")
    store.save("loa-bakung", "loa-bakung-sw01", "ios", "hostname sw01-b\n")
    for path in [root, *root.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode & 0o077 == 0, f"{path} is {oct(mode)}"


def test_a_file_where_the_backup_folder_should_be_is_bad_input(tmp_path):
    where = tmp_path / "backups"
    where.write_text("not a folder\n")
    with pytest.raises(InputError, match="expected a folder, found a file"):
        BackupStore(where)
