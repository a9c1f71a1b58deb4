"""Which containers the lab boots for a site, and that they mirror the roles' Molecule platforms."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from digikel.errors import InputError
from digikel.labsvc.containers import (
    APT_CACHE,
    PORTAL_NAME,
    base_image,
    container_specs,
    run_args,
)


def test_a_site_boots_its_counters_displays_and_the_portal(inv) -> None:
    specs = container_specs(inv, [inv.site("loa-bakung")])
    site = inv.site("loa-bakung")
    endpoints = [d.name for d in site.devices if d.role in ("counter", "display")]
    assert [s.name for s in specs] == [*endpoints, PORTAL_NAME]
    assert {s.role for s in specs} == {"counter", "display", "portal"}
    assert specs[-1].publish == ("127.66.1.1:8443:443",)
    assert container_specs(inv, [site], portal=False)[-1].name != PORTAL_NAME


def test_hosts_choose_exactly_those_containers(inv) -> None:
    specs = container_specs(inv, [], hosts=["loa-bakung-pc01", PORTAL_NAME])
    assert [(s.name, s.role, s.site) for s in specs] == [
        ("loa-bakung-pc01", "counter", "loa-bakung"),
        (PORTAL_NAME, "portal", ""),
    ]


def test_printers_and_network_devices_are_no_containers(inv) -> None:
    with pytest.raises(InputError, match="loa-bakung-rtr01 is a router"):
        container_specs(inv, [], hosts=["loa-bakung-rtr01"])


def test_too_many_sites_are_refused(inv) -> None:
    with pytest.raises(InputError, match="at most 3 sites"):
        container_specs(inv, inv.sites[:4])


def _molecule_platforms(repo: Path) -> list[dict[str, object]]:
    files = sorted(repo.glob("roles/*/molecule/default/molecule.yml"))
    assert files, "no Molecule scenario to mirror"
    return [p for f in files for p in yaml.safe_load(f.read_text())["platforms"]]


def test_run_options_mirror_the_molecule_platforms(inv, repo: Path) -> None:
    image = base_image(repo)
    spec = container_specs(inv, [], hosts=[PORTAL_NAME])[0]
    args = run_args(spec, image)
    for platform in _molecule_platforms(repo):
        assert platform["image"] == image
        assert platform["systemd"] == "always" and "--systemd=always" in args
        assert args[-1] == platform["command"] == "/sbin/init"
        for capability in platform["capabilities"]:  # type: ignore[attr-defined]
            assert args[args.index("--cap-add") + 1] == capability
        for volume in platform["volumes"]:  # type: ignore[attr-defined]
            # Same archive cache as Molecule's, but one per container: a site's PCs converge at
            # once and apt must not share an archive lock across containers.
            source, _, target = volume.partition(":")
            assert f"{Path(source) / PORTAL_NAME}:{target}" in args
    assert f"{APT_CACHE / PORTAL_NAME}:/var/cache/apt/archives" in args
    assert args[args.index("--name") + 1] == args[args.index("--hostname") + 1] == PORTAL_NAME
    assert args[args.index("--publish") + 1] == "127.66.1.1:8443:443"
    assert args[-2] == image
