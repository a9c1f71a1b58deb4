"""Render each network device's full intended configuration from the inventory and the vault.

The templates live in <repo>/templates (routeros/, ios/). Secrets come only from the vault; by
default they are replaced by a visible marker ("VAULT:<variable>") so rendered files can be
written, diffed and shared; the real values appear only in what is pushed to a device, or on
disk with `digikel network render --show-secrets`.
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from digikel.errors import InputError
from digikel.network import plan, policy

if TYPE_CHECKING:
    from digikel.inventory.model import Device, Inventory

TEMPLATES: dict[tuple[str, str], str] = {
    ("routeros", "router"): "routeros/router.rsc.j2",
    ("routeros", "switch"): "routeros/switch.rsc.j2",
    ("routeros", "ap"): "routeros/ap.rsc.j2",
    ("ios", "switch"): "ios/switch.cfg.j2",
}
SUFFIX = {"routeros": ".rsc", "ios": ".cfg"}
MASK_PREFIX = "VAULT:"

_PLAIN_ROUTEROS = re.compile(r"^[A-Za-z0-9._:/@+,*-]+$")


def templates_dir(project_root: Path | None = None) -> Path:
    """DIGIKEL_TEMPLATES_DIR when set (e.g. a site-specific fork), else the project's own
    templates/, else those shipped in the package (a wheel works outside a checkout)."""
    env = os.environ.get("DIGIKEL_TEMPLATES_DIR")
    if env:
        return Path(env)
    if project_root is not None and (project_root / "templates").is_dir():
        return project_root / "templates"
    from digikel.project import packaged_templates

    return packaged_templates()


@dataclass(frozen=True)
class Rendered:
    """One device's intended configuration."""

    device: str
    platform: str
    text: str
    masked: bool

    @property
    def filename(self) -> str:
        return self.device + SUFFIX[self.platform]


class Secrets:
    """Vault lookups for templates: real values, or a visible marker when masked."""

    def __init__(self, values: dict[str, Any], *, masked: bool, source: str) -> None:
        self._values = values
        self.masked = masked
        self._source = source
        self.used: set[str] = set()

    def __call__(self, name: str, key: str | None = None) -> str:
        label = f"{name}[{key}]" if key is not None else name
        value: Any = self._values.get(name)
        if key is not None and isinstance(value, dict):
            value = value.get(key)
        if value is None or value == "" or isinstance(value, dict):
            raise InputError(
                f"{self._source}: {label}: missing from the vault "
                f"(expected a non-empty string; add it with ansible-vault edit)"
            )
        self.used.add(str(value))
        return f"{MASK_PREFIX}{label}" if self.masked else str(value)


def routeros_quote(value: Any) -> str:
    """A RouterOS value, quoted only when it has to be (spaces, quotes, $ and the like)."""
    text = "yes" if value is True else "no" if value is False else str(value)
    if text and _PLAIN_ROUTEROS.match(text):
        return text
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$").replace("?", "\\?")
    return f'"{escaped}"'


def _environment() -> Any:
    return _environment_for(str(templates_dir()))


# One environment per templates folder, so each template is compiled once per process, not once
# per device: compiling was ~90 % of rendering (7.2 of 8.0 s for the city's 179 devices), which
# made a city-wide watch or push CPU-bound on two cores. Jinja re-reads a template whose file
# changed (auto_reload), so an edited template is still what renders next.
@functools.lru_cache(maxsize=8)
def _environment_for(folder: str) -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(folder),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,  # device configuration, not HTML
    )
    env.filters["rq"] = routeros_quote
    env.filters["netmask"] = plan.netmask
    env.filters["wildcard"] = plan.wildcard
    env.tests["contains"] = lambda seq, item: item in seq
    return env


def render_hostvars(
    name: str,
    hostvars: dict[str, Any],
    secrets: dict[str, Any],
    *,
    masked: bool = True,
    source: str = "vault",
) -> Rendered:
    """Render one device from its hostvars (pure: no inventory, no files but the templates)."""
    key = (hostvars["digikel_platform"], hostvars["digikel_role"])
    if key not in TEMPLATES:
        raise InputError(f"{name}: no template for platform {key[0]!r} with role {key[1]!r}")
    vault = Secrets(secrets, masked=masked, source=source)
    context = dict(hostvars)
    context.update(
        secret=vault,
        device_name=name,
        vlan_interface=plan.vlan_interface,
        dhcp_range=plan.dhcp_range,
        host_port=plan.host_port,
        dhcp_segments=plan.DHCP_SEGMENTS,
    )
    if key[1] == "switch":
        context["ports"] = [p.as_dict() for p in plan.switch_ports(hostvars)]
    if key[1] == "router":
        context["trunks"] = plan.router_trunks(hostvars)
        # The firewall's accept rules come from the traffic policy table (network/policy.py).
        context["policy_rules"] = lambda chain: policy.filter_rules(hostvars, chain)
        context["policy_address_lists"] = policy.address_lists(hostvars)
    text = _render_template(TEMPLATES[key], context, name)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return Rendered(device=name, platform=key[0], text=text, masked=masked)


def _render_template(template: str, context: dict[str, Any], device: str) -> str:
    """Render, turning a template's own fault into bad input that names the file and line."""
    import jinja2

    path = templates_dir() / template
    try:
        return str(_environment().get_template(template).render(context))
    except jinja2.TemplateSyntaxError as exc:
        raise InputError(
            f"{path}:{exc.lineno}: template syntax error: {exc.message} "
            f"(rendering {device}); nothing was sent to any device"
        ) from None
    except jinja2.UndefinedError as exc:
        raise InputError(
            f"{path}: {exc.message} (rendering {device}): the template uses a value the "
            "inventory does not define; nothing was sent to any device"
        ) from None


def render_device(
    inv: Inventory, device: Device, secrets: dict[str, Any], *, masked: bool = True
) -> Rendered:
    source = str(inv.env_dir / "group_vars" / "all" / "vault.yml")
    return render_hostvars(
        device.name, inv.hostvars(device.name), secrets, masked=masked, source=source
    )


def secret_values(secrets: dict[str, Any]) -> list[str]:
    """Every secret string in the vault (for scrubbing logs and backups)."""
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, str) and len(value) >= 4:
            found.append(value)

    walk(secrets)
    return found
