"""Run the agent on one task's workspace (the `run` command's job); never shows patch or test_patch."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..agent.config import RunConfig
from ..agent.resume import Resumption
from ..agent.trajectory import ExitReason
from ..errors import UserError
from ..tools.sandbox.base import DEFAULT_TIMEOUT, ExecResult, Sandbox
from ..tools.seed import restore_patch
from ..tools.workspace import Workspace
from .envs import Env
from .evaluate import SandboxFactory
from .pipeline import AgentFn, earlier_run, set_aside
from .report import task_clarification, trajectory_measures
from .services import wrap
from .specs import spec_for
from .tasks import Task

if TYPE_CHECKING:
    from ..agent.strategies.base import AttemptLauncher, AttemptPlan, Call, TaskContext
    from .pipeline import Harness

# dest -> (workspace over dest, a function closing what it opened)
Setup = Callable[[Path], tuple[Workspace, Callable[[], None]]]


class EnvSandbox:
    """Wraps a sandbox so every command sees the task's environment (its virtualenv, PYTHONPATH)."""

    def __init__(self, inner: Sandbox, env: Mapping[str, str], services: Mapping[str, Path] | None = None):
        self.inner, self.env, self.services = inner, dict(env), dict(services or {})
        self.name, self.isolates = inner.name, inner.isolates

    def exec(self, command: str, cwd: Path | None = None, timeout: float = DEFAULT_TIMEOUT,
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
    """The `run` command's agent: `config.strategy` over the task's workspace (more attempts in fresh clones).
    A `launcher` (the Ray executor's) runs a strategy's independent attempts elsewhere; None: threads here."""
    from ..agent.strategies import make_strategy

    make_strategy(config.strategy, config)  # a bad --strategy fails before any task starts

    def agent(task: Task, root: Path, env: Env, task_dir: Path, launcher: AttemptLauncher | None = None
              ) -> dict[str, Any]:
        setup = workspace_setup(task, env, sandbox_factory, config, spec_config)
        workspace, close = setup(root)
        try:
            # The one-attempt loop goes on from what a killed batch left; other strategies start afresh.
            point = _resume_point(task_dir / "agent", task, root, env) if config.strategy == "react" else None
            if point is None and (task_dir / "agent").exists():
                set_aside(task_dir / "agent")  # attempts must not append to a killed run's trajectories
            outcome = run_task_strategy(task, workspace, config, task_dir, setup, resume=point, launcher=launcher)
        finally:
            close()
        return outcome

    return agent


def workspace_setup(task: Task, env: Env, sandbox_factory: SandboxFactory, config: RunConfig,
                    spec_config: dict[str, Any]) -> Setup:
    """How a checkout of the task becomes the agent's workspace: its environment, sandbox and limits."""
    spec = spec_for(task, spec_config)

    def setup(dest: Path) -> tuple[Workspace, Callable[[], None]]:
        env.prepare_workspace(dest)
        sandbox = EnvSandbox(sandbox_factory(dest, image=env.sandbox_image), env.variables(dest), env.services)
        ws = Workspace(root=dest, base=task.base_commit, sandbox=sandbox, test_command=spec.test_cmd,
                       command_timeout=config.command_timeout, observation_budget=config.observation_budget)
        return ws, sandbox.close

    return setup


def _resume_point(run_dir: Path, task: Task, root: Path, env: Env) -> Resumption | None:
    """A killed batch's run of this task, with the workspace brought to its last recorded diff; None (the
    leftovers set aside) when there is nothing to go on from. A finished run (the kill came while scoring)
    is returned as it is, to be reused without asking the model again."""
    point = earlier_run(run_dir, task)
    if point is None or point.result is not None:
        return point
    try:
        restore_patch(root, point.last_diff, exclude=env.generated)  # build outputs are copied in already
    except ValueError:
        set_aside(run_dir)
        return None
    return point


def task_context(task: Task, workspace: Workspace, config: RunConfig, task_dir: Path, setup: Setup) -> TaskContext:
    """The strategy's context for `task` (public fields only), its attempts' checkouts under task_dir."""
    from ..agent.strategies import CloneWorkspaces, ScriptBook, TaskContext, parse_budget

    scripted = config.model == "scripted"
    task_config = config.model_copy(update={"model": resolve_model(config.model, task), "mode": "full-auto"})
    return TaskContext(problem_statement=task.problem_statement, workspace=workspace, config=task_config,
                       output_dir=task_dir / "agent", task=task.public(),
                       workspaces=CloneWorkspaces(workspace.root, task.base_commit, task_dir / "attempts", setup),
                       scripts=ScriptBook(task.folder, config.strategy, config.clarify) if scripted and task.folder
                       else None, budget=parse_budget(config.budget_per_task))


def run_task_strategy(task: Task, workspace: Workspace, config: RunConfig, task_dir: Path, setup: Setup,
                      resume: Resumption | None = None, launcher: AttemptLauncher | None = None) -> dict[str, Any]:
    from ..agent.strategies import make_strategy, run_strategy

    ctx = task_context(task, workspace, config, task_dir, setup)
    ctx.resume, ctx.launcher = resume, launcher
    started = time.monotonic()
    outcome = run_strategy(make_strategy(config.strategy, ctx.config), ctx)
    final, totals = outcome.final, outcome.totals()
    trajectory = final.trajectory if final else None
    return {"patch": outcome.patch, "exit_reason": final.exit_reason if final else ExitReason.BUDGET,
            "strategy": config.strategy, "steps": totals["steps"], "prompt_tokens": totals["prompt_tokens"],
            "completion_tokens": totals["completion_tokens"], "cost": totals["cost"],
            "wall_s": time.monotonic() - started, "trajectory": trajectory, "chosen": outcome.chosen,
            "record": str(outcome.record_path), "stopped_by_budget": outcome.stopped_by_budget,
            "calls": [{"kind": c.kind, "attempt": c.attempt, "cost": c.cost,
                       "tokens": c.prompt_tokens + c.completion_tokens} for c in outcome.calls],
            "attempts": [attempt_row(a) for a in outcome.attempts],
            "clarify": config.clarify, **trajectory_measures(final.read_back() if final else None, task.patch),
            # over every attempt: they share the task's questions
            "clarification": task_clarification([(a.number, a.read_back()) for a in outcome.attempts])}


def run_attempt_here(harness: Harness, config: RunConfig, task: Task, plan: AttemptPlan, hints: list[str] | None,
                     root: Path) -> tuple[list[Call], list[str]]:
    """One planned attempt of `task` run on this machine (a Ray worker): under `root`, laid out as a task
    folder (workspace/, agent/, attempts/attempt-N), the checkout and environment made as `process` makes
    them and the attempt run in a fresh clone, as on the task's own machine. Fills in plan.attempt; returns
    the calls it made outside its loop (answers to its questions) and the build outputs the environment laid
    into the checkout (in the patch when git does not ignore them; the task's own workspace has them too)."""
    from ..agent.strategies.launch import run_planned

    primary = root / "workspace"
    env = harness.prepare(task, primary)
    setup = workspace_setup(task, env, harness.sandbox_factory, config, harness.spec_config)
    workspace, close = setup(primary)
    try:
        ctx = task_context(task, workspace, config, root, setup)
        ctx.hints, ctx.attempts = hints, [plan.attempt]
        # The model as resolved here: a scripted file is this machine's copy of the scenario's.
        plan = replace(plan, config=plan.config.model_copy(update={"model": ctx.config.model}))
        assert ctx.workspaces is not None
        with ctx.workspaces.open(f"attempt-{plan.attempt.number}") as ws:
            run_planned(ctx, ws, plan)
    finally:
        close()
    return ctx.calls, list(env.generated)


def attempt_row(a: Any) -> dict[str, Any]:
    return {"number": a.number, "strategy": a.strategy, "parent": a.parent, "model": a.model,
            "temperature": a.temperature, "exit_reason": a.exit_reason, "checks_ok": a.checks.ok,
            "checks": a.checks.why(), "verdict": a.verdict, "why": a.why, "cost": a.cost, "tokens": a.tokens,
            "steps": a.steps, "wall_s": round(a.wall_s, 3), "trajectory": a.trajectory, "patch": a.patch}


def check_model(config: RunConfig, tasks: list[Task]) -> None:
    """Make each distinct model the batch will use once, before any task is set up: no endpoint, a missing
    or unreadable scripted file fail here, as one line (no request is sent: clients connect lazily)."""
    from ..agent.models import make_model  # the model layer; imported late so `eval` works without it

    for spec in dict.fromkeys(resolve_model(config.model, t) for t in tasks):
        make_model(config.model_copy(update={"model": spec}))
