"""The endpoints of chosen sites (and the data-centre portal) as podman systemd containers.

Each container is a PC as the Debian installer leaves it (scripts/build-endpoint-image.sh: the
systemd base image plus openssh-server), reached over SSH as in production:

- its sshd is published where the lab inventory says (127.67.<site>.<octet>:2200, displays 2201);
  another lab instance on the same machine (a test's) publishes on 127.0.0.1 at a port podman
  picks, and its environment tells Ansible where (environment.py);
- at its first boot it makes its own host keys; the lab then applies the installer's late_command
  (cli/digikel/endpoints/installer.py: the admin account with digikel's key, passwordless sudo,
  no root or password logins) and pins the new ed25519 key in the instance's known_hosts, read
  over podman (the lab's console), never over the network it is meant to verify.

It has its inventory host as hostname and is named after it in the operator's lab; another
instance names it `<instance>-<host>` and labels it with its instance, so that labs never find,
reuse or remove each other's containers (instance.py). Functions take host names;
`ContainerStatus.container` is podman's name. Options mirror the endpoint roles' Molecule
platforms (roles/*/molecule/default/molecule.yml): `--systemd=always`, `/sbin/init`, NET_ADMIN
(nftables) and an apt archive cache on the host, one per container: a rollout converges a site's
PCs at the same time, and apt in two containers must never share one archive lock.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from digikel.errors import DigikelError, InputError
from digikel.labsvc.instance import Instance, lab_instance

if TYPE_CHECKING:
    from digikel.inventory.model import Device, Inventory, Site

LABEL = "digikel.labsvc"
DEFAULT_IMAGE = "localhost/digikel-debian12-endpoint:2"
INSTANCE_LABEL = f"{LABEL}.instance"
# The state directory of the lab that made the container: two checkouts of the project on one
# machine are both "the operator's lab" (instance ""), and must still never share containers.
STATE_LABEL = f"{LABEL}.state"
APT_CACHE = Path("/var/cache/digikel/apt-archives")
BUILD_SCRIPT = Path("scripts") / "build-endpoint-image.sh"
PORTAL_NAME = "dc-portal01"
KNOWN_HOSTS = "known_hosts"  # in the instance's state directory
FIRST_BOOT_MARK = "/var/lib/digikel-lab-installed"
# Endpoint containers are full systemd machines; docs/lab-services.md sizes them (the ten pilot
# sites' 50 PCs and displays fit this machine's memory; their converge is what takes time).
MAX_SITES = 10
SYSTEMD_READY = ("running", "degraded")
BOOT_SECONDS_EACH = 3.0  # added to the boot timeout per container booted at once
INOTIFY_PER_CONTAINER = 8  # systemd, journald, logind, udev and path units, with room
INOTIFY_LIMIT = Path("/proc/sys/fs/inotify/max_user_instances")


@dataclass(frozen=True)
class ContainerSpec:
    name: str
    role: str  # counter | display | portal
    site: str  # slug; "" for the data-centre portal
    publish: tuple[str, ...] = ()
    # The installer's admin account and late_command (its key, sudo rule and sshd policy).
    admin: str = ""
    first_boot: str = ""


@dataclass(frozen=True)
class ContainerStatus:
    name: str  # the inventory host
    role: str
    site: str
    state: str  # podman's: running, exited, ... ; "missing" when there is none
    systemd: str | None = None
    ports: list[str] = field(default_factory=list)
    container: str = ""  # podman's name (the host's, prefixed by a test's lab instance)

    @property
    def ready(self) -> bool:
        return self.state == "running" and self.systemd in SYSTEMD_READY

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "ready": self.ready}


@dataclass(frozen=True)
class ContainersResult:
    """What `containers_up` did; `skipped` says why nothing ran (podman does not work here)."""

    containers: list[ContainerStatus]
    skipped: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "skipped": self.skipped,
            "containers": [c.as_dict() for c in self.containers],
        }


def container_specs(
    inv: Inventory,
    sites: Sequence[Site],
    hosts: Sequence[str] | None = None,
    portal: bool = True,
    instance: Instance | None = None,
) -> list[ContainerSpec]:
    """Counters and displays of `sites` (at most MAX_SITES), then dc-portal01 when `portal`.
    With `hosts`, exactly those hosts instead (counters, displays or dc-portal01). The portal
    publishes on the lab instance's portal address (default: that of DIGIKEL_LABSVC_DIR)."""
    instance = instance or lab_instance()
    if hosts:
        chosen = []
        for host in dict.fromkeys(hosts):
            device = inv.device(host)
            if device.role not in ("counter", "display", "portal"):
                raise InputError(
                    f"{host} is a {device.role}: only counters, displays and {PORTAL_NAME} "
                    "run as containers in the lab"
                )
            chosen.append(device)
    else:
        if len(sites) > MAX_SITES:
            raise InputError(
                f"{len(sites)} sites chosen: endpoint containers run for at most {MAX_SITES} "
                "sites at once (each endpoint is a full systemd container, docs/lab-services.md);"
                " choose them with --site or --wave"
            )
        chosen = [d for site in sites for d in site.devices if d.role in ("counter", "display")]
        if portal:
            chosen.append(inv.portal)
    key = _admin_key(inv) if chosen else ""
    return [_spec(inv, device, key, instance) for device in chosen]


def _admin_key(inv: Inventory) -> str:
    """digikel's SSH public key from the vault, as the installer's answers carry it."""
    from digikel.endpoints.installer import VAULT_KEY
    from digikel.inventory.secrets import load_secrets

    key = load_secrets(inv).get(VAULT_KEY)
    if not isinstance(key, str) or not key.strip():
        raise InputError(f"{VAULT_KEY} is missing from the lab vault: the PCs need digikel's key")
    return key.strip()


def _spec(inv: Inventory, device: Device, key: str, instance: Instance) -> ContainerSpec:
    from digikel.endpoints.installer import account_script

    # The operator's lab publishes sshd where the inventory says; a test's instance lets podman
    # pick a free port on 127.0.0.1, so it never takes the operator's addresses.
    ssh = (
        f"{device.connect_host}:{device.connect_port}:22" if not instance.name else "127.0.0.1::22"
    )
    admin = inv.city.accounts.admins[0].name
    script = account_script(admin, key)
    if device.role == "portal":
        publish = (ssh, instance.portal_publish)
        return ContainerSpec(device.name, "portal", "", publish, admin, script)
    return ContainerSpec(device.name, device.role, device.site, (ssh,), admin, script)


def base_image(repo_root: Path | None = None) -> str:
    """DIGIKEL_ENDPOINT_IMAGE, else the image scripts/build-endpoint-image.sh builds (one source
    of the tag, so bumping it there is enough), else the known default."""
    configured = os.environ.get("DIGIKEL_ENDPOINT_IMAGE")
    if configured:
        return configured
    if repo_root is not None:
        try:
            text = (repo_root / BUILD_SCRIPT).read_text()
        except OSError:
            return DEFAULT_IMAGE
        match = re.search(r'IMAGE="\$\{DIGIKEL_ENDPOINT_IMAGE:-([^}"]+)\}"', text)
        if match:
            return match.group(1)
    return DEFAULT_IMAGE


def _seed_cache(cache: Path) -> None:
    """A container's own archive cache, starting with hard links to what the shared one holds
    (the packages Molecule already downloaded), so nothing is fetched twice."""
    if cache.exists():
        return
    cache.joinpath("partial").mkdir(parents=True)
    for deb in APT_CACHE.glob("*.deb"):
        try:
            os.link(deb, cache / deb.name)
        except OSError:
            return  # another filesystem or no links allowed: apt downloads instead


def run_args(spec: ContainerSpec, image: str, instance: Instance | None = None) -> list[str]:
    """The `podman run` arguments of one lab container (pure, so it is unit-tested)."""
    name = instance.container(spec.name) if instance else spec.name
    args = [
        "podman", "run", "--detach",
        "--name", name,
        "--hostname", spec.name,
        "--label", f"{LABEL}=endpoint",
        "--label", f"{LABEL}.role={spec.role}",
        "--label", f"{LABEL}.site={spec.site}",
        "--label", f"{INSTANCE_LABEL}={instance.name if instance else ''}",
        "--label", f"{STATE_LABEL}={instance.state_dir if instance else ''}",
        "--label", f"{LABEL}.host={spec.name}",
        "--systemd=always",
        "--cap-add", "NET_ADMIN",
        "--volume", f"{APT_CACHE / name}:/var/cache/apt/archives",
    ]  # fmt: skip
    for publish in spec.publish:
        args += ["--publish", publish]
    return [*args, image, "/sbin/init"]


def _podman(*args: str, timeout: float = 120.0) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            ["podman", *args], capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(
            ["podman", *args], 124, "", f"timed out after {timeout} s"
        )


def podman_problem() -> str | None:
    """Why podman cannot run the lab's containers here, or None when it can."""
    if shutil.which("podman") is None:
        return "podman is not installed (scripts/setup.d/20-podman.sh installs it)"
    info = _podman("info", "--format", "{{.Host.OCIRuntime.Name}}", timeout=60)
    if info.returncode != 0:
        return f"`podman info` fails: {(info.stderr or info.stdout).strip()[:300]}"
    return None


def ensure_base_image(image: str, repo_root: Path) -> None:
    """Build the endpoint image with scripts/build-endpoint-image.sh when it is missing (a few
    minutes the first time on a machine: debootstrap from Debian's mirror, then openssh-server)."""
    if _podman("image", "exists", image).returncode == 0:
        return
    script = repo_root / BUILD_SCRIPT
    if os.geteuid() != 0:
        raise DigikelError(
            f"the base image {image} is missing and building it needs root: run {script}"
        )
    done = subprocess.run(
        ["bash", str(script)],
        env={**os.environ, "DIGIKEL_ENDPOINT_IMAGE": image},
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0 or _podman("image", "exists", image).returncode != 0:
        tail = "\n".join(done.stderr.splitlines()[-15:])
        raise DigikelError(f"building the base image {image} failed:\n{tail}")


def _inspect(names: Sequence[str]) -> dict[str, dict[str, object]]:
    if not names:
        return {}
    done = _podman("container", "inspect", *names)
    # inspect fails as a whole when one name is missing: fall back to one by one.
    if done.returncode != 0:
        found: dict[str, dict[str, object]] = {}
        for name in names if len(names) > 1 else ():
            found.update(_inspect([name]))
        return found
    return {item["Name"].lstrip("/"): item for item in json.loads(done.stdout or "[]")}


def _systemd_state(name: str) -> str:
    # is-system-running prints the state whatever its exit code ("starting" exits 1).
    done = _podman("exec", name, "systemctl", "is-system-running", timeout=30)
    lines = done.stdout.strip().splitlines()
    return lines[-1] if lines else "unreachable"


def containers_up(
    specs: Sequence[ContainerSpec],
    *,
    repo_root: Path,
    timeout: float = 120.0,
    state_dir: Path | str | None = None,
) -> ContainersResult:
    """Create or start every container of the lab instance of `state_dir` (idempotent), then
    wait until systemd inside each is running (or degraded). Returns skipped=<reason> without
    doing anything if podman does not work here; raises DigikelError when a container does not
    come up."""
    problem = podman_problem()
    if problem is not None:
        return ContainersResult([], skipped=problem)
    if not specs:
        return ContainersResult([])
    instance = lab_instance(state_dir)
    _check_inotify(len(specs))
    image = base_image(repo_root)
    ensure_base_image(image, repo_root)
    APT_CACHE.joinpath("partial").mkdir(parents=True, exist_ok=True)
    for spec in specs:
        _seed_cache(APT_CACHE / instance.container(spec.name))
    existing = _inspect([instance.container(s.name) for s in specs])
    for spec in specs:
        name = instance.container(spec.name)
        current = existing.get(name)
        if current is not None and _reusable(name, current, instance):
            if (current.get("State") or {}).get("Running"):  # type: ignore[attr-defined]
                continue
            done = _podman("start", name)
        else:
            done = _podman(*run_args(spec, image, instance)[1:])
        if done.returncode != 0:
            raise DigikelError(f"podman could not start {name}: {done.stderr.strip()}")
    # Dozens of systemd machines booting at once on two cores: each gets its share of time.
    deadline = time.monotonic() + timeout + BOOT_SECONDS_EACH * len(specs)
    states = {instance.container(s.name): "" for s in specs}
    while True:
        for name, state in states.items():
            if state not in SYSTEMD_READY:
                states[name] = _systemd_state(name)
        if all(state in SYSTEMD_READY for state in states.values()):
            break
        if time.monotonic() > deadline:
            late = ", ".join(f"{n} ({s})" for n, s in states.items() if s not in SYSTEMD_READY)
            raise DigikelError(f"systemd did not come up within {timeout:g} s in: {late}")
        time.sleep(0.5)
    for spec in specs:
        _install(instance.container(spec.name), spec)
    statuses = containers_status(
        [s.name for s in specs], systemd=states, state_dir=instance.state_dir
    )
    pin_host_keys(statuses, instance.state_dir / KNOWN_HOSTS)
    return ContainersResult(statuses)


def _reusable(name: str, inspected: dict[str, Any], instance: Instance) -> bool:
    """Whether the existing container `name` is this lab's to reuse. An orphan (the state
    directory of the lab that made it is gone: a deleted checkout) is removed, and False says
    to make it anew; a container of another lab that still exists is refused."""
    labels = (inspected.get("Config") or {}).get("Labels") or {}
    if labels.get(LABEL) != "endpoint" or labels.get(INSTANCE_LABEL, "") != instance.name:
        raise DigikelError(
            f"a container named {name} exists and is not this lab's: remove it "
            f"(`podman rm -f {name}`) or rename it"
        )
    owner = labels.get(STATE_LABEL, "")
    if owner and Path(owner) != instance.state_dir:
        if Path(owner).is_dir():
            raise DigikelError(
                f"{name} belongs to the lab of another checkout ({owner}); the two use the same "
                f"names and addresses: stop that lab first (`digikel lab services down` there, "
                f"or `podman rm -f {name}`)"
            )
        done = _podman("rm", "--force", "--time", "10", name)
        if done.returncode != 0:
            raise DigikelError(
                f"podman could not remove {name}, left by a deleted lab ({owner}): "
                f"{done.stderr.strip()}"
            )
        return False
    return True


def _check_inotify(count: int, limit_file: Path = INOTIFY_LIMIT) -> None:
    """Refuse, with the fix, when the kernel's inotify instances cannot serve `count` more systemd
    containers: past the limit their systemd hangs in "initializing", silently."""
    try:
        limit = int(limit_file.read_text())
    except (OSError, ValueError):
        return
    running = len(_podman("ps", "--quiet").stdout.split())
    needed = INOTIFY_PER_CONTAINER * (running + count)
    if limit < needed:
        raise DigikelError(
            f"fs.inotify.max_user_instances is {limit}: {running + count} systemd containers need "
            f"about {needed}; run scripts/setup.d/22-container-limits.sh as root (or boot fewer "
            "sites)"
        )


def _own_containers(instance: Instance) -> dict[str, tuple[str, str]]:
    """{host: (container, site)} of every container of this lab instance (podman's list)."""
    listed = _podman(
        "ps", "--all", "--filter", f"label={LABEL}=endpoint", "--format",
        "{{.Names}}|{{ index .Labels \"digikel.labsvc.instance\" }}"
        "|{{ index .Labels \"digikel.labsvc.site\" }}"
        "|{{ index .Labels \"digikel.labsvc.state\" }}",
    )  # fmt: skip
    own: dict[str, tuple[str, str]] = {}
    prefix = f"{instance.name}-" if instance.name else ""
    for line in listed.stdout.splitlines():
        name, label, site, owner = [*line.strip().split("|"), "", "", ""][:4]
        # Containers made before instances (or owners) were labelled: the operator's.
        label = "" if label == "<no value>" else label
        owner = "" if owner == "<no value>" else owner
        if owner and Path(owner) != instance.state_dir:
            continue
        if name and label == instance.name and name.startswith(prefix):
            own[name.removeprefix(prefix)] = (name, "" if site == "<no value>" else site)
    return own


def containers_status(
    names: Sequence[str] | None = None,
    systemd: dict[str, str] | None = None,
    state_dir: Path | str | None = None,
) -> list[ContainerStatus]:
    """The containers of the lab instance of `state_dir` (all of them, or those of the given
    hosts; missing ones too). `systemd` is already known state by container name."""
    if podman_problem() is not None:
        return []
    instance = lab_instance(state_dir)
    own = _own_containers(instance)
    wanted = list(names) if names is not None else list(own)
    details = _inspect([own[h][0] for h in wanted if h in own])
    rows = []
    for host in wanted:
        name = instance.container(host)
        item = details.get(name) if host in own else None
        if item is None:
            rows.append(ContainerStatus(host, "", "", "missing", container=name))
            continue
        labels = (item.get("Config") or {}).get("Labels") or {}  # type: ignore[attr-defined]
        state = str((item.get("State") or {}).get("Status", "unknown"))  # type: ignore[attr-defined]
        ports = (item.get("NetworkSettings") or {}).get("Ports") or {}  # type: ignore[attr-defined]
        published = [
            f"{b.get('HostIp')}:{b.get('HostPort')}->{inside}"
            for inside, bindings in ports.items()
            for b in bindings or []
        ]
        sd = (systemd or {}).get(name)
        if sd is None and state == "running":
            sd = _systemd_state(name)
        rows.append(
            ContainerStatus(
                host,
                labels.get(f"{LABEL}.role", ""),
                labels.get(f"{LABEL}.site", ""),
                state,
                sd,
                published,
                name,
            )
        )
    return rows


def containers_down(
    names: Sequence[str] | None = None,
    sites: Sequence[str] | None = None,
    state_dir: Path | str | None = None,
) -> list[str]:
    """Remove the containers of the lab instance of `state_dir`: all of them, or those of the
    given hosts, or those of the given sites. Returns the hosts whose container was removed; no
    other instance's container is ever touched."""
    if podman_problem() is not None:
        return []
    own = _own_containers(lab_instance(state_dir))
    victims = [
        host
        for host, (_, site) in own.items()
        if (names is None or host in names) and (sites is None or site in sites)
    ]
    if victims:
        done = _podman("rm", "--force", "--time", "10", *(own[h][0] for h in victims))
        if done.returncode != 0:
            raise DigikelError(
                f"podman could not remove {', '.join(victims)}: {done.stderr.strip()}"
            )
    return victims


def _install(container: str, spec: ContainerSpec) -> None:
    """The installer's work on a new container, once: the admin account (the installer's user
    questions) and the late_command; then sshd takes the new policy."""
    if not spec.first_boot:
        return
    user = shlex.quote(spec.admin)
    script = (
        f"set -eu\n[ -e {FIRST_BOOT_MARK} ] && exit 0\n"
        f"id -u {user} >/dev/null 2>&1 || useradd --create-home --shell /bin/bash {user}\n"
        f"{spec.first_boot}\nsystemctl reload-or-restart ssh.service\ntouch {FIRST_BOOT_MARK}\n"
    )
    done = _podman("exec", container, "sh", "-c", script, timeout=60)
    if done.returncode != 0:
        raise DigikelError(f"{container}: the installer's first boot failed: {done.stderr.strip()}")


def ssh_address(status: ContainerStatus) -> tuple[str, int] | None:
    """Where the container's sshd is published on this machine (podman's port mapping)."""
    for mapping in status.ports:
        published, _, inside = mapping.partition("->")
        if inside.split("/")[0] == "22":
            address, _, port = published.rpartition(":")
            return address or "127.0.0.1", int(port)
    return None


def pin_host_keys(statuses: Sequence[ContainerStatus], known_hosts: Path) -> None:
    """Pin each container's own ed25519 host key at its published address, read through podman
    (the lab's console: what an installer's screen or the PC's sticker would show a technician),
    replacing what was pinned there before: a container made anew is a PC installed anew."""
    from digikel.network.hostkeys import host_label

    lines: dict[str, str] = {}
    for status in statuses:
        where = ssh_address(status)
        if where is None or status.state != "running":
            continue
        done = _podman("exec", status.container, "cat", "/etc/ssh/ssh_host_ed25519_key.pub")
        fields = done.stdout.split()
        if done.returncode != 0 or len(fields) < 2:
            raise DigikelError(f"{status.container}: no SSH host key ({done.stderr.strip()})")
        name = host_label(*where)
        lines[name] = f"{name} {fields[0]} {fields[1]}"
    if not lines:
        return
    kept = []
    if known_hosts.exists():
        kept = [
            line
            for line in known_hosts.read_text().splitlines()
            if line.split(" ", 1)[0] not in lines
        ]
    known_hosts.parent.mkdir(parents=True, exist_ok=True)
    tmp = known_hosts.with_suffix(".tmp")
    tmp.write_text("\n".join([*kept, *lines.values()]) + "\n")
    os.replace(tmp, known_hosts)
