"""The lab CA and its server certificates (real keys and signatures, in a temporary folder)."""

from __future__ import annotations

import stat
from ipaddress import IPv4Address
from pathlib import Path

from cryptography import x509

from digikel.labsvc.tls import issue_certificate, lab_ca_path


def _sans(path: Path) -> tuple[set[str], set[str]]:
    cert = x509.load_pem_x509_certificate(path.read_bytes())
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return set(san.get_values_for_type(x509.DNSName)), {
        str(a) for a in san.get_values_for_type(x509.IPAddress)
    }


def test_server_certificate_is_signed_by_the_lab_ca(tmp_path: Path) -> None:
    cert_path, key_path = issue_certificate(
        tmp_path, "dc", ["surat.example.go.id"], [IPv4Address("127.66.0.12")]
    )
    ca = x509.load_pem_x509_certificate(lab_ca_path(tmp_path).read_bytes())
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    cert.verify_directly_issued_by(ca)
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert _sans(cert_path) == ({"surat.example.go.id"}, {"127.66.0.12"})
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600


def test_certificate_is_reused_until_a_name_is_missing(tmp_path: Path) -> None:
    first, _ = issue_certificate(tmp_path, "dc", ["a.example"], ["127.66.0.11"])
    serial = x509.load_pem_x509_certificate(first.read_bytes()).serial_number
    again, _ = issue_certificate(tmp_path, "dc", ["a.example"], ["127.66.0.11"])
    assert x509.load_pem_x509_certificate(again.read_bytes()).serial_number == serial
    ca_before = lab_ca_path(tmp_path).read_bytes()
    wider, _ = issue_certificate(tmp_path, "dc", ["a.example", "b.example"], ["127.66.0.11"])
    assert x509.load_pem_x509_certificate(wider.read_bytes()).serial_number != serial
    assert _sans(wider)[0] == {"a.example", "b.example"}
    assert lab_ca_path(tmp_path).read_bytes() == ca_before  # one CA for the lab's lifetime


def test_portal_certificate_names_the_portal_host_and_its_lab_address(inv, tmp_path: Path) -> None:
    from digikel.labsvc.datacentre import portal_certificate

    cert_path, _ = portal_certificate(inv, tmp_path)
    assert _sans(cert_path) == ({"portal.digikel.samarindakota.go.id"}, {"127.66.1.1"})
