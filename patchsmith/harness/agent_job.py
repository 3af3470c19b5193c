"""Run the agent on one task's workspace (the `run` command's job); never shows patch or test_patch."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..agent.config import RunConfig
from ..agent.resume import Resumption
from ..agent.trajectory import Totals
from ..errors import UserError
from ..tools.sandbox.base import ExecResult, Sandbox
from ..tools.seed import restore_patch
from ..tools.workspace import Workspace
from .envs import Env
from .evaluate import SandboxFactory
from .pipeline import AgentFn, earlier_run, set_aside
from .report import progress_measures
from .services import wrap
from .specs import spec_for
from .tasks import Task


class EnvSandbox:
    """Wraps a sandbox so every command sees the task's environment (its virtualenv, PYTHONPATH)."""

    def __init__(self, inner: Sandbox, env: Mapping[str, str], services: Mapping[str, Path] | None = None):
        self.inner, self.env, self.services = inner, dict(env), dict(services or {})
        self.name, self.isolates = inner.name, inner.isolates

    def exec(self, command: str, cwd: Path | None = None, timeout: float = 120.0,
             env: Mapping[str, str] | None = None) -> ExecResult:
        # The agent's commands get the same loopback services as the scoring run (e.g. httpbin).
        command, service_env = wrap(command, self.services)
        return self.inner.exec(command, cwd=cwd, timeout=timeout, env={**self.env, **service_env, **(env or {})})

    def close(self) -> None:
        self.inner.close()


def resolve_model(model: str, task: Task) -> str:
    """`scripted` alone means the scenario's own reply file."""
    if model == "scripted":
        if task.replies is None:
            raise UserError(f"{task.instance_id}: --model scripted needs a replies file in the scenario folder "
                            "(or give --model scripted:FILE)")
        return f"scripted:{task.replies}"
    return model


def make_agent(config: RunConfig, sandbox_factory: SandboxFactory, spec_config: dict[str, Any]) -> AgentFn:
    def agent(task: Task, root: Path, env: Env, task_dir: Path) -> dict[str, Any]:
        from ..agent.runner import run_agent  # the controller; imported late so `eval` works without it

        run_dir = task_dir / "agent"
        point = _resume_point(run_dir, task, root, env)
        if point is not None and point.result is not None:
            return _outcome(task, point.result.exit_reason, _recorded_patch(point), point.result.totals, point.path)
        spec = spec_for(task, spec_config)
        sandbox = EnvSandbox(sandbox_factory(root), env.variables(root), env.services)
        workspace = Workspace(root=root, base=task.base_commit, sandbox=sandbox, test_command=spec.test_cmd,
                              command_timeout=config.command_timeout, observation_budget=config.observation_budget)
        task_config = config.model_copy(update={"model": resolve_model(config.model, task), "mode": "full-auto"})
        try:
            outcome = run_agent(task.problem_statement, workspace, task_config, run_dir, task=task.public(),
                                resume=point)
        finally:
            sandbox.close()
        return _outcome(task, outcome.exit_reason, outcome.patch, outcome.totals, outcome.trajectory_path)

    return agent


def _resume_point(run_dir: Path, task: Task, root: Path, env: Env) -> Resumption | None:
    """A killed batch's run of this task, with the workspace brought to its last recorded diff; None (the
    leftovers set aside) when there is nothing to go on from."""
    point = earlier_run(run_dir, task)
    if point is None or point.result is not None:
        return point  # nothing earlier, or a finished agent run (the kill came while scoring): reused as is
    try:
        restore_patch(root, point.last_diff, exclude=env.generated)  # build outputs are copied in already
    except ValueError:
        set_aside(run_dir)
        return None
    return point


def _recorded_patch(point: Resumption) -> str:
    saved = point.path.parent / "patch.diff"  # byte for byte; the result line's copy is JSON-safe text
    return saved.read_bytes().decode("utf-8", "surrogateescape") if saved.is_file() else point.result.patch


def _outcome(task: Task, exit_reason: str, patch: str, totals: Totals, trajectory: Path) -> dict[str, Any]:
    return {"patch": patch, "exit_reason": str(exit_reason), "steps": totals.steps,
            "prompt_tokens": totals.prompt_tokens, "completion_tokens": totals.completion_tokens,
            "cost": totals.cost, "wall_s": totals.wall_s, "trajectory": str(trajectory),
            "progress": progress_measures(trajectory, task.patch)}
