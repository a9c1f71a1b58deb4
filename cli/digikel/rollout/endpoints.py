"""The endpoints stage: the site's playbook through ansible-runner's Python API.

ansible-runner gives per-host stats and a live event stream without parsing Ansible's text, and
the same project layout (ansible.cfg, playbooks/, roles/, inventory/) runs unchanged under its
own CLI and under AWX (docs/rollout.md).

Which endpoints run, and how Ansible reaches them, is the environment's (digikel.environment):
production runs every counter and display at its inventory `ansible_host`; an environment may
leave some out (the lab runs containers only for the sites it was asked to), point hosts
elsewhere (a second inventory source of the run's own, read after the city's) and keep a fact
cache of its own.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from digikel.rollout.stages import StageContext, StageOutcome
from digikel.store import Check, HostOutcome

if TYPE_CHECKING:
    from digikel.environment import Endpoints
    from digikel.inventory.model import Inventory

PLAYBOOK = "playbooks/site.yml"
VERIFY_PLAYBOOK = "playbooks/verify.yml"
FACT_CACHE_FROM_ANSIBLE_CFG = "ansible.cfg"  # anything but ansible-runner's "jsonfile"
ENDPOINT_KEY = "vault_digikel_endpoint_ssh_private_key"
CHECK_PREFIX = "Check "  # verify.yml names each check "Check <component>: <what>"
# Events worth a progress line: a host finished a task, failed it, or could not be reached.
SHOWN_EVENTS = {
    "runner_on_ok": "ok",
    "runner_on_failed": "FAILED",
    "runner_on_unreachable": "UNREACHABLE",
}


def runner_args(
    project_dir: Path,
    inventory_file: Path,
    limit: str,
    check: bool,
    private_dir: Path,
    playbook: str = PLAYBOOK,
    extravars: dict[str, Any] | None = None,
    connections: Path | None = None,
    facts_dir: Path | None = None,
    agent: str | None = None,
) -> dict[str, Any]:
    """Keyword arguments for ansible_runner.run: flags named as ansible-playbook names them.
    `connections` is an inventory read after the city's (its host variables win), `facts_dir`
    a fact cache in place of ansible.cfg's, `agent` the socket of the ssh-agent holding digikel's
    endpoint key (endpoints/agent.py; None: the operator's own agent)."""
    cmdline = ["--diff"]
    if check:
        cmdline.insert(0, "--check")
    envvars = {
        "ANSIBLE_CONFIG": str(project_dir / "ansible.cfg"),
        "ANSIBLE_FORCE_COLOR": "False",
        # ansible-runner sets ANSIBLE_HOST_KEY_CHECKING=False unless it is given (config/_base.py):
        # Ansible then passes StrictHostKeyChecking=no ahead of our own options, ssh keeps the
        # first value, and a PC whose host key changed is logged into with digikel's key.
        "ANSIBLE_HOST_KEY_CHECKING": "True",
    }
    if facts_dir is not None:
        envvars["ANSIBLE_CACHE_PLUGIN_CONNECTION"] = str(facts_dir)
    inventory: str | list[str] = str(inventory_file)
    if connections is not None:
        inventory = [str(inventory_file), str(connections)]
    if agent is not None:
        envvars["SSH_AUTH_SOCK"] = agent
    return {
        "private_data_dir": str(private_dir),
        "project_dir": str(project_dir),
        "playbook": playbook,
        "inventory": inventory,
        "limit": limit,
        "cmdline": " ".join(cmdline),
        "extravars": extravars or {},
        "envvars": envvars,
        "quiet": True,
        "json_mode": False,
        # ansible-runner's default ("jsonfile") points the fact cache at a new directory of every
        # run, so `gathering = smart` would gather facts again on each rollout; any other value
        # leaves the cache to ansible.cfg, as a plain ansible-playbook run has it.
        "fact_cache_type": FACT_CACHE_FROM_ANSIBLE_CFG,
    }


def use_our_ansible() -> None:
    """Put digikel's own environment first on PATH: ansible-runner starts `ansible-playbook` by
    name, and an operator calling .venv/bin/digikel need not have activated the virtualenv."""
    ours = str(Path(sys.executable).parent)
    path = os.environ.get("PATH", "")
    if path.split(os.pathsep)[0] != ours:
        os.environ["PATH"] = os.pathsep.join([ours, path]) if path else ours


def host_outcomes(stats: dict[str, dict[str, int]] | None, hosts: list[str]) -> list[HostOutcome]:
    """One outcome per host of the site, from ansible-runner's per-host stats."""
    stats = stats or {}
    outcomes = []
    for host in hosts:
        failed = stats.get("failures", {}).get(host, 0) > 0
        unreachable = stats.get("dark", {}).get(host, 0) > 0
        changed = stats.get("changed", {}).get(host, 0)
        seen = any(host in stats.get(key, {}) for key in ("ok", "changed", "failures", "dark"))
        detail = None if seen else "not run (no reachable endpoint for this host)"
        outcomes.append(HostOutcome(host, changed > 0, failed, unreachable, detail))
    return outcomes


def project_dir(inv: Inventory) -> Path:
    """The Ansible project (ansible.cfg, playbooks/, roles/): the inventory's, else the one digikel
    runs from. An inventory copied elsewhere (a test's, an operator's scratch copy) has no
    playbooks beside it, yet its rollout must run the project's."""
    from digikel.project import checkout_root

    candidates = [inv.root.parent, checkout_root()]
    for folder in candidates:
        if folder is not None and (folder / PLAYBOOK).is_file():
            return folder
    return inv.root.parent


@contextmanager
def endpoint_agent(ctx: StageContext) -> Iterator[str | None]:
    """An ssh-agent holding digikel's key for the counters and displays, from the vault (the
    installer put its public half on every PC); None without one: the operator's own agent."""
    key = ctx.vault().get(ENDPOINT_KEY)
    if not isinstance(key, str) or not key.strip():
        yield None
        return
    from digikel.endpoints.agent import agent_holding

    with agent_holding(key) as socket:
        yield socket


def site_endpoints(ctx: StageContext) -> Endpoints:
    """The site's counters and displays, as the run's environment reaches them."""
    hosts = [d.name for d in ctx.site.devices if d.role in ("counter", "display")]
    return ctx.reached_through().endpoints(ctx.site.slug, hosts)


def connections_file(endpoints: Endpoints, private: Path) -> Path | None:
    """An inventory (in the run's private folder) with the environment's connection variables
    of each host; None when the city inventory's are right."""
    if not endpoints.connections:
        return None
    path = private / "connections.json"
    path.write_text(json.dumps({"all": {"hosts": endpoints.connections}}, indent=1))
    return path


def endpoints_stage(
    ctx: StageContext,
    *,
    check: bool | None = None,
    on_raw_event: Callable[[dict[str, Any]], None] | None = None,
) -> StageOutcome:
    """site.yml on the site's endpoints; `check` overrides the run's (the watch runs it in check
    mode within a run that records its checks), `on_raw_event` sees every ansible-runner event
    (the watch reads the diffs from them)."""
    import ansible_runner

    endpoints = site_endpoints(ctx)
    hosts = endpoints.reachable
    if not hosts:
        where = ctx.reached_through().name
        absent = ", ".join(endpoints.absent) or "no counter or display"
        hint = f"; {endpoints.absent_hint}" if endpoints.absent_hint else ""
        return StageOutcome(
            ok=True, skipped=True, detail=f"{where}: no running endpoint for {absent}{hint}"
        )
    project = project_dir(ctx.inventory)
    private = Path(ctx.artifacts_dir)
    private.mkdir(parents=True, exist_ok=True)
    limit = ",".join(hosts)
    connections = connections_file(endpoints, private)

    unreachable: dict[str, str] = {}

    def on_event(event: dict[str, Any]) -> bool:
        label = SHOWN_EVENTS.get(event.get("event", ""))
        data = event.get("event_data", {})
        if event.get("event") == "runner_on_unreachable" and data.get("host"):
            unreachable[data["host"]] = str((data.get("res") or {}).get("msg", ""))
        if label and data.get("host"):
            ctx.on_event(data["host"], f"{label}: {data.get('task', '')}")
        if on_raw_event is not None:
            on_raw_event(event)
        return True  # keep the event in the artifacts too

    use_our_ansible()
    with endpoint_agent(ctx) as agent:
        runner = ansible_runner.run(
            **runner_args(
                project,
                ctx.inventory.env_file,
                limit,
                ctx.check if check is None else check,
                private,
                connections=connections,
                facts_dir=endpoints.facts_dir,
                agent=agent,
            ),
            event_handler=on_event,
        )
    outcomes = host_outcomes(runner.stats, hosts)
    failed = [o.host for o in outcomes if o.failed or o.unreachable]
    ok = runner.status == "successful" and not failed
    detail = (
        f"{len(hosts)} host(s), {sum(o.changed for o in outcomes)} changed"
        if ok
        else f"ansible-runner {runner.status} (rc {runner.rc}); failed: "
        + (", ".join(failed) or "see artifacts")
        + "".join(f"; {why}" for why in _host_key_refusals(unreachable, ctx.inventory))
        + f"; artifacts in {private}"
    )
    return StageOutcome(
        ok=ok, changed=any(o.changed for o in outcomes), detail=detail, hosts=outcomes
    )


def _host_key_refusals(unreachable: dict[str, str], inv: Inventory) -> list[str]:
    """Why each host could not be reached, in a line: a refused SSH host key said so (ssh's own
    words are buried in a paragraph of warnings; unknown and changed keys are never learnt,
    docs/endpoints.md), any other reason with ssh's own last words, hosts sharing one reason
    named together."""
    said = []
    others: dict[str, list[str]] = {}
    for host, message in sorted(unreachable.items()):
        if "REMOTE HOST IDENTIFICATION HAS CHANGED" in message:
            said.append(
                f"{host}: its SSH host key CHANGED from the one pinned in "
                f"{inv.endpoints_known_hosts}; refused (reinstalled PC, or someone in between)"
            )
        elif "Host key verification failed" in message:
            said.append(
                f"{host}: its SSH host key is not pinned in {inv.endpoints_known_hosts}; "
                "refused (pin the key the PC showed at installation)"
            )
        else:
            others.setdefault(_last_words(message), []).append(host)
    for reason, hosts in others.items():
        said.append(f"unreachable {', '.join(hosts)}: {reason}")
    return said


def _last_words(message: str) -> str:
    """ssh's reason for an unreachable host: its last line that is not a warning, shortened."""
    lines = [
        line.strip()
        for line in message.splitlines()
        if line.strip() and not line.lstrip().startswith(("@", "Warning:"))
    ]
    reason = lines[-1] if lines else "no reason given"
    return reason if len(reason) <= 200 else reason[:197] + "..."


def check_from_event(event: dict[str, Any]) -> Check | None:
    """A readiness check from one ansible-runner event of playbooks/verify.yml.

    Each check task reports {ok, detail} in its message and never fails; a task that failed all
    the same (a broken host) is a failed check.
    """
    kind = event.get("event")
    data = event.get("event_data", {})
    task = str(data.get("task", ""))
    if kind not in ("runner_on_ok", "runner_on_failed") or not task.startswith(CHECK_PREFIX):
        return None
    component, _, name = task.removeprefix(CHECK_PREFIX).partition(": ")
    message = (data.get("res", {}) or {}).get("msg", "")
    if kind == "runner_on_ok" and isinstance(message, dict):
        ok = str(message.get("ok")).lower() == "true"
        return Check(
            component, name, ok, " ".join(str(message.get("detail", "")).split()), data.get("host")
        )
    return Check(component, name, False, str(message) or "check task failed", data.get("host"))


def endpoint_checks(ctx: StageContext) -> list[Check]:
    """Run playbooks/verify.yml on the site's endpoints and turn its checks into records."""
    import ansible_runner

    endpoints = site_endpoints(ctx)
    hosts = endpoints.reachable
    if not hosts:
        return []
    private = Path(ctx.artifacts_dir)
    private.mkdir(parents=True, exist_ok=True)
    checks: list[Check] = []

    def on_event(event: dict[str, Any]) -> bool:
        check = check_from_event(event)
        if check is not None:
            checks.append(check)
            ctx.on_event(check.target or "", f"{check.name}: {'ok' if check.ok else 'FAILED'}")
        return True

    connections = connections_file(endpoints, private)
    use_our_ansible()
    with endpoint_agent(ctx) as agent:
        runner = ansible_runner.run(
            **runner_args(
                project_dir(ctx.inventory),
                ctx.inventory.env_file,
                ",".join(hosts),
                False,
                private,
                playbook=VERIFY_PLAYBOOK,
                # Where verify.yml fetches evidence files (a display's screenshot), per run.
                extravars={"digikel_evidence_dir": str(private / "evidence")},
                connections=connections,
                facts_dir=endpoints.facts_dir,
                agent=agent,
            ),
            event_handler=on_event,
        )
    for host, count in (runner.stats or {}).get("dark", {}).items():
        if count:
            checks.append(
                Check(
                    _component_of(ctx, host),
                    "endpoint answers",
                    False,
                    "unreachable over Ansible",
                    host,
                )
            )
    return checks


def _component_of(ctx: StageContext, host: str) -> str:
    role = next((d.role for d in ctx.site.devices if d.name == host), "counter")
    return "displays" if role == "display" else "counters"
