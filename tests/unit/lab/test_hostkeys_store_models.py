"""Host keys, the state store and the hardware models."""

from __future__ import annotations

import base64
import hashlib

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from digikel.lab.device import DeviceSpec, format_duration, parse_duration
from digikel.lab.hostkeys import impostor_seed, known_hosts_text, public_key
from digikel.lab.models import ios_hardware, routeros_hardware
from digikel.lab.store import StateStore


def test_host_key_is_sha256_of_seed_and_name():
    raw = hashlib.sha256(b"seed:loa-bakung-rtr01").digest()
    expected = Ed25519PrivateKey.from_private_bytes(raw).public_key()
    blob = expected.public_bytes(Encoding.OpenSSH, PublicFormat.OpenSSH).decode()
    assert public_key("seed", "loa-bakung-rtr01") == blob
    assert blob.startswith("ssh-ed25519 AAAA")
    assert public_key(impostor_seed("seed"), "loa-bakung-rtr01") != blob
    assert len(base64.b64decode(blob.split()[1])) == 51


def test_known_hosts_lines_use_bracketed_host_and_port():
    spec = DeviceSpec("a-rtr01", "routeros", "m", "127.64.3.1", 2222, "u", "p", "seed")
    text = known_hosts_text([spec])
    entries = [line for line in text.splitlines() if not line.startswith("#")]
    assert entries == [f"[127.64.3.1]:2222 {public_key('seed', 'a-rtr01')}"]


def test_committed_known_hosts_matches_the_vault_seed(inv):
    from digikel.lab.specs import lab_specs

    specs = lab_specs(inv)
    assert len(specs) == sum(len(s.network_devices) for s in inv.sites)
    committed = inv.known_hosts_path.read_text()
    assert committed == known_hosts_text(specs)


def test_state_store_round_trip_and_unreadable_file(tmp_path):
    store = StateStore(tmp_path)
    assert store.load("x") is None
    store.save("x", {"platform": "ios", "running": [{"line": "hostname a", "children": []}]})
    assert store.load("x")["running"][0]["line"] == "hostname a"
    store.path("y").write_text("{not json")
    assert store.load("y") is None
    assert store.remove("x") and not store.remove("x")


def test_hardware_of_the_programme_models():
    assert routeros_hardware("RB5009UG+S+IN").ethernet[-1] == "sfp-sfpplus1"
    assert len(routeros_hardware("CRS328-24P-4S+RM").ethernet) == 28
    assert routeros_hardware("cAP ax").wifi == ("wifi1", "wifi2")
    assert routeros_hardware("unknown", "ap").wifi == ("wifi1", "wifi2")
    c1000 = ios_hardware("C1000-24P-4G-L")
    assert len(c1000.ethernet) == 24 and c1000.uplinks[0] == "GigabitEthernet1/0/25"
    assert ios_hardware("C1000-8P-2G-L").uplinks == (
        "GigabitEthernet1/0/9",
        "GigabitEthernet1/0/10",
    )


def test_durations():
    assert parse_duration("5m") == 300 and parse_duration("1h30m") == 5400
    assert parse_duration("00:05:00") == 300 and parse_duration("bogus") is None
    assert format_duration(3725) == "1h2m5s" and format_duration(0) == "0s"
