"""Run the agent on one task's workspace (the `run` command's job); never shows patch or test_patch."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..agent.config import RunConfig
from ..errors import UserError
from ..tools.sandbox.base import ExecResult, Sandbox
from ..tools.workspace import Workspace
from .envs import Env
from .evaluate import SandboxFactory
from .pipeline import AgentFn
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


def briefing_of(trajectory: Path) -> dict[str, Any]:
    """Which instruction files the task saw and which memory items it recalled (kept apart in reports)."""
    from ..agent.trajectory import read_trajectory

    events = read_trajectory(trajectory).events
    paths = [p for e in events if e.kind == "instructions" for p in e.data.get("paths", [])]
    recalled = [i for e in events if e.kind == "recalled" for i in e.data.get("ids", [])]
    return {"instructions": paths, "recalled": recalled}


def make_agent(config: RunConfig, sandbox_factory: SandboxFactory, spec_config: dict[str, Any]) -> AgentFn:
    def agent(task: Task, root: Path, env: Env, task_dir: Path) -> dict[str, Any]:
        from ..agent.runner import run_agent  # the controller; imported late so `eval` works without it

        spec = spec_for(task, spec_config)
        sandbox = EnvSandbox(sandbox_factory(root), env.variables(root), env.services)
        workspace = Workspace(root=root, base=task.base_commit, sandbox=sandbox, test_command=spec.test_cmd,
                              command_timeout=config.command_timeout, observation_budget=config.observation_budget)
        task_config = config.model_copy(update={"model": resolve_model(config.model, task), "mode": "full-auto"})
        try:
            outcome = run_agent(task.problem_statement, workspace, task_config, task_dir / "agent",
                                task=task.public())
        finally:
            sandbox.close()
        totals = outcome.totals
        return {"patch": outcome.patch, "exit_reason": outcome.exit_reason, "steps": totals.steps,
                "prompt_tokens": totals.prompt_tokens, "completion_tokens": totals.completion_tokens,
                "cost": totals.cost, "wall_s": totals.wall_s, "trajectory": str(outcome.trajectory_path),
                "progress": progress_measures(outcome.trajectory_path, task.patch),
                **briefing_of(outcome.trajectory_path)}

    return agent
