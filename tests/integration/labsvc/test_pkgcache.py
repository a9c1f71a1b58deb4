"""The package cache for real: apt-cacher-ng started as the lab starts it, in a test-owned state
directory with a cache folder and a port of its own (the operator's lab keeps 3142 and
/var/cache/digikel/apt-cacher-ng), on the podman bridge's gateway. Endpoint containers of the
lab's base image are pointed at it by roles/apt_lists itself; the second container's download
must come from the cache, which its transfer log proves."""

from __future__ import annotations

import json
import os
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from digikel.labsvc.pkgcache import (
    CacheSettings,
    answers,
    cache_status,
    ensure_bridge,
    is_local,
    podman_gateway,
    start_cache,
    stop_cache,
)

REPO = Path(__file__).resolve().parents[3]
VENV_BIN = REPO / ".venv" / "bin"
IMAGE = os.environ.get("DIGIKEL_BASE_IMAGE", "localhost/digikel-debian12-systemd:4")
PACKAGE = "hello"  # small (53 kB), in bookworm main, not in the base image
DETECT = "/usr/local/lib/digikel/apt-proxy-detect"
CONF = "/etc/apt/apt.conf.d/01digikel-proxy"


def _worker() -> int:
    return int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)


PORT = 13142 + _worker()  # the lab's 3142 + 10000, one per xdist worker


def _run(
    args: list[str],
    timeout: int = 300,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, capture_output=True, text=True, timeout=timeout, check=False, cwd=cwd, env=env
    )


@pytest.fixture(scope="module")
def image() -> str:
    if _run(["podman", "image", "exists", IMAGE]).returncode != 0:
        built = _run(["bash", str(REPO / "scripts" / "build-base-image.sh")], timeout=900)
        assert built.returncode == 0, built.stderr[-4000:]
    return IMAGE


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, CacheSettings]]:
    """A cache of this module only: an empty cache folder, so the first fetch must be a miss."""
    root = tmp_path_factory.mktemp("pkgcache")
    status = start_cache(root / "labsvc", port=PORT, cache_dir=root / "cache")
    assert status.running and status.answers, status.as_dict()
    gateway, _, _ = podman_gateway()
    settings = CacheSettings(gateway, PORT, root / "cache")
    assert status.url == settings.url
    try:
        yield root / "labsvc", settings
    finally:
        stop_cache(root / "labsvc")


@pytest.fixture
def endpoints(image: str) -> Iterator[list[str]]:
    """Two endpoint containers on podman's default network with archives of their own."""
    names = [f"digikel-pkgcache{_worker()}-{label}" for label in ("a", "b")]
    for name in names:
        _run(["podman", "rm", "-f", "-t", "0", name])
        started = _run(
            ["podman", "run", "-d", "--name", name, "--network", "podman", image,
             "sleep", "infinity"]
        )  # fmt: skip
        assert started.returncode == 0, started.stderr
    try:
        yield names
    finally:
        for name in names:
            _run(["podman", "rm", "-f", "-t", "0", name])


def _apt_lists(container: str, tmp_path: Path, **variables: object) -> None:
    """Run roles/apt_lists on the container, as every endpoint role does first."""
    playbook = tmp_path / "apt_lists.yml"
    playbook.write_text("- hosts: all\n  gather_facts: false\n  roles:\n    - role: apt_lists\n")
    env = {**os.environ, "ANSIBLE_ROLES_PATH": str(REPO / "roles"), "ANSIBLE_NOCOLOR": "1"}
    done = _run(
        [str(VENV_BIN / "ansible-playbook"), "-i", f"{container},",
         "-e", "ansible_connection=containers.podman.podman",
         "-e", "ansible_python_interpreter=/usr/bin/python3",
         "-e", json.dumps(variables), str(playbook)],
        cwd=tmp_path, env=env, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]


def _download(container: str) -> None:
    done = _run(
        ["podman", "exec", container, "apt-get", "install", "--download-only", "--yes",
         "--quiet", "--no-install-recommends", PACKAGE]
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    archives = _run(["podman", "exec", container, "ls", "/var/cache/apt/archives"]).stdout
    assert f"{PACKAGE}_" in archives


def _package_lines(log: Path, kind: str) -> list[str]:
    return [
        line
        for line in log.read_text().splitlines()
        if f"|{kind}|" in line and f"/{PACKAGE}_" in line and line.endswith(".deb")
    ]


def test_cache_listens_on_the_bridge_gateway_only(cache: tuple[Path, CacheSettings]) -> None:
    _, settings = cache
    listening = _run(["ss", "-ltnH"]).stdout.split()
    assert f"{settings.address}:{PORT}" in listening
    assert f"0.0.0.0:{PORT}" not in listening and f"*:{PORT}" not in listening
    assert not answers(CacheSettings("127.0.0.1", PORT))  # not even on this machine's loopback


def test_second_endpoint_gets_the_package_from_the_cache(
    cache: tuple[Path, CacheSettings], endpoints: list[str], tmp_path: Path
) -> None:
    state_dir, settings = cache
    first, second = endpoints
    log = Path(cache_status(state_dir).log)

    # The first endpoint always through the cache (no fallback): apt Acquire::http::Proxy.
    _apt_lists(
        first,
        tmp_path,
        digikel_package_cache_url=settings.url,
        digikel_package_cache_fallback=False,
    )
    conf = _run(["podman", "exec", first, "cat", CONF]).stdout
    assert f'Acquire::http::Proxy "{settings.url}";' in conf
    _download(first)
    after_first = cache_status(state_dir).figures
    assert len(_package_lines(log, "I")) == 1  # fetched from Debian's mirror: a miss
    assert after_first.packages_fetched >= 1 and after_first.hits == 0
    assert after_first.bytes_fetched > 1_000_000  # the package lists came through it too

    # The second with the fallback: the script finds the cache answering and names it.
    _apt_lists(second, tmp_path, digikel_package_cache_url=settings.url)
    detect = _run(["podman", "exec", second, DETECT, "http://deb.debian.org/debian"])
    assert detect.stdout.strip() == settings.url
    _download(second)
    after_second = cache_status(state_dir).figures
    assert len(_package_lines(log, "I")) == 1  # not fetched from outside again
    assert len(_package_lines(log, "O")) == 2  # but served twice
    assert after_second.packages_fetched == after_first.packages_fetched
    assert after_second.hits >= 1

    # An inventory that names no cache any more: the role removes what it wrote.
    _apt_lists(second, tmp_path, digikel_package_cache_url="")
    for path in (CONF, DETECT):
        assert _run(["podman", "exec", second, "test", "-e", path]).returncode == 1, path


def test_start_again_keeps_it_and_another_lab_shares_it(
    cache: tuple[Path, CacheSettings], tmp_path: Path
) -> None:
    state_dir, settings = cache
    pid = cache_status(state_dir).pid
    assert pid is not None
    assert start_cache(state_dir, port=PORT, cache_dir=settings.cache_dir).pid == pid
    other = start_cache(tmp_path / "other", port=PORT, cache_dir=settings.cache_dir)
    assert (other.running, other.answers, other.url) == (False, True, settings.url)
    assert other.note and "another lab" in other.note
    assert stop_cache(tmp_path / "other") is False  # never stops the other lab's instance
    assert cache_status(state_dir).pid == pid


def test_stop_closes_the_cache(tmp_path: Path) -> None:
    settings_dir = tmp_path / "labsvc"
    status = start_cache(settings_dir, port=PORT + 100, cache_dir=tmp_path / "cache")
    assert status.answers and status.url is not None
    assert stop_cache(settings_dir) is True
    after = cache_status(settings_dir)
    assert (after.running, after.answers) == (False, False)
    assert stop_cache(settings_dir) is False


def test_bridge_made_before_podman_serves_once_podman_remakes_it() -> None:
    """The cache may start before any container made podman's bridge: the lab makes it, and the
    listening socket survives the bridge going away and serves again when it comes back."""
    interface, address = f"dkpctest{_worker()}", f"10.254.{250 - _worker()}.1"
    _run(["ip", "link", "del", interface])
    try:
        assert ensure_bridge(interface, address, 24) is True
        assert is_local(address) and ensure_bridge(interface, address, 24) is False
        with socket.socket() as server:
            server.bind((address, 0))
            server.listen()
            port = server.getsockname()[1]
            assert _run(["ip", "link", "del", interface]).returncode == 0
            with pytest.raises(OSError), socket.create_connection((address, port), timeout=1):
                pass
            assert ensure_bridge(interface, address, 24) is True
            with socket.create_connection((address, port), timeout=2):
                pass
    finally:
        _run(["ip", "link", "del", interface])
