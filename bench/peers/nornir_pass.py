"""Benchmark 1's Nornir competitor: back up every device, then send its commands.

Written the way a competent Nornir user would: SimpleInventory files, nornir_netmiko's tasks, the
threaded runner with `--workers` workers, one task per host that backs up (RouterOS `/export`,
IOS `show running-config`) to a file and then sends the device's configuration commands. The
commands are the same ones digikel computed for the same devices (bench/network.py writes them
to a JSON file); a Nornir user would keep them in templates, but computing the difference is not
what is compared here: the transport and the concurrency are.

    python bench/peers/nornir_pass.py --inventory DIR --commands cmds.json --workers 8 --out DIR
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from nornir import InitNornir
from nornir.core.task import Result, Task
from nornir_netmiko.tasks import netmiko_save_config, netmiko_send_command, netmiko_send_config

BACKUP_COMMAND = {"mikrotik_routeros": "/export", "cisco_ios": "show running-config"}


def renames(platform: str, command: str) -> bool:
    """Commands that change the prompt, which Netmiko's config reads wait for."""
    if platform == "cisco_ios":
        return command.startswith("hostname ")
    return command.startswith("/system identity set")


def backup_and_push(task: Task, commands: dict[str, list[str]], out: Path) -> Result:
    platform = task.host.platform or ""
    backup = task.run(task=netmiko_send_command, command_string=BACKUP_COMMAND[platform])
    (out / f"{task.host.name}.cfg").write_text(str(backup.result))
    sent = commands.get(task.host.name, [])
    if sent:
        # The renaming command goes last, on its own, read up to any prompt; then Netmiko learns
        # the new prompt, or every later read would wait for the factory one.
        rename = [c for c in sent if renames(platform, c)]
        body = [c for c in sent if not renames(platform, c)]
        if body:
            task.run(task=netmiko_send_config, config_commands=body)
        conn = task.host.get_connection("netmiko", task.nornir.config)
        for command in rename:
            if platform == "cisco_ios":
                conn.send_config_set([command], cmd_verify=False)
            else:
                conn.send_command(command, expect_string=r"\] >", cmd_verify=False)
        if rename:
            conn.set_base_prompt()
        if platform == "cisco_ios":
            task.run(task=netmiko_save_config)
    return Result(host=task.host, result=len(sent))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--inventory", type=Path, required=True, help="SimpleInventory folder")
    parser.add_argument("--commands", type=Path, required=True, help="JSON: host -> commands")
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--out", type=Path, required=True, help="folder for the backups")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    nr = InitNornir(
        runner={"plugin": "threaded", "options": {"num_workers": args.workers}},
        inventory={
            "plugin": "SimpleInventory",
            "options": {
                "host_file": str(args.inventory / "hosts.yaml"),
                "defaults_file": str(args.inventory / "defaults.yaml"),
            },
        },
        logging={"enabled": False},
    )
    commands = json.loads(args.commands.read_text())
    results = nr.run(task=backup_and_push, commands=commands, out=args.out)
    failed = {
        name: str(res.exception or res[0].result) for name, res in results.items() if res.failed
    }
    for name, why in sorted(failed.items()):
        sys.stderr.write(f"{name}: FAILED {why[:300]}\n")
    sent = sum(res[0].result or 0 for res in results.values() if not res.failed)
    sys.stdout.write(
        json.dumps({"hosts": len(results), "failed": len(failed), "sent": sent}) + "\n"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
