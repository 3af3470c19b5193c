"""`react`: the tool-using loop (the default), as one attempt; other strategies run it as their inner step."""

from __future__ import annotations

import time
from dataclasses import dataclass

from ...tools.workspace import Workspace
from ..config import RunConfig
from .base import Attempt, StrategyOutcome, TaskContext
from .checks import own_checks


def run_react_attempt(ctx: TaskContext, ws: Workspace, attempt: Attempt, config: RunConfig,
                      lessons: list[str] | None = None, interactive: bool = False,
                      rerun_repro: bool = True) -> Attempt:
    """One run of the loop in `ws`, recorded in the attempt (its trajectory under attempt.folder)."""
    from ..runner import run_agent  # the controller imports the tools; strategies load without them

    attempt.model, attempt.temperature, attempt.seed = config.model, config.temperature, config.seed
    attempt.lessons = list(lessons or [])
    model = ctx.model_for("react", attempt.number, config)
    attempt.model = getattr(model, "name", config.model)
    out = ctx.output_dir / attempt.folder
    t0 = time.monotonic()
    resume = ctx.resume if attempt.folder == "." else None  # only the one-attempt run is resumed
    if resume is not None and resume.result is not None:
        outcome = resume.recorded_outcome()  # it had finished before the cut: nothing to ask the model
    else:
        outcome = run_agent(ctx.problem_statement, ws, config, out, task=ctx.task, model=model, hints=ctx.hints,
                            lessons=lessons, observer=ctx.observer if interactive else None,
                            approver=ctx.approver if interactive else None, clarifications=ctx.clarifications(),
                            control=ctx.control if interactive else None, resume=resume,
                            attempt={"number": attempt.number, "parent": attempt.parent, "strategy": ctx.name,
                                     "record": "strategy.json" if attempt.folder == "." else "../../strategy.json"})
    totals = outcome.totals
    attempt.trajectory, attempt.record = str(outcome.trajectory_path), outcome.trajectory
    attempt.patch, attempt.exit_reason, attempt.error = outcome.patch, outcome.exit_reason, outcome.error
    attempt.steps, attempt.cost = totals.steps, totals.cost
    attempt.prompt_tokens, attempt.completion_tokens = totals.prompt_tokens, totals.completion_tokens
    attempt.wall_s = time.monotonic() - t0
    ctx.budget.charge(attempt.cost, attempt.tokens)
    attempt.checks = own_checks(ws, outcome.patch, outcome.exit_reason, outcome.trajectory, rerun_repro)
    return attempt


@dataclass
class React:
    name: str = "react"

    def run(self, ctx: TaskContext) -> StrategyOutcome:
        attempt = ctx.new_attempt("react")
        attempt.folder = "."  # one attempt: the trajectory stays at agent/trajectory.jsonl, as always
        # Its checks are recorded but decide nothing, so its reproduction tests are not rerun.
        run_react_attempt(ctx, ctx.workspace, attempt, ctx.budget.caps(ctx.config), interactive=True,
                          rerun_repro=False)
        attempt.verdict, attempt.why = "final", "the only attempt"
        return StrategyOutcome(patch=attempt.patch, chosen=attempt.number, attempts=ctx.attempts, calls=ctx.calls)
