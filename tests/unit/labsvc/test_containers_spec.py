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
    # sshd where the inventory reaches each host; the portal's HTTPS on the lab plan too
    assert specs[-1].publish == ("127.67.0.10:2200:22", "127.66.1.1:8443:443")
    by_name = {s.name: s for s in specs}
    for name in endpoints:
        device = inv.device(name)
        assert by_name[name].publish == (f"{device.connect_host}:{device.connect_port}:22",)
        # the installer's late_command, for the inventory's first administrator
        assert by_name[name].admin == inv.city.accounts.admins[0].name
        assert "NOPASSWD" in by_name[name].first_boot
    assert container_specs(inv, [site], portal=False)[-1].name != PORTAL_NAME


def test_another_lab_instance_lets_podman_pick_its_ssh_ports(inv, tmp_path: Path) -> None:
    from digikel.labsvc.instance import configure_instance

    instance = configure_instance(tmp_path, "t9-spec")
    specs = container_specs(inv, [], hosts=["loa-bakung-pc01"], instance=instance)
    assert specs[0].publish == ("127.0.0.1::22",)


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
    # the ten sites of a wave fit (docs/lab-services.md sizes them); eleven do not
    assert len({s.site for s in container_specs(inv, inv.sites[:10], portal=False)}) == 10
    with pytest.raises(InputError, match="at most 10 sites"):
        container_specs(inv, inv.sites[:11])


def _molecule_platforms(repo: Path) -> list[dict[str, object]]:
    files = sorted(repo.glob("roles/*/molecule/default/molecule.yml"))
    assert files, "no Molecule scenario to mirror"
    return [p for f in files for p in yaml.safe_load(f.read_text())["platforms"]]


def test_run_options_mirror_the_molecule_platforms(inv, repo: Path) -> None:
    image = base_image(repo)
    spec = container_specs(inv, [], hosts=[PORTAL_NAME])[0]
    args = run_args(spec, image)
    # the lab's PCs are the Molecule image plus what the installer adds (sshd)
    script = (repo / "scripts" / "build-endpoint-image.sh").read_text()
    base = script.split('BASE="${DIGIKEL_BASE_IMAGE:-', 1)[1].split("}", 1)[0]
    assert image == script.split('IMAGE="${DIGIKEL_ENDPOINT_IMAGE:-', 1)[1].split("}", 1)[0]
    for platform in _molecule_platforms(repo):
        assert platform["image"] == base
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
    published = [args[i + 1] for i, a in enumerate(args) if a == "--publish"]
    assert published == ["127.67.0.10:2200:22", "127.66.1.1:8443:443"]
    assert args[-2] == image


def test_too_few_inotify_instances_are_refused_with_the_fix(tmp_path: Path, monkeypatch) -> None:
    import subprocess

    from digikel.errors import DigikelError
    from digikel.labsvc import containers

    running = subprocess.CompletedProcess([], 0, "a\nb\n", "")
    monkeypatch.setattr(containers, "_podman", lambda *args, **kw: running)
    limit = tmp_path / "max_user_instances"
    limit.write_text("128\n")  # the kernel's default
    containers._check_inotify(10, limit)  # 12 containers: 96 instances fit
    with pytest.raises(DigikelError, match=r"22-container-limits\.sh") as refused:
        containers._check_inotify(50, limit)
    assert "is 128: 52 systemd containers need about 416" in str(refused.value)
    limit.write_text("8192\n")
    containers._check_inotify(50, limit)
