"""What RouterOS 7 leaves out of `/export`: default values and read-only properties.

`/export` prints only the properties that differ from their default (`export verbose` prints them
all), and it prints read-only, derived ones such as `network=` on `/ip address`. So a property
missing from the export equals its default, and a derived one is never ours to compare. The table
covers the menus and properties our templates set (templates/routeros/*.rsc.j2); the values come
from MikroTik's manual pages of each menu (help.mikrotik.com: Bridging and Switching, IP
Addressing, DHCP, Firewall Filter, IP Routing, Services, SNMP, WireGuard, WiFi, Clock, NTP) and
from the defaults real 7.x exports leave out. docs/network.md lists the sources.

A property whose default is not in the table is compared only when the intended configuration
sets it: digikel manages what it writes, nothing else.
"""

from __future__ import annotations

# Every list item of every menu: enabled unless it says otherwise.
ANY_ITEM = {"disabled": "no", "comment": ""}

DEFAULTS: dict[str, dict[str, str]] = {
    "/interface bridge": {"vlan-filtering": "no", "protocol-mode": "rstp"},
    "/interface bridge port": {"frame-types": "admit-all", "pvid": "1"},
    "/interface bridge vlan": {"tagged": "", "untagged": ""},
    "/interface ethernet": {"disabled": "no"},
    "/interface vlan": {"mtu": "1500"},
    "/interface wireguard": {"mtu": "1420"},
    "/interface wireguard peers": {"persistent-keepalive": "0s"},
    "/interface pppoe-client": {
        "add-default-route": "no",
        "use-peer-dns": "no",
        "disabled": "yes",
    },
    "/interface wifi": {"disabled": "yes"},
    "/interface wifi datapath": {"client-isolation": "no"},
    "/interface wifi security": {"authentication-types": ""},
    "/ip dhcp-client": {"add-default-route": "yes", "use-peer-dns": "yes", "use-peer-ntp": "yes"},
    "/ip dhcp-server": {"lease-time": "30m"},
    "/ip dns": {"allow-remote-requests": "no", "servers": ""},
    "/ip firewall filter": {"log": "no", "log-prefix": ""},
    "/ip firewall nat": {"log": "no", "log-prefix": ""},
    "/ip route": {
        "distance": "1",
        "routing-table": "main",
        "suppress-hw-offload": "no",
        "scope": "30",
        "target-scope": "10",
    },
    "/ip service": {"disabled": "no", "address": ""},
    "/snmp": {
        "enabled": "no",
        "contact": "",
        "location": "",
        "trap-community": "public",
        "trap-version": "1",
    },
    "/snmp community": {
        "addresses": "::/0",
        "read-access": "yes",
        "write-access": "no",
        "security": "none",
        "authentication-protocol": "MD5",
        "encryption-protocol": "DES",
    },
    "/system identity": {"name": "MikroTik"},
    "/system ntp client": {"enabled": "no", "servers": ""},
    "/queue simple": {"queue": "default-small/default-small"},
    # Manual, "IPv6 > Settings" and "MAC server", "Neighbor discovery": IPv6 on, MAC-Telnet and
    # MAC-Winbox on every interface unless restricted.
    "/ipv6 settings": {"disable-ipv6": "no"},
    "/tool mac-server": {"allowed-interface-list": "all"},
    "/tool mac-server mac-winbox": {"allowed-interface-list": "all"},
    "/queue type": {"pcq-classifier": ""},
}

# Derived or read-only properties an export or print may show; never compared, never sent.
READ_ONLY = frozenset(
    {
        "network",  # /ip address: derived from address=
        "actual-interface",
        "dynamic",
        "running",
        "invalid",
        "inactive",
        "bytes",
        "packets",
        "public-key",  # /interface wireguard: derived from private-key
        "mac-address",
        "admin-mac",
        "auto-mac",
        "port-cost-mode",
        "default-name",
    }
)

# Read-only where an interface derives it, but ours where we set it: a static DHCP lease IS its MAC.
WRITABLE_IN: dict[str, frozenset[str]] = {"/ip dhcp-server lease": frozenset({"mac-address"})}


def read_only(menu: str, prop: str) -> bool:
    """A property of `menu` the device derives: never compared, never sent."""
    return prop in READ_ONLY and prop not in WRITABLE_IN.get(menu, frozenset())


# Properties that hold a set of interfaces or values: the device may print them in its own
# order, so they compare as sets.
UNORDERED_LISTS = frozenset({"tagged", "untagged", "vlan-ids", "target", "addresses"})


def default(menu: str, prop: str, *, list_item: bool) -> str | None:
    """The value a property has when the export leaves it out; None when we do not know it."""
    table = DEFAULTS.get(menu, {})
    if prop in table:
        return table[prop]
    if list_item:
        return ANY_ITEM.get(prop)
    return None


def same_value(prop: str, one: str, other: str) -> bool:
    if one == other:
        return True
    if prop in UNORDERED_LISTS:
        return sorted(p for p in one.split(",") if p) == sorted(p for p in other.split(",") if p)
    return False
