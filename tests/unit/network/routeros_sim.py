"""A tiny RouterOS model that executes our absolute commands on a parsed Config.

For convergence tests of the pure planning logic only; the device behaviour itself is tested
against the lab over real SSH (tests/integration/network).
"""

from __future__ import annotations

from digikel.network import routeros_config as rc


def simulate(config: rc.Config, commands: list[str]) -> rc.Config:
    import copy
    import re

    state = copy.deepcopy(config)
    for command in commands:
        match = re.match(r"(/[^\[=]*?) (add|set|remove|unset)(?: (.*))?$", command)
        assert match, command
        menu, verb, rest = rc._normalise_menu(match.group(1)), match.group(2), match.group(3) or ""
        items = state.menus.setdefault(menu, [])
        if verb == "add":
            state.add(rc.parse(f"{menu}\nadd {rest}\n").menus[menu][0])
            continue
        ref = re.match(r"(\[ find .*? \]|\S+)\s*(.*)", rest)
        assert ref, command
        target, args = ref.group(1), ref.group(2)
        found = [i for i in items if matches(i, target)]
        if verb == "remove":
            assert found, f"no such item: {command}"
            for item in found:
                items.remove(item)
        elif verb == "unset":
            for item in found:
                item.args.pop(args.removeprefix("value-name="), None)
        elif not found:
            state.add(rc.parse(f"{menu}\nset {rest}\n").menus[menu][0])
        else:
            assert len(found) == 1 or not target.startswith("["), f"ambiguous: {command}"
            new = rc.parse(f"{menu}\nadd {args}\n").menus[menu][0].args
            for item in found:
                item.args.update(new)
    return state


def matches(item: rc.Item, target: str) -> bool:
    if not target.startswith("["):
        return (item.verb == "set" and item.target == target) or item.args.get("name") == target
    inner = rc.tokenize(target[1:-1].strip())[1:]
    return all(item.args.get(k) == v for k, _, v in (t.partition("=") for t in inner))
