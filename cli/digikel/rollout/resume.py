"""What `digikel rollout --resume` continues: the newest unfinished rollout and what it did."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from digikel.errors import InputError

if TYPE_CHECKING:
    from digikel.store import RunRecord, Store


@dataclass(frozen=True)
class ResumePoint:
    run: RunRecord
    sites: list[str]
    stages: list[str]
    done: dict[str, set[str]]  # site -> stages finished ok in the run or the runs it resumed


def _chain(store: Store, run: RunRecord) -> list[RunRecord]:
    chain = [run]
    while chain[-1].options and chain[-1].options.get("resume_of"):
        chain.append(store.run(int(chain[-1].options["resume_of"])))
    return chain


def resume_point(store: Store, run_id: int | None = None, kind: str = "rollout") -> ResumePoint:
    """The run to continue (the newest run of `kind` that did not end ok, or `run_id`);
    `kind` is "rollout", or "watch" for `digikel watch --resume`."""
    if run_id is not None:
        run = store.run(run_id)
    else:
        candidates = [r for r in store.runs(limit=200) if r.kind == kind]
        if not candidates:
            raise InputError(f"--resume: no earlier {kind} is recorded in the store")
        run = candidates[0]
        if run.status == "ok":
            raise InputError(
                f"--resume: the last {kind} (run {run.id}) finished ok; nothing to resume"
            )
    if run.kind != kind:
        raise InputError(f"--resume: run {run.id} is a {run.kind}, not a {kind}")
    options = run.options or {}
    done: dict[str, set[str]] = {}
    for earlier in _chain(store, run):
        for stage in store.stages(run_id=earlier.id):
            if stage.status == "ok":
                done.setdefault(stage.site, set()).add(stage.stage)
    return ResumePoint(run, list(options.get("sites", [])), list(options.get("stages", [])), done)
