"""The IOS planner against real-shaped Catalyst 1000 output (fixtures/ios, sources in each file).

Each fixture is read the way `digikel network` reads a device: `IOS().fetch` (running-config plus
the SNMPv3 users of `show snmp user`), then noise stripping; the intended configuration is the
real render of sungai-keledang-sw01. Convergence is checked on a model of the device: the
commands applied with hier_config's `future()`, plus the IOS semantics it does not know
(`default interface`, on/off settings printed in both forms, defaults IOS does not print).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from digikel.inventory.secrets import load_secrets
from digikel.network import ios_config
from digikel.network.connection import Timeouts
from digikel.network.noise import REDACTED, strip_noise
from digikel.network.platforms import IOS
from digikel.network.render import render_device, secret_values

FIXTURES = Path(__file__).parent / "fixtures" / "ios"
SITE = "sungai-keledang"


class FakeSession:
    """What IOS().fetch needs of a Netmiko session: the prompt and two show commands."""

    base_prompt = "sungai-keledang-sw01"

    def __init__(self, running: str, snmp_users: str) -> None:
        self.outputs = {"show running-config": running, "show snmp user": snmp_users}

    def send_command(self, command: str, **_: object) -> str:
        return self.outputs[command]


@pytest.fixture(scope="module")
def secrets(inv):
    return load_secrets(inv)


@pytest.fixture(scope="module")
def intended(inv, secrets) -> str:
    (switch,) = [d for d in inv.site(SITE).network_devices if d.platform == "ios"]
    assert switch.name == "sungai-keledang-sw01"
    return render_device(inv, switch, secrets, masked=False).text


def fetched(name: str, secrets, *, snmp_users: bool = True, edit=None) -> str:
    running = (FIXTURES / name).read_text()
    if edit:
        running = edit(running)
    users = (FIXTURES / "show_snmp_user.txt").read_text() if snmp_users else "\n"
    raw = IOS().fetch(FakeSession(running, users), Timeouts())
    return strip_noise("ios", raw, secret_values(secrets))


# --- a model of the device, to check that a plan converges ------------------------------------

# On/off settings IOS prints in both forms (`ip http server` / `no ip http server`).
_BOTH_FORMS = re.compile(
    r"^(no )?(service password-encryption|service pad|ip http server|ip http secure-server|"
    r"aaa new-model)$"
)
# Defaults IOS does not print: after the command the line is simply gone.
_NOT_PRINTED = ("ip domain-lookup",)


def _setting(line: str) -> str | None:
    match = _BOTH_FORMS.match(line)
    return match.group(2) if match else None


def apply(running: str, commands: list[str]) -> str:
    """The running-config the device would print after `commands` (see the module docstring)."""
    from hier_config import get_hconfig

    blocks = ios_config._top_blocks(ios_config.clean(running))
    rest: list[str] = []
    for cmd in commands:
        if cmd.startswith("default interface "):
            head = cmd.removeprefix("default ")
            blocks = [[b[0]] if b[0] == head else b for b in blocks]
        elif setting := _setting(cmd):
            blocks = [b for b in blocks if _setting(b[0]) != setting] + [[cmd]]
        elif cmd in _NOT_PRINTED:
            blocks = [b for b in blocks if b[0] != f"no {cmd}"]
        else:
            # `default X` in a block resets X: in the model, as the shorthand `no X` does.
            rest.append(re.sub(r"^(\s+)default ", r"\1no ", cmd))
    driver = ios_config._driver()
    text = "\n".join(line for b in blocks for line in b) + "\n"
    future = get_hconfig(driver, text).future(get_hconfig(driver, "\n".join(rest) + "\n"))
    return "\n".join(future.dump_simple()) + "\n"


# --- already as intended -----------------------------------------------------------------------


def test_a_c1000_configured_as_intended_gets_an_empty_plan(secrets, intended):
    running = fetched("c1000-as-intended.cfg", secrets)
    # The shapes that used to make a plan are all there.
    for shape in (
        "switch 1 provision c1000-24p-4g-l",
        "username digikel privilege 15 secret 9 $9$",
        "snmp-server user digikel-ro DIGIKEL-RO v3",
        "vtp mode transparent",
        "crypto pki trustpoint TP-self-signed-",
        "spanning-tree portfast edge",
        "ip domain-name ",
        "no ip domain-lookup",
        "version 15.2",
        "boot-start-marker",
    ):
        assert shape in running, shape
    assert "Building configuration" not in running  # noise.py took it
    assert IOS().plan(running, intended) == []
    assert ios_config.unmanaged(running, intended) == []


def test_rotating_secrets_sends_the_user_and_the_snmp_user_again(secrets, intended):
    running = fetched("c1000-as-intended.cfg", secrets)
    plan = IOS().plan(running, intended, rotate_secrets=True)
    assert plan == [
        f"username digikel privilege 15 secret {secrets['vault_digikel_device_password']}",
        next(line for line in intended.splitlines() if line.startswith("snmp-server user ")),
    ]


def test_without_the_snmp_user_only_the_user_is_created(secrets, intended):
    running = fetched("c1000-as-intended.cfg", secrets, snmp_users=False)
    plan = IOS().plan(running, intended)
    assert plan == [next(ln for ln in intended.splitlines() if ln.startswith("snmp-server user "))]


def test_vtp_server_mode_hides_vlans_and_the_plan_switches_to_transparent_first(secrets, intended):
    def server_mode(text: str) -> str:
        text = text.replace("vtp mode transparent\n", "")
        return re.sub(r"^vlan \d+\n name \S+\n!\n", "", text, flags=re.M)

    running = fetched("c1000-as-intended.cfg", secrets, edit=server_mode)
    assert "vlan 10\n" not in running
    plan = IOS().plan(running, intended)
    vlans = [
        line for line in intended.splitlines() if line.startswith("vlan ") and "policy" not in line
    ]
    assert plan[0] == "vtp mode transparent"
    assert [c for c in plan if c.startswith("vlan ")] == vlans
    assert len(plan) == 1 + 2 * len(vlans)
    # Once transparent, IOS prints the VLANs (vlan.dat already had them): nothing is left.
    assert IOS().plan(apply(running, plan), intended) == []


# --- drift ---------------------------------------------------------------------------------------


def test_a_drifted_c1000_gets_the_exact_fix_and_hand_made_extras_are_left_alone(secrets, intended):
    running = fetched("c1000-drifted.cfg", secrets)
    plan = IOS().plan(running, intended)
    assert plan == [
        "no snmp-server community public RO",
        "vlan 40",
        " name printers",
        "interface GigabitEthernet1/0/6",
        " switchport access vlan 40",
        " spanning-tree portfast edge",
    ]
    # The logging host is not digikel's: reported, not removed. The banner is IOS's own text.
    assert ios_config.unmanaged(running, intended) == ["logging host 10.82.128.50"]
    assert IOS().plan(apply(running, plan), intended) == []


# --- factory: first push, and rollback to it -----------------------------------------------------


def test_the_intended_config_pushed_onto_a_factory_c1000_converges(secrets, intended):
    factory = fetched("c1000-factory.cfg", secrets, snmp_users=False)
    plan = IOS().plan(factory, intended)
    assert plan[0] == "vtp mode transparent"  # before the VLANs, which it makes visible
    assert "no switch 1 provision c1000-24p-4g-l" not in plan
    assert not [c for c in plan if c.startswith("no crypto")]
    assert IOS().plan(apply(factory, plan), intended) == []


def test_rollback_from_intended_to_the_factory_backup_converges_with_commands_ios_accepts(
    secrets, intended
):
    current = fetched("c1000-as-intended.cfg", secrets)
    backup = fetched("c1000-factory.cfg", secrets, snmp_users=False)
    # As operations.rollback_device builds the target from a backup (restore() adds the archive).
    target = ios_config.fill_snmp_users(backup, intended)
    plan = IOS().plan(current, target)
    # The archive the revert timer needs stays, although the factory backup has none.
    assert not [c for c in plan if "archive" in c]
    assert plan == IOS().plan(current, ios_config.keep_archive(target, current))
    ports = [f"default interface GigabitEthernet1/0/{n}" for n in range(1, 29)]
    assert plan[:28] == ports and "default interface Vlan1" in plan
    # Negations in the documented forms, without the old value IOS would have to match, and
    # nothing IOS never prints (no `no switchport mode`-style leftovers inside a port).
    assert not [c for c in plan if re.match(r"^ no (switchport|description|spanning-tree)", c)]
    for documented in ("no vtp mode", "no snmp-server location", "no clock timezone"):
        assert documented in plan
    assert plan[-1] == "no vtp mode"  # the VLANs go while they are still in the running-config
    assert "no snmp-server user digikel-ro DIGIKEL-RO v3" in plan
    assert not [c for c in plan if c.startswith("no username")]  # the login stays
    after = apply(current, plan)
    assert IOS().plan(after, target) == []
    # ... and back to intended from there.
    again = IOS().plan(after, intended)
    assert IOS().plan(apply(after, again), intended) == []


def test_a_port_changed_from_access_to_unused_is_negated_in_documented_forms(secrets, intended):
    def unused(text: str) -> str:
        return text.replace(
            "interface GigabitEthernet1/0/8\n description unused\n shutdown\n",
            "interface GigabitEthernet1/0/8\n description spare-pc\n switchport access vlan 20\n"
            " switchport mode access\n spanning-tree portfast edge\n",
        )

    running = fetched("c1000-as-intended.cfg", secrets, edit=unused)
    plan = IOS().plan(running, intended)
    assert plan == [
        "interface GigabitEthernet1/0/8",
        " no switchport access vlan",
        " no switchport mode",
        " no spanning-tree portfast",
        " description unused",
        " shutdown",
    ]
    assert IOS().plan(apply(running, plan), intended) == []


# --- secrets the device shows hashed -------------------------------------------------------------


def test_enable_and_user_secrets_shown_hashed_equal_the_plain_ones():
    running = (
        "enable secret 9 $9$Ab12Cd34Ef56Gh$Zz\n"
        "username ops privilege 15 secret 5 $1$xyz$abc\n"
        "username digikel privilege 15 secret 9 $9$q$r\n"
    )
    intended = (
        "enable secret Pl41n\nusername ops privilege 15 secret s3cret\n"
        "username digikel privilege 15 secret other\n"
    )
    assert ios_config.remediation(running, intended) == []
    # Another privilege is a change: the full line, with its secret, is sent.
    assert ios_config.remediation(
        running, intended.replace("ops privilege 15", "ops privilege 5")
    ) == ["username ops privilege 5 secret s3cret"]


def test_a_redacted_secret_in_a_backup_is_never_sent():
    intended = "username digikel privilege 15 secret real\n"
    backup = f"hostname a\nusername digikel privilege 15 secret 9 {REDACTED}\nusername x secret 7 {REDACTED}\n"
    target = ios_config.fill_snmp_users(backup, intended)
    assert REDACTED not in target
    assert "username digikel privilege 15 secret real" in target


def test_platform_lines_are_ignored_in_any_place():
    text = (
        "Building configuration...\n\nCurrent configuration : 99 bytes\n!\nversion 15.2\n"
        "hostname a\nswitch 1 provision c1000-8p-2g-l\nbanner login ^CHello\nthere^C\n"
        "banner motd ^C one line ^C\nboot-start-marker\nboot-end-marker\n"
        "crypto pki trustpoint TP-self-signed-1\n enrollment selfsigned\n"
        "interface Gi1/0/1\n spanning-tree portfast\nip domain name x\nno ip domain lookup\nend\n"
    )
    assert ios_config.clean(text) == (
        "hostname a\ninterface Gi1/0/1\n spanning-tree portfast edge\nip domain-name x\n"
        "no ip domain-lookup\n"
    )


def test_a_port_the_target_does_not_list_is_reset_never_removed():
    # A backup of another model, or a device with a port the template does not know: IOS
    # refuses `no interface` for a hardware port, so it is reset, and an empty one ignored.
    running = (
        "interface GigabitEthernet1/0/9\n description cam\n switchport access vlan 20\n"
        "interface GigabitEthernet1/0/10\ninterface Vlan99\n ip address 10.9.9.9 255.255.255.0\n"
    )
    assert ios_config.remediation(running, "hostname a\n") == [
        "default interface GigabitEthernet1/0/9",
        "no interface Vlan99",
        "hostname a",
    ]


# The pattern proposed for platforms.IOS_ERRORS (owned by the lead engineer): IOS 15.2 reports
# some refusals without a `%`, as `Command rejected: <reason>` (e.g. a VLAN list it cannot take).
PROPOSED_IOS_ERRORS = (
    r"(% ?Invalid input|% ?Incomplete command|% ?Ambiguous command|% ?Unknown command|% ?Error|"
    r"Command rejected:).*"
)


@pytest.mark.parametrize(
    "output",
    [
        "Command rejected: Bad VLAN list - character #5 (EOL) delimits a VLAN number",
        "% Invalid input detected at '^' marker.",
        "% Incomplete command.",
    ],
)
def test_the_proposed_ios_error_pattern_catches_rejections(output):
    assert re.search(PROPOSED_IOS_ERRORS, f"sw01(config-if)#switchport x\n{output}\n")


def test_the_proposed_ios_error_pattern_passes_ordinary_output():
    for output in ("Interface GigabitEthernet1/0/1 set to default configuration", "sw01(config)#"):
        assert not re.search(PROPOSED_IOS_ERRORS, output)
