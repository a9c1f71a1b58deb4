"""The RouterOS 7 menus the lab knows: which hold lists of items and which hold one set of settings.

Unknown menu paths are errors on the simulated device, as on a real one, so a template that
mistypes a path fails in the lab before it fails at a site. Properties are not checked: any
`key=value` is stored and exported back unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Menu:
    path: str  # "/ip/address"
    kind: str  # list | single
    named: bool = False  # items carry a unique name= (duplicate -> "item with such name...")
    unique: tuple[str, ...] = ()  # other uniqueness, e.g. address+interface on /ip/address
    fixed: bool = False  # items exist from the factory, cannot be added or removed
    factory_key: str = "name"  # how export addresses factory items: set [ find default-name=x ]
    defaults: dict[str, str] = field(default_factory=dict)  # singleton settings from the factory
    interface_refs: tuple[str, ...] = ()  # properties that must name an existing interface
    interface_type: str = ""  # type shown in /interface print for items of this menu
    # Default values of an item's properties: left out of /export, shown by print detail and
    # /export verbose (RouterOS 7 manual pages of each menu).
    item_defaults: dict[str, str] = field(default_factory=dict)

    @property
    def words(self) -> str:
        """The path as exports write it: "/ip address"."""
        parts = self.path.strip("/").split("/")
        return "/" + " ".join(parts)


def _l(path: str, **kw: object) -> Menu:
    kw.setdefault("item_defaults", ITEM_DEFAULTS.get(path, {}))
    return Menu(path, "list", **kw)  # type: ignore[arg-type]


_OFF = {"disabled": "no"}
# Defaults of the properties our templates (templates/routeros/*.rsc.j2) set, per menu.
ITEM_DEFAULTS: dict[str, dict[str, str]] = {
    "/interface/bridge": {
        **_OFF,
        "vlan-filtering": "no",
        "protocol-mode": "rstp",
        "mtu": "auto",
        "arp": "enabled",
        "auto-mac": "yes",
    },
    "/interface/bridge/port": {**_OFF, "frame-types": "admit-all", "pvid": "1", "hw": "yes"},
    "/interface/bridge/vlan": dict(_OFF),
    "/interface/vlan": {**_OFF, "mtu": "1500", "arp": "enabled"},
    "/interface/wireguard": {**_OFF, "mtu": "1420"},
    "/interface/wireguard/peers": {**_OFF, "persistent-keepalive": "0s"},
    "/interface/pppoe-client": {
        "disabled": "yes",  # a new PPPoE client is disabled until enabled
        "add-default-route": "no",
        "use-peer-dns": "no",
    },
    "/interface/list/member": dict(_OFF),
    "/ip/address": dict(_OFF),
    "/ip/dhcp-client": {
        **_OFF,
        "add-default-route": "yes",
        "use-peer-dns": "yes",
        "use-peer-ntp": "yes",
    },
    "/ip/dhcp-server": {**_OFF, "lease-time": "30m"},
    "/ip/firewall/filter": {**_OFF, "log": "no"},
    "/ip/firewall/nat": {**_OFF, "log": "no"},
    "/ip/firewall/address-list": dict(_OFF),
    "/ip/route": {**_OFF, "distance": "1"},
    "/queue/simple": dict(_OFF),
    "/snmp/community": {
        "read-access": "yes",
        "write-access": "no",
        "security": "none",
        "authentication-protocol": "MD5",
        "encryption-protocol": "DES",
    },
    "/user": dict(_OFF),
    "/interface/wifi/datapath": {"client-isolation": "no"},
}


def _s(path: str, **defaults: str) -> Menu:
    return Menu(path, "single", defaults={k.replace("_", "-"): v for k, v in defaults.items()})


# The order of this tuple is the order of sections in /export (close to RouterOS 7's own).
MENUS: tuple[Menu, ...] = (
    _l("/interface/bridge", named=True, interface_type="bridge"),
    _l(
        "/interface/ethernet",
        named=True,
        fixed=True,
        factory_key="default-name",
        interface_type="ether",
    ),
    _l(
        "/interface/pppoe-client",
        named=True,
        interface_type="pppoe-out",
        interface_refs=("interface",),
    ),
    _l("/interface/wireguard", named=True, interface_type="wg"),
    _l("/interface/vlan", named=True, interface_type="vlan", interface_refs=("interface",)),
    _l("/interface/bonding", named=True, interface_type="bond"),
    _l("/interface/list", named=True),
    _l("/interface/wifi/channel", named=True),
    _l("/interface/wifi/datapath", named=True),
    _l("/interface/wifi/security", named=True),
    _l("/interface/wifi/configuration", named=True),
    _l("/interface/wifi/steering", named=True),
    _l("/interface/wifi", named=True, factory_key="default-name", interface_type="wifi"),
    _l("/interface/wifi/access-list"),
    _l("/interface/wireless/security-profiles", named=True),
    _l("/interface/wireless", named=True, factory_key="default-name", interface_type="wlan"),
    _l("/ip/pool", named=True),
    _l("/ip/dhcp-server", named=True, interface_refs=("interface",)),
    _l("/ip/hotspot/profile", named=True),
    _l("/ppp/profile", named=True),
    _l("/queue/type", named=True),
    _l("/queue/simple", named=True),
    _l("/queue/tree", named=True),
    _l("/routing/table", named=True),
    _l("/snmp/community", named=True),
    _l("/system/logging/action", named=True),
    _l("/user/group", named=True),
    _l("/interface/bridge/port", unique=("interface",), interface_refs=("bridge", "interface")),
    _s("/interface/bridge/settings"),
    _s("/ip/firewall/connection/tracking"),
    _s("/ip/neighbor/discovery-settings"),
    _s("/ip/settings"),
    # Manual, "IPv6 > Settings": the stack is on unless disabled.
    _s("/ipv6/settings", disable_ipv6="no"),
    _l("/interface/bridge/vlan"),
    _l("/interface/list/member", unique=("interface", "list")),
    _l("/interface/wireguard/peers", interface_refs=("interface",)),
    _s("/interface/detect-internet"),
    _l("/ip/address", unique=("address", "interface"), interface_refs=("interface",)),
    _s("/ip/cloud"),
    _l("/ip/dhcp-client", unique=("interface",), interface_refs=("interface",)),
    _l("/ip/dhcp-server/lease"),
    _l("/ip/dhcp-server/network"),
    _s("/ip/dns", servers="", allow_remote_requests="no"),
    _l("/ip/dns/static"),
    _l("/ip/firewall/address-list"),
    _l("/ip/firewall/filter"),
    _l("/ip/firewall/mangle"),
    _l("/ip/firewall/nat"),
    _l("/ip/firewall/raw"),
    _s("/ip/proxy"),
    _l("/ip/route"),
    _l("/ip/service", named=True, fixed=True),
    _s("/ip/ssh"),
    _s("/ip/upnp"),
    _l("/ipv6/address"),
    _l("/ipv6/firewall/filter"),
    _l("/ppp/secret", named=True),
    _l("/radius"),
    _s("/snmp", enabled="no"),
    _s("/system/clock", time_zone_name="manual"),
    _s("/system/identity", name="MikroTik"),
    _l("/system/logging"),
    _s("/system/note"),
    _s("/system/ntp/client", enabled="no"),
    _l("/system/ntp/client/servers", unique=("address",)),
    _s("/system/ntp/server", enabled="no"),
    _s("/system/routerboard/settings"),
    _l("/system/scheduler", named=True),
    _l("/system/script", named=True),
    _l("/tool/netwatch"),
    _s("/tool/bandwidth-server", enabled="yes"),
    # Manual, "MAC server": MAC-Telnet and MAC-Winbox answer on every interface by default.
    _s("/tool/mac-server", allowed_interface_list="all"),
    _s("/tool/mac-server/mac-winbox", allowed_interface_list="all"),
    _s("/tool/mac-server/ping"),
    _s("/tool/romon"),
    _l("/user", named=True),
    _s("/user/settings"),
    _l("/user/ssh-keys"),
)

BY_PATH: dict[str, Menu] = {m.path: m for m in MENUS}

# Menus that only hold commands or read-only data; reachable but not exported.
COMMAND_MENUS = {
    "/",
    "/interface",
    "/ip",
    "/ipv6",
    "/ip/firewall",
    "/ip/firewall/connection",
    "/ip/hotspot",
    "/ip/neighbor",
    "/ppp",
    "/queue",
    "/routing",
    "/system",
    "/system/logging",
    "/system/ntp",
    "/system/resource",
    "/system/routerboard",
    "/system/backup",
    "/system/package",
    "/tool",
    "/file",
    "/log",
    "/interface/wifi",
    "/interface/wireless",
    "/interface/wireguard",
    "/interface/bridge",
    "/interface/list",
}

ALL_PATHS = set(BY_PATH) | COMMAND_MENUS

# Values RouterOS hides from /export unless `show-sensitive` is given.
SENSITIVE = frozenset(
    {
        "password",
        "private-key",
        "preshared-key",
        "authentication-password",
        "encryption-password",
        "passphrase",
        "secret",
        "wpa-pre-shared-key",
        "wpa2-pre-shared-key",
    }
)

INTERFACE_MENUS = tuple(m for m in MENUS if m.interface_type)


def derived_props(menu: Menu, props: dict[str, str]) -> dict[str, str]:
    """Read-only properties the device computes: `network=` of every /ip address."""
    if menu.path != "/ip/address" or "network" in props or not props.get("address"):
        return dict(props)
    import ipaddress

    try:
        network = ipaddress.ip_interface(props["address"]).network.network_address
    except ValueError:
        return dict(props)
    return {**props, "network": str(network)}


def export_order(props: dict[str, str]) -> list[tuple[str, str]]:
    """RouterOS 7 writes properties in its own fixed order, which for the menus we use is
    alphabetical (real 7.x exports: `add action=... chain=... comment=... connection-state=...`),
    whatever order they were given in."""
    return sorted(props.items())


def children(path: str) -> set[str]:
    """Names of the menus directly below `path`."""
    prefix = path.rstrip("/") + "/"
    return {p[len(prefix) :].split("/")[0] for p in ALL_PATHS if p.startswith(prefix) and p != path}
