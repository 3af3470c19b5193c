"""Under `--executor ray`, each independent attempt of a task (best-of-n's) as a Ray task of its own.

The task's Ray task (run_shipment) is the attempts' driver: it plans them, opens their workspaces here as
always, and hands the plans to `RayAttempts`, which submits one nested Ray task per attempt. An attempt's
task gets what the task's got (its Shipment: scenario folder, bundle or mirror, as object refs already in
the cluster's store; the same job), sets the repository up at the base commit with its environment on
its node (cached there), runs the one attempt and sends back the attempt's record, the calls it made and
its folder as a tar (checked member by member when unpacked, like a task's). Back here the attempt's patch
is applied to its local workspace (selection runs tests there), the task's budget is charged with what it
spent, and where it ran (node, Ray task id) is kept in strategy.json. Credentials reach it through the
job's runtime environment, as they reach the task. A worker that dies mid-attempt has the attempt run again
(max_retries); an attempt that fails is recorded as such, never retried.
"""

from __future__ import annotations

import dataclasses
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ...agent.strategies.base import Checks
from ...tools.seed import restore_patch
from ...tools.workspace import Workspace
from .ray import (
    Shipment,
    _materialize,
    _pack,
    _rewrite,
    _unpack,
    ray_failure,
    task_options,
    worker_job,
    worker_refusal,
)

NOT_COPIED = {"number", "strategy", "folder", "record"}  # the driver's plan owns these


def run_attempt(job: Any, shipment: Shipment, plan: Any, hints: list[str] | None, task_dir: str,
                expected: dict[str, str] | None = None) -> dict[str, Any]:
    """On the attempt's worker: the task's files, then the one attempt in a task folder of its own; paths of
    that folder come back as `task_dir`'s (the task's folder on the machine that asked)."""
    import ray

    from ..agent_job import run_attempt_here

    context = ray.get_runtime_context()
    why = worker_refusal(context.get_node_id(), expected)  # checked as a task's worker is
    if why:
        return {"refused": why}
    with tempfile.TemporaryDirectory(prefix="patchsmith-attempt-") as tmp:
        task, renames = _materialize(shipment, Path(tmp) / "ship", ray.get)
        job = worker_job(job, task, shipment)
        harness, _ = job.built()
        root = Path(tmp) / "task"
        calls, generated = run_attempt_here(harness, job.agent_config, task, plan, hints, root)
        renames[str(root)] = task_dir
        attempt = replace(plan.attempt, record=None)
        attempt.trajectory = _rewrite(attempt.trajectory, renames)
        attempt.model = _rewrite(attempt.model, renames)
        return {"attempt": attempt, "calls": calls, "generated": generated, "files": _pack(root / "agent" / attempt.folder, renames),
                "node": context.get_node_id(), "task_id": context.get_task_id() or ""}


@dataclass
class RayAttempts:
    """The AttemptLauncher a task running on Ray gets: one nested Ray task per attempt."""

    job: Any  # the portable job, as shipped
    shipment: Shipment
    num_cpus: float = 1.0
    memory_mb: int = 0
    max_retries: int = 3
    expected: dict[str, str] | None = None  # the driver's patchsmith (identity.py), checked on each node

    def launch(self, ctx: Any, plans: list[Any], spaces: list[Workspace]) -> None:
        import ray

        remote = ray.remote(run_attempt).options(**task_options(self.num_cpus, self.memory_mb, self.max_retries))
        task_dir = str(Path(ctx.output_dir).parent)
        shipment = replace(self.shipment, previous=None)  # an earlier run's folder is the task's, not theirs
        refs = [
            remote.remote(self.job, shipment, replace(p, attempt=replace(p.attempt, record=None)), ctx.hints, task_dir,
                          self.expected)
            for p in plans
        ]
        for plan, ws, ref in zip(plans, spaces, refs, strict=True):
            receive(ray, ref, ctx, plan.attempt, ws)


def receive(ray: Any, ref: Any, ctx: Any, attempt: Any, ws: Workspace) -> None:
    """The remote attempt's record, files and spending, made this task's; its patch applied to `ws`."""
    try:
        reply = ray.get(ref)
    except ray.exceptions.RayError as exc:  # its worker died more than max_retries times, or it crashed
        attempt.exit_reason, attempt.error = "error", ray_failure(exc)
        return
    if "refused" in reply:
        attempt.exit_reason, attempt.error = "error", reply["refused"]
        return
    _unpack(reply["files"], Path(ctx.output_dir) / attempt.folder)
    remote = reply["attempt"]
    for f in dataclasses.fields(remote):
        if f.name not in NOT_COPIED:
            setattr(attempt, f.name, getattr(remote, f.name))
    attempt.node, attempt.task_id = reply["node"], reply["task_id"]
    try:  # build outputs the environment copied in are in place here already
        restore_patch(ws.root, attempt.patch, exclude=reply["generated"])
    except ValueError as exc:  # a patch made at the same commit applies; if not, selection must not pick it
        attempt.error, attempt.checks = f"its patch does not apply here: {exc}", Checks()
    ctx.budget.charge(attempt.cost, attempt.tokens)
    for call in reply["calls"]:
        ctx.budget.charge(call.cost, call.prompt_tokens + call.completion_tokens)
        ctx.calls.append(call)
