"""The package cache's pure parts: its command line, its transfer-log figures, the apt setting
the role writes, and the inventory's knob in both environments."""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path

import jinja2
import yaml
from typer.testing import CliRunner

from digikel.cli.common import Context
from digikel.cli.labsvc import COMPONENTS, app
from digikel.labsvc.pkgcache import (
    CONFIG,
    DEFAULT_CACHE_DIR,
    DEFAULT_PORT,
    CacheSettings,
    apt_proxy_conf,
    command,
    parse_figures,
)

REPO = Path(__file__).resolve().parents[3]
ROLE_TEMPLATES = REPO / "roles" / "apt_lists" / "templates"

# Two containers' `apt-get update` + `apt-get install --download-only hello` through one fresh
# cache (trimmed from a real run): the first fetches hello's .deb from outside, the second is
# served it from the cache; the volatile InRelease files are fetched again each time.
FIRST = """\
1796092649|I|151287|10.88.0.158|debrep/dists/bookworm/InRelease
1796092649|O|151293|10.88.0.158|debrep/dists/bookworm/InRelease
1796092650|I|383664|10.88.0.158|secdeb/dists/bookworm-security/main/binary-amd64/by-hash/SHA256/f9
1796092650|O|383748|10.88.0.158|secdeb/dists/bookworm-security/main/binary-amd64/by-hash/SHA256/f9
1796092651|I|53344|10.88.0.158|debrep/pool/main/h/hello/hello_2.10-3_amd64.deb
1796092651|O|53313|10.88.0.158|debrep/pool/main/h/hello/hello_2.10-3_amd64.deb
""".splitlines()
SECOND = """\
1796092655|I|151287|10.88.0.159|debrep/dists/bookworm/InRelease
1796092655|O|151293|10.88.0.159|debrep/dists/bookworm/InRelease
1796092655|O|383748|10.88.0.159|secdeb/dists/bookworm-security/main/binary-amd64/by-hash/SHA256/f9
1796092657|O|53313|10.88.0.159|debrep/pool/main/h/hello/hello_2.10-3_amd64.deb
""".splitlines()


def test_first_download_is_a_miss_the_second_a_hit() -> None:
    first = parse_figures(FIRST)
    assert (first.packages_served, first.packages_fetched, first.hits) == (1, 1, 0)
    both = parse_figures(FIRST + SECOND)
    assert (both.packages_served, both.packages_fetched, both.hits) == (2, 1, 1)
    assert both.bytes_fetched == 151287 + 383664 + 53344 + 151287
    assert both.bytes_served == 151293 + 383748 + 53313 + 151293 + 383748 + 53313


def test_figures_ignore_what_is_not_a_transfer() -> None:
    lines = ["", "garbage", "1|X|5|c|a.deb", "1|O|many|c|a.deb", "1|O|7|c|pool/a.udeb"]
    figures = parse_figures(lines)
    assert (figures.packages_served, figures.hits, figures.bytes_served) == (1, 1, 7)


def test_command_line_binds_one_address_and_keeps_everything_in_the_state_dir(
    tmp_path: Path,
) -> None:
    settings = CacheSettings("10.88.0.1", 13142, tmp_path / "cache")
    args = command("/usr/sbin/apt-cacher-ng", tmp_path / "pkgcache", settings)
    assert args[:3] == ["/usr/sbin/apt-cacher-ng", "-c", str(tmp_path / "pkgcache" / "conf")]
    assert "ForeGround=1" in args  # the lab's own process, which its pid file tracks
    assert "BindAddress=10.88.0.1" in args  # never every address (Debian's default)
    assert "Port=13142" in args
    assert f"CacheDir={tmp_path / 'cache'}" in args
    assert f"LogDir={tmp_path / 'pkgcache' / 'log'}" in args
    assert "SocketPath=" in args  # no admin socket at Debian's shared default path
    assert settings.url == "http://10.88.0.1:13142"


def test_config_caches_the_security_archive_as_debian_does() -> None:
    assert "Remap-debrep:" in CONFIG
    secdeb = next(line for line in CONFIG.splitlines() if line.startswith("Remap-secdeb:"))
    assert "deb.debian.org/debian-security" in secdeb
    assert "UnbufferLogs: 1" in CONFIG  # status reads the log while the cache runs


def _role_template(name: str, **variables: object) -> str:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(ROLE_TEMPLATES), autoescape=False, trim_blocks=True
    )  # as Ansible's template module renders
    env.filters["bool"] = bool
    return env.get_template(name).render(**variables)


def test_role_writes_the_proxy_setting_the_cache_expects() -> None:
    url = "http://10.80.1.30:3142"
    strict = _role_template(
        "01digikel-proxy.j2",
        apt_lists_proxy_url=url,
        apt_lists_proxy_fallback=False,
        apt_lists_proxy_detect="/usr/local/lib/digikel/apt-proxy-detect",
    )
    settings = [line for line in strict.splitlines() if not line.startswith("//")]
    assert "\n".join(settings) + "\n" == apt_proxy_conf(url)
    fallback = _role_template(
        "01digikel-proxy.j2",
        apt_lists_proxy_url=url,
        apt_lists_proxy_fallback=True,
        apt_lists_proxy_detect="/usr/local/lib/digikel/apt-proxy-detect",
    )
    assert 'Acquire::http::Proxy-Auto-Detect "/usr/local/lib/digikel/apt-proxy-detect";' in (
        fallback
    )
    assert 'Acquire::http::Proxy "' not in fallback


def _knob(environment: str) -> dict[str, object]:
    path = REPO / "inventory" / environment / "group_vars" / "all" / "package_cache.yml"
    doc = yaml.safe_load(path.read_text())
    assert isinstance(doc, dict)
    return doc


def test_lab_inventory_names_the_cache_the_lab_starts() -> None:
    """The lab's default instance: podman's default network gateway and the default port."""
    knob = _knob("lab")
    assert knob["digikel_package_cache_url"] == CacheSettings("10.88.0.1").url
    assert CacheSettings("10.88.0.1").port == DEFAULT_PORT == 3142
    assert Path("/var/cache/digikel/apt-cacher-ng") == DEFAULT_CACHE_DIR
    assert knob["digikel_package_cache_fallback"] is True


def test_production_cache_is_a_data_centre_server() -> None:
    knob = _knob("production")
    url = str(knob["digikel_package_cache_url"])
    assert url.startswith("http://") and url.endswith(":3142")
    host = ipaddress.ip_address(url.removeprefix("http://").rsplit(":", 1)[0])
    city = yaml.safe_load((REPO / "inventory" / "city.yml").read_text())
    assert host in ipaddress.ip_network(city["datacentre"]["servers"])
    taken = {city["datacentre"]["portal"], city["datacentre"]["monitoring"]}
    taken |= set(city["datacentre"]["dns"]) | set(city["datacentre"]["ntp"])
    assert str(host) not in taken


def test_cache_is_a_component(lab_inventory_path: Path, tmp_path: Path) -> None:
    assert COMPONENTS[-1] == "cache"  # after the containers, whose start makes the bridge
    obj = Context(json=True, inventory_path=lab_inventory_path)
    result = CliRunner().invoke(app, ["status", "--state-dir", str(tmp_path)], obj=obj)
    assert result.exit_code == 0, result.output
    cache = json.loads(result.stdout)["cache"]
    assert (cache["running"], cache["url"], cache["figures"]["hits"]) == (False, None, 0)
    down = CliRunner().invoke(
        app, ["down", "--only", "cache", "--state-dir", str(tmp_path)], obj=obj
    )
    assert down.exit_code == 0 and json.loads(down.stdout)["cache_stopped"] is False
