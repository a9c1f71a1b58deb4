"""Benchmark 2: one site's endpoint rollout, Ansible's defaults against the project's settings.

A site's counters and display run as podman systemd containers (`digikel.labsvc.containers`,
the same ones `digikel lab services up --site S --only containers` starts), reached over SSH as
in production (the inventory's connection variables, pinned host keys, digikel's key in an
ssh-agent of the benchmark's). Configurations, over that same SSH path:

- "defaults": an ansible.cfg with only what finds the inventory, roles, collections and vault
  (`defaults_config`); everything else is Ansible's own default: forks 5, implicit fact gathering
  in every play, no fact cache, no pipelining, ssh_args with ControlPersist=60s;
- "tuned": the project's own ansible.cfg (pipelining, ControlPersist=120s, smart gathering with a
  jsonfile fact cache, forks 16, the profile_tasks callback);
- "tuned + mitogen" (opt-in, only when the `mitogen` distribution is installed): the same with
  Mitogen's linear strategy.

The site is converged from scratch once with the project's settings and a warm package cache
(fresh containers; `--converge-defaults` also once with the defaults), then the no-change run is
repeated, the configurations alternating. Last,
`digikel rollout --only endpoints` against the plain `ansible-playbook` doing the same, both with
nothing to change, alternating. Every run is checked (the PLAY RECAP, or the rollout's JSON): no
failure, and no change at all where none is expected, so a figure never times a run that still
converges or that did nothing.

CPU time is that of the ansible-playbook (or digikel) process tree as os.wait4 gives it; the
modules themselves run inside the containers, outside that tree, so the machine's busy CPU
seconds during each run (/proc/stat) are recorded beside it.

Quick mode (CI) converges the baseline playbook on one counter, then one no-change run per
configuration; no rollout overhead (the site playbook takes minutes from scratch). It proves the
suite runs; its numbers mean nothing. Without a working podman the suite raises.
"""

from __future__ import annotations

import configparser
import importlib.util
import io
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bench.harness import BIN, REPO, Figure, Sample, table

DEFAULT_SITE = "handil-bakti"
# The quickstart and the tests boot these sites' containers: never touch them here.
RESERVED_SITES = ("sungai-keledang", "loa-bakung")
SITE_PLAYBOOK = "playbooks/site.yml"
QUICK_PLAYBOOK = "playbooks/baseline.yml"

# What a configuration needs to find things; every other setting stays at Ansible's default.
KEEP = {
    "defaults": (
        "inventory",
        "inventory_plugins",
        "roles_path",
        "collections_path",
        "collections_paths",
        "vault_identity_list",
        "host_key_checking",
    ),
    "inventory": ("enable_plugins", "unparsed_is_failed", "any_unparsed_is_failed"),
}
# Settings that are lists of paths, resolved like Ansible resolves them: relative to the file.
PATH_LISTS = {
    "inventory": ",",
    "inventory_plugins": os.pathsep,
    "roles_path": os.pathsep,
    "collections_path": os.pathsep,
    "collections_paths": os.pathsep,
}
RECAP = re.compile(
    r"^(?P<host>\S+)\s+:\s+ok=\d+\s+changed=(?P<changed>\d+)\s.*failed=(?P<failed>\d+)"
)
# profile_tasks: "Install the baseline packages ------------------------------ 5.23s"
PROFILE_LINE = re.compile(r"^(?P<task>.+?)\s-{2,}\s+(?P<seconds>\d+(?:\.\d+)?)s\s*$")


def _absolute(value: str, base: Path, separator: str) -> str:
    parts = [p.strip() for p in value.split(separator) if p.strip()]
    return separator.join(str(base / p) if not os.path.isabs(p) else p for p in parts)


def _vault_ids(value: str, base: Path) -> str:
    """vault_identity_list: `id@path` entries; a relative path becomes absolute, `prompt` stays."""
    out = []
    for entry in (e.strip() for e in value.split(",") if e.strip()):
        label, at, source = entry.rpartition("@")
        if source != "prompt" and not os.path.isabs(source):
            source = str(base / source)
        out.append(f"{label}{at}{source}")
    return ",".join(out)


def defaults_config(project_cfg: str, base: Path) -> str:
    """The project's ansible.cfg reduced to the settings that find the inventory, the roles,
    the collections and the vault, with relative paths made absolute against `base` (the
    project), so the result works from any directory."""
    parser = configparser.ConfigParser(interpolation=None, inline_comment_prefixes=(";",))
    parser.read_string(project_cfg)
    out = configparser.ConfigParser(interpolation=None)
    for section, keys in KEEP.items():
        if not parser.has_section(section):
            continue
        kept = {}
        for key in keys:
            if not parser.has_option(section, key):
                continue
            value = parser.get(section, key)
            if section == "defaults" and key in PATH_LISTS:
                value = _absolute(value, base, PATH_LISTS[key])
            elif section == "defaults" and key == "vault_identity_list":
                value = _vault_ids(value, base)
            kept[key] = value
        if kept:
            out[section] = kept
    text = io.StringIO()
    text.write("# Ansible's defaults, but for what finds the project (bench/endpoints.py).\n")
    out.write(text)
    return text.getvalue()


def recap(output: str) -> dict[str, tuple[int, int]]:
    """{host: (changed, failed)} from the PLAY RECAP of ansible-playbook's default output."""
    hosts = {}
    for line in output.splitlines():
        match = RECAP.match(line.strip())
        if match:
            hosts[match["host"]] = (int(match["changed"]), int(match["failed"]))
    return hosts


def slowest_tasks(output: str, top: int = 8) -> list[tuple[str, float]]:
    """The slowest tasks that the profile_tasks callback lists at the end of a run."""
    tasks = [
        (m["task"].strip(), float(m["seconds"]))
        for m in (PROFILE_LINE.match(line.strip()) for line in output.splitlines())
        if m and not m["task"].strip().startswith("=")
    ]
    return sorted(tasks, key=lambda t: t[1], reverse=True)[:top]


@dataclass(frozen=True)
class Case:
    cmd: list[str]
    env: dict[str, str]


def _busy_seconds() -> float:
    """CPU seconds the whole machine has been busy (all but idle and iowait), from /proc/stat."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def playbook_checker(expect_no_change: bool) -> Callable[[str], None]:
    """A check of ansible-playbook's output (its PLAY RECAP): no failed host, and no change at
    all when none is expected."""

    def check(output: str) -> None:
        hosts = recap(output)
        if not hosts or any(failed for _, failed in hosts.values()):
            raise RuntimeError(f"no PLAY RECAP or a failed host:\n{output[-4000:]}")
        changed = {h: c for h, (c, _) in hosts.items() if c}
        if expect_no_change and changed:
            raise RuntimeError(f"expected no change, changed {changed}")

    return check


def rollout_unchanged(output: str) -> None:
    """A check of `digikel --json rollout`: every site ok, its endpoints stage ran, no change."""
    result = json.loads(output)
    for site in result["sites"]:
        ran = (site.get("stages") or {}).get("endpoints") == "ok"
        if site["status"] != "ok" or site["changed"] or not ran:
            raise RuntimeError(f"rollout did not run its endpoints unchanged: {site}")


def measured(case: Case, check: Callable[[str], None]) -> tuple[Sample, float, str]:
    """One run measured as harness.run_once measures it (wall, and CPU and peak memory of the
    process tree through os.wait4), plus the machine's busy CPU seconds meanwhile (the modules
    run inside the containers, outside that tree); its standard output is then `check`ed."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        busy = _busy_seconds()
        start = time.perf_counter()
        env = {**case.env, **AGENT_ENV}
        proc = subprocess.Popen(case.cmd, cwd=REPO, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        machine = _busy_seconds() - busy
        out.seek(0)
        err.seek(0)
        output = out.read().decode(errors="replace")
        errors = err.read().decode(errors="replace")
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise RuntimeError(
            f"{' '.join(case.cmd)} exited {code}:\n{output[-3000:]}\n{errors[-2000:]}"
        )
    try:
        check(output)
    except (RuntimeError, ValueError, KeyError) as exc:
        raise RuntimeError(f"{' '.join(case.cmd)}: {exc}") from exc
    sample = Sample(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)
    return sample, machine, output


@dataclass
class Series:
    """Figures of several cases with the machine's busy CPU of each run beside them."""

    figures: dict[str, Figure] = field(default_factory=dict)
    machine_cpu: dict[str, list[float]] = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)

    def add(self, name: str, sample: Sample, machine: float, output: str) -> None:
        self.figures.setdefault(name, Figure(name)).samples.append(sample)
        self.machine_cpu.setdefault(name, []).append(round(machine, 2))
        self.outputs[name] = output


def alternate(
    series: Series,
    cases: dict[str, tuple[Case, Callable[[str], None]]],
    runs: int,
    warmup: int,
) -> None:
    """Warm-ups, then every case `runs` times alternating A B A B; every run is checked."""
    for case, check in cases.values():
        for _ in range(warmup):
            measured(case, check)
    for _ in range(runs):
        for name, (case, check) in cases.items():
            series.add(name, *measured(case, check))


AGENT_ENV: dict[str, str] = {}  # SSH_AUTH_SOCK while the benchmark's agent runs


def _base_env(tmp: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ANSIBLE_", "DIGIKEL_")) and k != "SSH_AUTH_SOCK"
    }
    env["PATH"] = os.pathsep.join([str(BIN), env.get("PATH", "/usr/bin:/bin")])
    env["ANSIBLE_FORCE_COLOR"] = "False"
    env["ANSIBLE_LOCAL_TEMP"] = str(tmp / "ansible-tmp")
    return env


def mitogen_strategies() -> Path | None:
    """Mitogen's strategy plugins, when the `mitogen` distribution is installed."""
    spec = importlib.util.find_spec("ansible_mitogen")
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).parent / "plugins" / "strategy"


def configurations(tmp: Path) -> dict[str, tuple[dict[str, str], list[str]]]:
    """{name: (environment, extra ansible-playbook arguments)} of every configuration."""
    (tmp / "defaults.cfg").write_text(defaults_config((REPO / "ansible.cfg").read_text(), REPO))
    base = _base_env(tmp)
    tuned = {
        **base,
        "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"),
        # The project's settings; only the fact cache moves to a directory of the benchmark's.
        "ANSIBLE_CACHE_PLUGIN_CONNECTION": str(tmp / "facts"),
    }
    configs: dict[str, tuple[dict[str, str], list[str]]] = {
        "defaults": ({**base, "ANSIBLE_CONFIG": str(tmp / "defaults.cfg")}, []),
        "tuned": (tuned, []),
    }
    strategies = mitogen_strategies()
    if strategies is not None:
        configs["tuned + mitogen"] = (
            {
                **tuned,
                "ANSIBLE_STRATEGY_PLUGINS": str(strategies),
                "ANSIBLE_STRATEGY": "mitogen_linear",
            },
            [],
        )
    return configs


@contextmanager
def endpoint_agent(env: dict[str, str]) -> Iterator[None]:
    """digikel's endpoint key from the lab vault in an ssh-agent, its socket in `env` (what the
    rollout does for its own runs: endpoints/agent.py)."""
    from digikel.endpoints.agent import agent_holding
    from digikel.inventory import load_inventory
    from digikel.inventory.secrets import load_secrets

    inv = load_inventory(REPO / "inventory/lab/digikel.yml")
    with agent_holding(load_secrets(inv)["vault_digikel_endpoint_ssh_private_key"]) as socket:
        env["SSH_AUTH_SOCK"] = socket
        try:
            yield
        finally:
            env.pop("SSH_AUTH_SOCK", None)


@contextmanager
def removed_at_end(hosts: Sequence[str]) -> Iterator[None]:
    """The hosts' containers are removed at the end, whatever happens."""
    from digikel.labsvc.containers import containers_down

    try:
        yield
    finally:
        containers_down(names=list(hosts))


def package_cache_figures() -> dict[str, object]:
    """Start the operator lab's package cache (the data centre's, labsvc/pkgcache.py) if it is
    not running, and say what it holds: a converge "with a warm cache" finds its .debs there."""
    from digikel.labsvc.pkgcache import start_cache

    status = start_cache()
    return {"url": status.url, "answers": status.answers, **status.figures.as_dict()}


def fresh_containers(hosts: Sequence[str]) -> None:
    """Remove the hosts' containers and boot new ones (systemd up): endpoints from scratch."""
    from digikel.inventory import load_inventory
    from digikel.labsvc.containers import container_specs, containers_down, containers_up

    inv = load_inventory(REPO / "inventory/lab/digikel.yml")
    containers_down(names=list(hosts))
    result = containers_up(container_specs(inv, [], hosts=list(hosts)), repo_root=REPO)
    if result.skipped:
        raise RuntimeError(f"podman cannot run the endpoint containers: {result.skipped}")


def site_hosts(site: str, quick: bool) -> list[str]:
    """The site's counters and display; in quick mode its first counter only."""
    from digikel.inventory import load_inventory

    if site in RESERVED_SITES:
        raise ValueError(f"{site}: the quickstart and the tests use its containers; choose another")
    devices = load_inventory(REPO / "inventory/lab/digikel.yml").site(site).devices
    hosts = [d.name for d in devices if d.role in ("counter", "display")]
    return hosts[:1] if quick else hosts


def _median_wall(figures: dict[str, Figure], name: str) -> float:
    return figures[name].stat("wall")[0]


def run(
    runs: int,
    warmup: int = 1,
    quick: bool = False,
    site: str = DEFAULT_SITE,
    converge_defaults: bool = False,
) -> dict[str, object]:
    """Converge from scratch per configuration, then the no-change runs alternating, then the
    overhead of `digikel rollout --only endpoints` (not in quick mode). Raises when podman
    cannot run the containers: the suite never skips silently."""
    from digikel.labsvc.containers import podman_problem

    problem = podman_problem()
    if problem is not None:
        raise RuntimeError(f"the endpoints benchmark needs podman: {problem}")
    hosts = site_hosts(site, quick)
    group = "site_" + site.replace("-", "_")
    playbook = QUICK_PLAYBOOK if quick else SITE_PLAYBOOK
    limit = ",".join(hosts) if quick else group
    playbook_cmd = [str(BIN / "ansible-playbook"), playbook, "-l", limit, "--diff"]
    series = Series()
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="digikel-bench-") as tmp_name:
        tmp = Path(tmp_name)
        configs = configurations(tmp)
        cases = {name: Case([*playbook_cmd, *extra], env) for name, (env, extra) in configs.items()}
        if "tuned + mitogen" not in cases:
            notes.append("mitogen is not installed: no `tuned + mitogen` figures")
        if not quick:
            cache = package_cache_figures()
            notes.append(f"package cache before the converge: {cache}")
        with removed_at_end(hosts), endpoint_agent(AGENT_ENV):
            # From scratch: fresh containers and an empty fact cache for each configuration
            # converged (by default only the project's settings).
            for name in ["defaults", "tuned"] if converge_defaults and not quick else ["tuned"]:
                fresh_containers(hosts)
                shutil.rmtree(tmp / "facts", ignore_errors=True)
                converged = measured(cases[name], playbook_checker(expect_no_change=False))
                series.add(f"{name}: converge", *converged)
            unchanged = playbook_checker(expect_no_change=True)
            alternate(
                series,
                {f"{name}: no change": (case, unchanged) for name, case in cases.items()},
                runs,
                warmup,
            )
            if not quick:
                _overhead(series, tmp, configs["tuned"][0], site, group, runs, warmup)
            else:
                notes.append("quick: no rollout overhead (the site playbook takes minutes)")
    figures = series.figures
    ratios: dict[str, float] = {
        "defaults_over_tuned_no_change": round(
            _median_wall(figures, "defaults: no change")
            / _median_wall(figures, "tuned: no change"),
            3,
        )
    }
    if "tuned + mitogen: no change" in figures:
        ratios["defaults_over_mitogen_no_change"] = round(
            _median_wall(figures, "defaults: no change")
            / _median_wall(figures, "tuned + mitogen: no change"),
            3,
        )
    if "defaults: converge" in figures:
        ratios["defaults_over_tuned_converge"] = round(
            _median_wall(figures, "defaults: converge") / _median_wall(figures, "tuned: converge"),
            3,
        )
    if ROLLOUT in figures:
        ratios["rollout_overhead_percent"] = round(
            (_median_wall(figures, ROLLOUT) / _median_wall(figures, PLAIN) - 1) * 100, 1
        )
    return {
        "site": site,
        "hosts": hosts,
        "playbook": playbook,
        "quick": quick,
        "figures": {k: v.as_dict() for k, v in figures.items()},
        "machine_cpu_s": series.machine_cpu,
        "ratios": ratios,
        "tuned_no_change_slowest_tasks": slowest_tasks(series.outputs.get("tuned: no change", "")),
        "notes": notes,
        "table": table(figures),
    }


ROLLOUT = "digikel rollout --only endpoints"
PLAIN = "plain ansible-playbook"


def _overhead(
    series: Series,
    tmp: Path,
    tuned: dict[str, str],
    site: str,
    group: str,
    runs: int,
    warmup: int,
) -> None:
    """`digikel rollout --site S --only endpoints` against the plain ansible-playbook run its
    endpoints stage makes (same playbook, --diff, the site's endpoints), both changing nothing."""
    env = {**tuned, "DIGIKEL_DB_URL": f"sqlite:///{tmp / 'store.db'}", "DIGIKEL_OPERATOR": "bench"}
    rollout = Case(
        [str(BIN / "digikel"), "--json", "rollout", "--site", site, "--only", "endpoints", "--yes"],
        env,
    )
    plain = Case([str(BIN / "ansible-playbook"), SITE_PLAYBOOK, "-l", group, "--diff"], env)
    cases = {
        ROLLOUT: (rollout, rollout_unchanged),
        PLAIN: (plain, playbook_checker(expect_no_change=True)),
    }
    # At least one warm-up: the first rollout also creates the store's schema.
    alternate(series, cases, runs, max(warmup, 1))
