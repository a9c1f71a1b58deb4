"""A synthetic city N times larger than Samarinda, to show how inventory cost grows."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from bench.harness import REPO


def write_synthetic(target: Path, factor: int) -> Path:
    """Copy the real inventory with `factor` times the kelurahan; returns its lab env file."""
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(REPO / "inventory", target)
    city = yaml.safe_load((target / "city.yml").read_text())
    # Room for thousands of /20 site blocks and WireGuard addresses.
    city["address_plan"].update(city_range="10.0.0.0/9", sites_start="10.1.0.0")
    city["datacentre"].update(
        range="10.0.0.0/16",
        servers="10.0.1.0/24",
        portal="10.0.1.10",
        dns=["10.0.1.53"],
        ntp=["10.0.1.123"],
        monitoring="10.0.1.20",
        opd_networks=["10.0.16.0/20"],
        transit="10.0.240.0/20",
    )
    (target / "city.yml").write_text(yaml.safe_dump(city, sort_keys=False))
    sites = yaml.safe_load((target / "sites.yml").read_text())["kecamatan"]
    grown: dict[str, dict[str, object]] = {}
    number = 0
    for copy in range(factor):
        for kecamatan, kelurahan in sites.items():
            for name, entry in kelurahan.items():
                number += 1
                entry = dict(entry, number=number)
                key = name if copy == 0 else f"{name} {copy + 1}"
                grown.setdefault(f"{kecamatan} {copy + 1}" if copy else kecamatan, {})[key] = entry
    (target / "sites.yml").write_text(yaml.safe_dump({"kecamatan": grown}, sort_keys=False))
    env = target / "lab" / "digikel.yml"
    # The lab puts site n at <prefix> + n x 256 and its printers at base + 100 x n + octet: a
    # city of thousands of sites needs a wider loopback prefix and a lower port base.
    env.write_text(
        "plugin: digikel\nenvironment: lab\nreference: null\n"
        "lab_network_prefix: 127.64.0.0/10\nlab_printer_port_base: 1024\n"
        "lab_endpoint_prefix: 127.128.0.0/10\n"
    )
    return env


def write_static_copy(listed: dict[str, object], target: Path) -> Path:
    """The same hosts, groups and variables as a plain YAML inventory (Ansible's own plugin)."""
    meta = listed.get("_meta", {})
    hostvars: dict[str, dict[str, object]] = (
        meta.get("hostvars", {}) if isinstance(meta, dict) else {}
    )

    def plain(value: object) -> object:
        if isinstance(value, dict):
            if set(value) == {"__ansible_unsafe"}:
                return value["__ansible_unsafe"]
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        return value

    groups: dict[str, dict[str, object]] = {}
    placed: set[str] = set()  # a host's variables are written once, at its first group

    def host_entry(host: str) -> object:
        if host in placed:
            return None
        placed.add(host)
        return {
            k: plain(v) for k, v in hostvars.get(host, {}).items() if not k.startswith("vault_")
        }

    for name, body in listed.items():
        if name == "_meta" or not isinstance(body, dict):
            continue
        group: dict[str, object] = {}
        if body.get("hosts"):
            group["hosts"] = {h: host_entry(h) for h in body["hosts"]}
        if body.get("children"):
            group["children"] = {c: {} for c in body["children"]}
        groups[name] = group
    all_group = groups.pop("all", {})
    all_group.setdefault("children", {})
    static = {"all": {**all_group}}
    for name, group in groups.items():
        static[name] = group
    target.mkdir(parents=True, exist_ok=True)
    path = target / "static.yml"
    path.write_text(yaml.safe_dump(static, sort_keys=False))
    return path
