"""Benchmark 1: the city-wide network pass, digikel against Nornir, Ansible and the floor.

One lab (its own SSH port, so no other lab on this machine is touched) serves every router, switch
and access point of the chosen sites, with a delay added to every round trip inside the simulated
devices (the city's WAN). For each worker count, and alternating the contenders run by run:

- every contender starts from factory state (`digikel lab reset`, not timed);
- pass 1: back up, work out or take the change, push it;
- pass 2: the same again, which must send nothing;
- digikel's plain backup of the same devices, the yardstick of pass 2.

The competitors (bench/peers/) send exactly the commands digikel computed for the same factory
state, so what differs is transport and concurrency, not the diff. After each contender's first
pass 1, `digikel network diff` must find nothing left to do: a competitor that silently did less
would otherwise look fast.

The floor is what perfect parallelism would give: one process start-up plus the mean time of one
device alone (measured in-process, each kind of device weighted by its count) times
ceil(devices / workers).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bench.harness import BIN, REPO, Figure, Sample, run_once, table

# The quickstart lab is on 2222 and the network tests on 23xx; DIGIKEL_BENCH_PORT moves the
# benchmark's lab (the CI test of the benchmark runs on a port of its own, beside a full run).
LAB_PORT = int(os.environ.get("DIGIKEL_BENCH_PORT", "2422"))
QUICK_SITES = ["handil-bakti", "sungai-keledang"]  # RouterOS router, switch and AP; an IOS switch
CONTENDERS = ("digikel", "nornir", "ansible")
NETMIKO_TYPE = {"routeros": "mikrotik_routeros", "ios": "cisco_ios"}


@dataclass
class BenchLab:
    root: Path
    env_file: Path
    state_dir: Path
    sites: list[str] | None  # None: every site

    @property
    def known_hosts(self) -> Path:
        return self.env_file.parent / "known_hosts"

    def selection(self, sites: list[str] | None = None) -> list[str]:
        chosen = self.sites if sites is None else sites
        if chosen is None:
            return ["--all"]
        return [arg for slug in chosen for arg in ("--site", slug)]

    def digikel(self, *args: str) -> list[str]:
        return [str(BIN / "digikel"), "-i", str(self.env_file), *args]

    def reset(self, sites: list[str] | None = None) -> None:
        state = ["--state-dir", str(self.state_dir)]
        run_once(self.digikel("lab", "reset", *state, *self.selection(sites)))


@dataclass
class Scope:
    """The devices one worker count is measured on, and the competitors' inputs for them."""

    sites: list[str] | None  # None: the lab's
    peers: Path
    devices: int


@contextlib.contextmanager
def bench_lab(root: Path, sites: list[str] | None, delay_ms: float) -> Iterator[BenchLab]:
    """A copy of the inventory on the bench's own port, its lab running, every device trusted."""
    shutil.copytree(REPO / "inventory", root / "inventory")
    env_file = root / "inventory" / "lab" / "digikel.yml"
    env_file.write_text(env_file.read_text() + f"lab_ssh_port: {LAB_PORT}\n")
    (root / "inventory" / "lab" / "known_hosts").unlink(missing_ok=True)
    lab = BenchLab(root, env_file, root / "lab", sites)
    state = ["--state-dir", str(lab.state_dir)]
    start = ["lab", "start", *state, "--delay-ms", str(delay_ms), *lab.selection()]
    run_once(lab.digikel(*start))
    try:
        run_once(lab.digikel("network", "trust", "--yes", *lab.selection()))
        yield lab
    finally:
        with contextlib.suppress(RuntimeError):
            run_once(lab.digikel("lab", "stop", *state))


def _inventory(lab: BenchLab) -> tuple[Any, dict[str, Any], list[Any]]:
    from digikel.inventory import load_inventory
    from digikel.inventory.secrets import load_secrets

    inv = load_inventory(lab.env_file)
    sites = [s for s in inv.sites if lab.sites is None or s.slug in lab.sites]
    return inv, load_secrets(inv), [d for s in sites for d in s.network_devices]


def factory_plan(lab: BenchLab) -> dict[str, Any]:
    """What each device needs from factory state: its endpoint and digikel's commands for it.

    Worked out once, in-process, with digikel's own drivers; the lab must be at factory state.
    The result holds the lab's secrets: it only ever goes to files of mode 0600 in a temporary
    folder that is removed afterwards.
    """
    from digikel.network.connection import Timeouts, connect
    from digikel.network.operations import Options, Work

    inv, secrets, devices = _inventory(lab)
    timeouts = Timeouts(connect=30.0, command=60.0)

    def one(device: Any) -> tuple[str, dict[str, Any]]:
        work = Work(inv, device, secrets, Options(check=True, timeouts=timeouts))
        with connect(work.ep, timeouts) as conn:
            running = work.fetch(conn)
        ep = work.ep
        return device.name, {
            "platform": device.platform,
            "role": device.role,
            "host": ep.host,
            "port": ep.port,
            "username": ep.username,
            "password": ep.password,
            "secret": ep.enable_secret,
            "commands": work.driver.plan(running, work.intended()),
        }

    with ThreadPoolExecutor(max_workers=16) as pool:
        return dict(pool.map(one, devices))


def _private(path: Path, text: str) -> Path:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    return path


def write_peer_inputs(lab: BenchLab, plan: dict[str, Any], name: str = "all") -> Path:
    """The competitors' inventories (Nornir SimpleInventory, Ansible YAML) and command files."""
    peers = lab.root / "peers" / name
    (peers / "nornir").mkdir(parents=True, exist_ok=True)
    (peers / "home" / ".ssh").mkdir(parents=True, exist_ok=True)
    shutil.copy(lab.known_hosts, peers / "home" / ".ssh" / "known_hosts")
    nornir_hosts = {
        name: {
            "hostname": d["host"],
            "port": d["port"],
            "username": d["username"],
            "password": d["password"],
            "platform": NETMIKO_TYPE[d["platform"]],
            "connection_options": {
                "netmiko": {
                    "extras": {
                        # Host keys verified against the inventory's known_hosts, as digikel does.
                        "ssh_strict": True,
                        "system_host_keys": False,
                        "alt_host_keys": True,
                        "alt_key_file": str(lab.known_hosts),
                        "allow_agent": False,
                        "use_keys": False,
                        "secret": d["secret"],
                    }
                }
            },
        }
        for name, d in plan.items()
    }
    _private(peers / "nornir" / "hosts.yaml", yaml.safe_dump(nornir_hosts))
    _private(peers / "nornir" / "defaults.yaml", "{}\n")
    _private(peers / "pass1.json", json.dumps({n: d["commands"] for n, d in plan.items()}))
    _private(peers / "pass2.json", json.dumps({n: [] for n in plan}))
    for number, key in ((1, "commands"), (2, None)):
        hosts = {}
        for name, d in plan.items():
            ios = d["platform"] == "ios"
            hosts[name] = {
                "ansible_host": d["host"],
                "ansible_port": d["port"],
                "ansible_user": d["username"],
                "ansible_password": d["password"],
                "ansible_connection": "ansible.netcommon.network_cli",
                "ansible_network_os": "cisco.ios.ios" if ios else "community.routeros.routeros",
                "ansible_become": ios,
                "ansible_become_method": "ansible.netcommon.enable",
                "ansible_become_password": d["secret"],
                "bench_commands": d[key] if key else [],
            }
        inventory = yaml.safe_dump({"all": {"hosts": hosts}})
        _private(peers / f"ansible-pass{number}.yml", inventory)
    (peers / "ansible.cfg").write_text("[defaults]\nhost_key_checking = True\n")
    return peers


def ansible_env(peers: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        ANSIBLE_CONFIG=str(peers / "ansible.cfg"),
        ANSIBLE_HOST_KEY_CHECKING="True",
        ANSIBLE_NETWORK_CLI_SSH_TYPE="paramiko",
        ANSIBLE_PARAMIKO_HOST_KEY_AUTO_ADD="False",
        ANSIBLE_PARAMIKO_LOOK_FOR_KEYS="False",
        ANSIBLE_PARAMIKO_RECORD_HOST_KEYS="False",
        # paramiko reads ~/.ssh/known_hosts: a HOME of our own holds the lab's keys.
        HOME=str(peers / "home"),
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
    )
    return env


def commands_for(
    lab: BenchLab, scope: Scope, contender: str, number: int, workers: int
) -> list[str]:
    out = lab.root / "out" / f"{contender}-w{workers}"
    out.mkdir(parents=True, exist_ok=True)
    peers = scope.peers
    if contender == "digikel":
        return lab.digikel(
            "--json", "network", "push", "--yes", "--workers", str(workers),
            "--backup-dir", str(out), *lab.selection(scope.sites),
        )  # fmt: skip
    if contender == "nornir":
        return [
            sys.executable, str(REPO / "bench" / "peers" / "nornir_pass.py"),
            "--inventory", str(peers / "nornir"), "--commands", str(peers / f"pass{number}.json"),
            "--workers", str(workers), "--out", str(out),
        ]  # fmt: skip
    return [
        str(BIN / "ansible-playbook"), "-i", str(peers / f"ansible-pass{number}.yml"),
        "-f", str(workers), "-e", f"backup_dir={out}",
        str(REPO / "bench" / "peers" / "network_pass.yml"),
    ]  # fmt: skip


def pending(lab: BenchLab, sites: list[str] | None) -> int:
    """Commands `digikel network diff` still finds for the chosen devices."""
    diff = lab.digikel("--json", "network", "diff", *lab.selection(sites))
    sample = run_once(diff, keep_stdout=True)
    return sum(len(r["commands"]) for r in json.loads(sample.stdout)["results"])


def sent_by_digikel(stdout: str) -> int:
    results = json.loads(stdout)["results"]
    failed = [r["device"] for r in results if not r["ok"]]
    if failed:
        raise RuntimeError(f"digikel push failed on {', '.join(failed[:5])}")
    return sum(len(r["commands"]) for r in results)


def device_floor(lab: BenchLab) -> dict[str, Any]:
    """Mean seconds of one device pushed alone from factory state, each kind by its count.

    In-process, so interpreter start-up is not in it; the lab must be at factory state.
    """
    from digikel.network.connection import Timeouts
    from digikel.network.operations import Options, Work, push_device
    from digikel.network.store import BackupStore

    inv, secrets, devices = _inventory(lab)
    kinds: dict[tuple[str, str], list[Any]] = {}
    for device in devices:
        kinds.setdefault((device.role, device.platform), []).append(device)
    options = Options(
        timeouts=Timeouts(connect=30.0, command=60.0), store=BackupStore(lab.root / "out" / "floor")
    )
    per_kind = {}
    for (role, platform), members in sorted(kinds.items()):
        start = time.perf_counter()
        result = push_device(Work(inv, members[0], secrets, options))
        if result.failed:
            raise RuntimeError(f"floor: {members[0].name} failed: {result.error}")
        per_kind[f"{role}/{platform}"] = {
            "seconds": time.perf_counter() - start,
            "count": len(members),
        }
    total = sum(k["count"] for k in per_kind.values())
    mean = sum(k["seconds"] * k["count"] for k in per_kind.values()) / total
    return {"per_kind": per_kind, "mean_device_s": mean, "devices": total}


def startup_seconds(lab: BenchLab, runs: int) -> float:
    """A digikel network command's start-up: interpreter, inventory, vault, templates."""
    some_device = (
        ["--host", "handil-bakti-rtr01"] if lab.sites is None else ["--site", lab.sites[0]]
    )
    out = lab.root / "render"
    cmd = lab.digikel("network", "render", "--show-secrets", "-o", str(out), *some_device)
    return statistics.median(run_once(cmd).wall for _ in range(max(runs, 1)))


def run(
    runs: int,
    warmup: int,
    quick: bool = False,
    *,
    workers: tuple[int, ...] | None = None,
    delay_ms: float | None = None,
    sites: list[str] | None = None,
    single_worker_kecamatan: str = "Samarinda Seberang",
    ansible_runs: int | None = None,
) -> dict[str, Any]:
    """`warmup` is not used: the factory plan and the floor, measured first, warm the lab, the
    caches and the imports, and a whole untimed round would cost as much as a timed one.

    One worker over the whole city would take over an hour for Ansible alone, so workers=1 is
    measured once, on one kecamatan (the one with an IOS switch), each contender alike. Ansible
    is 4 to 5 times slower than the others; `ansible_runs` (default: `runs`) bounds its runs so
    a full run fits in under an hour.
    """
    del warmup
    if quick:
        workers = workers or (2,)
        delay_ms = 5.0 if delay_ms is None else delay_ms
        sites = QUICK_SITES
    workers = workers or (8, 32, 1)
    delay_ms = 30.0 if delay_ms is None else delay_ms
    root = Path(tempfile.mkdtemp(prefix="digikel-bench-net-"))
    # Trust, pushes and rollbacks lock their sites and record runs: in a store of the
    # benchmark's own, never the operator's (a quickstart may be running on this machine).
    saved_url = os.environ.get("DIGIKEL_DB_URL")
    os.environ["DIGIKEL_DB_URL"] = f"sqlite:///{root / 'store.db'}"
    try:
        with bench_lab(root, sites, delay_ms) as lab:
            return _measure(
                lab,
                runs,
                workers,
                delay_ms,
                single_worker_kecamatan,
                runs if ansible_runs is None else ansible_runs,
            )
    finally:
        if saved_url is None:
            os.environ.pop("DIGIKEL_DB_URL", None)
        else:
            os.environ["DIGIKEL_DB_URL"] = saved_url
        shutil.rmtree(root, ignore_errors=True)


def _scopes(
    lab: BenchLab, plan: dict[str, Any], workers: tuple[int, ...], kecamatan: str
) -> dict[int, Scope]:
    everything = Scope(None, write_peer_inputs(lab, plan), len(plan))
    scopes = {count: everything for count in workers}
    if 1 in workers and lab.sites is None:
        inv, _, _ = _inventory(lab)
        slugs = [s.slug for s in inv.sites if s.kecamatan == kecamatan]
        names = {d.name for s in inv.sites if s.slug in slugs for d in s.network_devices}
        subset = {name: d for name, d in plan.items() if name in names}
        scopes[1] = Scope(slugs, write_peer_inputs(lab, subset, "one-worker"), len(subset))
    return scopes


def _measure(
    lab: BenchLab,
    runs: int,
    workers: tuple[int, ...],
    delay_ms: float,
    kecamatan: str,
    ansible_runs: int,
) -> dict[str, Any]:
    lab.reset()
    plan = factory_plan(lab)
    scopes = _scopes(lab, plan, workers, kecamatan)
    env = ansible_env(scopes[workers[0]].peers)
    floor = device_floor(lab)
    startup = startup_seconds(lab, runs)
    figures: dict[str, Figure] = {}
    checks: dict[str, Any] = {"pending_after_pass1": {}, "sent_pass2": {}, "sent_pass1": {}}

    def timed(name: str, sample: Sample) -> None:
        figures.setdefault(name, Figure(name)).samples.append(sample)

    for number in range(runs):
        for count in workers:
            scope = scopes[count]
            if count == 1 and number > 0:
                continue  # one run with one worker (see run())
            for contender in CONTENDERS:
                if contender == "ansible" and number >= ansible_runs:
                    continue
                lab.reset(scope.sites)
                key = f"{contender} w{count}"
                one = run_once(
                    commands_for(lab, scope, contender, 1, count), env=env, keep_stdout=True
                )
                if contender == "digikel":
                    checks["sent_pass1"][key] = sent_by_digikel(one.stdout)
                if key not in checks["pending_after_pass1"]:
                    checks["pending_after_pass1"][key] = pending(lab, scope.sites)
                two = run_once(
                    commands_for(lab, scope, contender, 2, count), env=env, keep_stdout=True
                )
                if contender == "digikel":
                    checks["sent_pass2"][key] = sent_by_digikel(two.stdout)
                timed(f"{key} pass 1", one)
                timed(f"{key} pass 2" + (" (backup only)" if contender != "digikel" else ""), two)
            store = lab.root / "out" / f"backup-w{count}"
            backup = lab.digikel(
                "network", "backup", "--workers", str(count), "--backup-dir", str(store),
                *lab.selection(scope.sites),
            )  # fmt: skip
            timed(f"digikel w{count} backup", run_once(backup))
    floors = {
        count: startup + floor["mean_device_s"] * math.ceil(scopes[count].devices / count)
        for count in workers
    }
    return {
        "runs": runs,
        "ansible_runs": min(ansible_runs, runs),
        "devices": len(plan),
        "devices_by_workers": {count: scopes[count].devices for count in workers},
        "delay_ms": delay_ms,
        "workers": list(workers),
        "floor": {**floor, "startup_s": startup, "by_workers": floors},
        "checks": checks,
        "figures": [f.as_dict() for f in figures.values()],
        "ratios": ratios(figures, floors, workers),
        "table": table(figures),
    }


def ratios(
    figures: dict[str, Figure], floors: dict[int, float], workers: tuple[int, ...]
) -> dict[str, dict[str, float]]:
    """Per worker count: digikel's pass 1 over Nornir's, Ansible's and the floor; pass 2/backup."""

    def wall(name: str) -> float:
        return figures[name].stat("wall")[0]

    out = {}
    for count in workers:
        ours = wall(f"digikel w{count} pass 1")
        out[f"w{count}"] = {
            "digikel_over_floor": round(ours / floors[count], 3),
            "pass2_over_backup": round(
                wall(f"digikel w{count} pass 2") / wall(f"digikel w{count} backup"), 3
            ),
        }
        for peer in ("nornir", "ansible"):  # a contender left out (--ansible-runs 0) has none
            if f"{peer} w{count} pass 1" in figures:
                out[f"w{count}"][f"digikel_over_{peer}"] = round(
                    ours / wall(f"{peer} w{count} pass 1"), 3
                )
    return out
