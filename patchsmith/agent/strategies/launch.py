"""Running a strategy's independent attempts: one planned attempt (`run_planned`), the same on any machine,
and the default launcher, which runs them in threads in this process."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from ...tools.workspace import Workspace
from .base import AttemptLauncher, AttemptPlan, TaskContext
from .direct import edit_attempt
from .react import run_react_attempt


def run_planned(ctx: TaskContext, ws: Workspace, plan: AttemptPlan) -> None:
    """The planned attempt in `ws`: a react loop, or direct's one edit completion."""
    if plan.attempt.strategy == "direct":
        edit_attempt(ctx, ws, plan.attempt, plan.config, "direct", plan.prompt)
    else:
        run_react_attempt(ctx, ws, plan.attempt, plan.config)


class LocalAttempts:
    """Every attempt at once, in threads (they wait on the model and on subprocesses)."""

    def launch(self, ctx: TaskContext, plans: list[AttemptPlan], spaces: list[Workspace]) -> None:
        with ThreadPoolExecutor(max_workers=max(len(plans), 1)) as pool:
            futures = [pool.submit(run_planned, ctx, ws, plan) for plan, ws in zip(plans, spaces, strict=True)]
            for f in futures:
                f.result()


def launcher_of(ctx: TaskContext) -> AttemptLauncher:
    return ctx.launcher or LocalAttempts()
