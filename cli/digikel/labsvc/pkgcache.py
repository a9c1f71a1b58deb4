"""The lab's package cache: apt-cacher-ng, as Diskominfo runs one at its data centre.

The endpoints' apt fetches through it (roles/apt_lists, the inventory's
`digikel_package_cache_url`), so a site's converge downloads each Debian package from outside
once; every further endpoint, site or rerun gets it from the cache. The lab runs its own instance
in the foreground of a process of its own (never Debian's system service, which listens on every
address): its configuration, logs and pid file live in the state directory, its cache in a
machine-wide folder that survives lab resets and CI reruns. It listens on the podman bridge's
gateway, the address the endpoint containers reach this machine at and no other machine does.
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import json
import shutil
import socket
import subprocess
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from digikel.errors import DigikelError, InputError
from digikel.labsvc.state import live_pid, resolve_state_dir, tail, terminate, write_pid

DEFAULT_PORT = 3142
# Machine-wide, beside the containers' archive caches (/var/cache/digikel/apt-archives).
DEFAULT_CACHE_DIR = Path("/var/cache/digikel/apt-cacher-ng")
PODMAN_NETWORK = "podman"
PROGRAM = "apt-cacher-ng"
REPORT_PAGE = "acng-report.html"
TRANSFER_LOG = "apt-cacher.log"
PACKAGE_SUFFIXES = (".deb", ".udeb")

# Debian's own configuration (/etc/apt-cacher-ng/acng.conf) minus what belongs to the system
# service: the Debian archive and its security archive (deb.debian.org/debian-security included)
# each under one name whatever mirror an endpoint asks for. Transfers are logged unbuffered, so
# that status reads current figures.
CONFIG = """\
# Written by digikel (cli/digikel/labsvc/pkgcache.py); the command line sets CacheDir, LogDir,
# Port and BindAddress.
SupportDir: /usr/lib/apt-cacher-ng
Remap-debrep: file:deb_mirror*.gz /debian
Remap-secdeb: security.debian.org security.debian.org/debian-security \
deb.debian.org/debian-security /debian-security cdn-fastly.deb.debian.org/debian-security ; \
deb.debian.org/debian-security security.debian.org cdn-fastly.deb.debian.org/debian-security
ReportPage: acng-report.html
ExThreshold: 4
VerboseLog: 1
UnbufferLogs: 1
"""


@dataclass(frozen=True)
class CacheSettings:
    """Where one instance listens and keeps its packages."""

    address: str
    port: int = DEFAULT_PORT
    cache_dir: Path = DEFAULT_CACHE_DIR

    @property
    def url(self) -> str:
        """What the inventory's digikel_package_cache_url must say for this instance."""
        return f"http://{self.address}:{self.port}"

    def as_dict(self) -> dict[str, object]:
        return {"address": self.address, "port": self.port, "cache_dir": str(self.cache_dir)}


@dataclass(frozen=True)
class CacheFigures:
    """What the transfer log says: package files sent to endpoints, and fetched from outside.

    A package served more often than fetched was served from the cache: those are the hits."""

    packages_served: int = 0
    packages_fetched: int = 0
    hits: int = 0
    bytes_served: int = 0
    bytes_fetched: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass(frozen=True)
class CacheStatus:
    running: bool  # this lab's own instance runs
    pid: int | None
    url: str | None
    answers: bool  # an apt-cacher-ng answers at the url (this lab's or another's)
    cache_dir: str | None
    log: str
    figures: CacheFigures = field(default_factory=CacheFigures)
    note: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "figures": self.figures.as_dict()}


def apt_proxy_conf(url: str) -> str:
    """The apt setting that sends an endpoint's downloads through the cache, no fallback (the
    role's 01digikel-proxy with digikel_package_cache_fallback false)."""
    return f'Acquire::http::Proxy "{url}";\n'


def command(program: str, directory: Path, settings: CacheSettings) -> list[str]:
    """The instance's command line (pure, so it is unit-tested): the configuration folder holds
    CONFIG; the rest is per instance. No admin socket (SocketPath empty): nothing else uses it,
    and two labs' instances would share Debian's default path."""
    return [
        program,
        "-c", str(directory / "conf"),
        "ForeGround=1",
        f"Port={settings.port}",
        f"BindAddress={settings.address}",
        f"CacheDir={settings.cache_dir}",
        f"LogDir={directory / 'log'}",
        "SocketPath=",
        "PidFile=",
    ]  # fmt: skip


def parse_figures(lines: list[str]) -> CacheFigures:
    """Read apt-cacher-ng's transfer log: `time|I|bytes|client|path` for what it fetched from
    outside (In), `time|O|...` for what it sent to a client (Out)."""
    served: Counter[str] = Counter()
    fetched: Counter[str] = Counter()
    bytes_in = bytes_out = 0
    for line in lines:
        parts = line.strip().split("|")
        if len(parts) < 5 or parts[1] not in ("I", "O") or not parts[2].isdigit():
            continue
        path = parts[4]
        if parts[1] == "I":
            bytes_in += int(parts[2])
            if path.endswith(PACKAGE_SUFFIXES):
                fetched[path] += 1
        else:
            bytes_out += int(parts[2])
            if path.endswith(PACKAGE_SUFFIXES):
                served[path] += 1
    hits = sum(max(0, count - fetched[path]) for path, count in served.items())
    return CacheFigures(
        packages_served=sum(served.values()),
        packages_fetched=sum(fetched.values()),
        hits=hits,
        bytes_served=bytes_out,
        bytes_fetched=bytes_in,
    )


def podman_gateway(network: str = PODMAN_NETWORK) -> tuple[str, int, str]:
    """The gateway of podman's network (this machine's address on its bridge), its prefix length
    and the bridge's interface name (cni-podman0 or podman0, by podman's network backend)."""
    try:
        result = subprocess.run(
            ["podman", "network", "inspect", network],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise DigikelError(f"podman network inspect {network}: {exc}") from exc
    if result.returncode != 0:
        raise DigikelError(f"podman network inspect {network}: {result.stderr.strip()[:300]}")
    try:
        doc = json.loads(result.stdout)[0]
        subnet = doc["subnets"][0]
        prefix = ipaddress.ip_network(subnet["subnet"]).prefixlen
        return str(subnet["gateway"]), prefix, str(doc["network_interface"])
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise DigikelError(f"podman network {network}: no gateway in its description") from exc


def is_local(address: str) -> bool:
    """Whether this machine holds `address`, so a process can listen on it."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((address, 0))
        except OSError:
            return False
    return True


def ensure_bridge(interface: str, address: str, prefix: int) -> bool:
    """Create the bridge `interface` holding `address`, as podman would for its first container;
    False when the address is here already. podman adopts an existing bridge of its network's
    name, and a listening socket bound to the address outlives the bridge's removal (podman's
    netavark removes it with the last container) and serves again once podman re-creates it."""
    if is_local(address):
        return False
    steps = [["ip", "link", "add", interface, "type", "bridge"]]
    steps += [["ip", "addr", "add", f"{address}/{prefix}", "dev", interface]]
    steps += [["ip", "link", "set", interface, "up"]]
    for step in steps:
        try:
            done = subprocess.run(step, capture_output=True, text=True, timeout=30, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise DigikelError(f"{' '.join(step)}: {exc}") from exc
        if done.returncode != 0 and "File exists" not in done.stderr:
            raise DigikelError(f"{' '.join(step)}: {done.stderr.strip()}")
    return True


def answers(settings: CacheSettings, timeout: float = 2.0) -> bool:
    """Whether an apt-cacher-ng answers at the settings' address and port."""
    connection = http.client.HTTPConnection(settings.address, settings.port, timeout=timeout)
    try:
        connection.request("GET", f"/{REPORT_PAGE}")
        response = connection.getresponse()
        body = response.read(4096)
    except (OSError, http.client.HTTPException):
        return False
    finally:
        connection.close()
    return response.status == 200 and b"Apt-Cacher NG" in body


def _dir(state_dir: Path) -> Path:
    return state_dir / "pkgcache"


def _marker(state_dir: Path) -> str:
    return str(_dir(state_dir) / "conf")


def _program() -> str:
    found = shutil.which(PROGRAM) or shutil.which(PROGRAM, path="/usr/sbin:/sbin")
    if found is None:
        raise DigikelError(
            "apt-cacher-ng is not installed (scripts/setup.d/25-apt-cacher-ng.sh installs it)"
        )
    return found


def _recorded(directory: Path) -> CacheSettings | None:
    try:
        doc = json.loads((directory / "settings.json").read_text())
        return CacheSettings(str(doc["address"]), int(doc["port"]), Path(doc["cache_dir"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def start_cache(
    state_dir: Path | str | None = None,
    address: str | None = None,
    port: int = DEFAULT_PORT,
    cache_dir: Path = DEFAULT_CACHE_DIR,
    timeout: float = 20.0,
) -> CacheStatus:
    """Start the lab's cache and wait until it answers (idempotent: a running one with the same
    settings is kept, other settings restart it). Without an address, the podman bridge's
    gateway, the bridge being created when no container made it yet. When another lab's instance
    serves the address already, that one is used: the inventory names one cache per machine."""
    directory = resolve_state_dir(state_dir)
    own = _dir(directory)
    if address is None:
        address, prefix, interface = podman_gateway()
        ensure_bridge(interface, address, prefix)
    elif not is_local(address):
        raise InputError(f"package cache: {address} is not an address of this machine")
    settings = CacheSettings(address, port, cache_dir)
    pid_file = own / "pid"
    if live_pid(pid_file, _marker(directory)) is not None:
        if _recorded(own) == settings and answers(settings):
            return cache_status(directory)
        terminate(pid_file, _marker(directory))
    if answers(settings):
        note = f"served by another lab's instance at {settings.url}"
        return cache_status(directory, shared=settings, note=note)
    program = _program()
    for folder in (own / "conf", own / "log", cache_dir):
        folder.mkdir(parents=True, exist_ok=True)
    (own / "conf" / "acng.conf").write_text(CONFIG)
    (own / "settings.json").write_text(json.dumps(settings.as_dict(), indent=1) + "\n")
    log_path = own / "server.log"
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            command(program, own, settings),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    write_pid(pid_file, process.pid)
    deadline = time.monotonic() + timeout
    while not answers(settings, timeout=1.0):
        if process.poll() is not None or time.monotonic() > deadline:
            terminate(pid_file, _marker(directory))
            raise DigikelError(f"the package cache did not start:\n{tail(log_path)}")
        time.sleep(0.1)
    return cache_status(directory)


def stop_cache(state_dir: Path | str | None = None) -> bool:
    """Stop this lab's instance (another lab's is never touched); False if none ran. The cached
    packages stay."""
    directory = resolve_state_dir(state_dir)
    return terminate(_dir(directory) / "pid", _marker(directory))


def cache_status(
    state_dir: Path | str | None = None,
    shared: CacheSettings | None = None,
    note: str | None = None,
) -> CacheStatus:
    """Whether the cache runs and answers, and the hit figures of this lab's transfer log.
    `shared`: the settings of another lab's instance this lab uses (its figures are that lab's)."""
    directory = resolve_state_dir(state_dir)
    own = _dir(directory)
    pid = live_pid(own / "pid", _marker(directory))
    settings = shared or _recorded(own)
    log = own / "log" / TRANSFER_LOG
    lines: list[str] = []
    with contextlib.suppress(OSError):
        lines = log.read_text(errors="replace").splitlines()
    return CacheStatus(
        running=pid is not None,
        pid=pid,
        url=settings.url if settings else None,
        answers=settings is not None and answers(settings),
        cache_dir=str(settings.cache_dir) if settings else None,
        log=str(log),
        figures=parse_figures(lines),
        note=note,
    )
