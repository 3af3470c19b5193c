"""`best-of-N[:INNER]`: N independent attempts of an inner strategy (react, or direct) in parallel
workspaces, then selection (selection.py). Sampling: the configured temperature, or 0.7 when it is 0
(greedy samples would all be the same), and seed + i for attempt i where the endpoint supports seeds."""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass

from ...errors import UserError
from ..localization import seed_hints
from .base import Attempt, AttemptPlan, StrategyOutcome, TaskContext
from .direct import direct_prompt
from .launch import launcher_of
from .selection import Candidate, select

SAMPLING_TEMPERATURE = 0.7
INNER = ("react", "direct")


@dataclass
class BestOfN:
    n: int
    inner: str = "react"
    name: str = "best-of-n"

    def __post_init__(self) -> None:
        if self.inner not in INNER:
            raise UserError(f"best-of-N runs {' or '.join(INNER)} attempts, not {self.inner!r}")
        if self.n < 1:
            raise UserError("best-of-N needs N >= 1")

    def run(self, ctx: TaskContext) -> StrategyOutcome:
        if ctx.workspaces is None:
            raise UserError("best-of-N needs fresh workspaces per attempt; this front end provides none")
        if not ctx.budget.affords(0.0, 0):
            return StrategyOutcome(patch="", chosen=None, attempts=[], calls=[], stopped_by_budget=True)
        temperature = ctx.config.temperature or SAMPLING_TEMPERATURE
        # Every attempt starts at the same commit: rank the code (or build direct's prompt) once, not N times.
        prompt = direct_prompt(ctx, ctx.workspace) if self.inner == "direct" else ""
        if ctx.hints is None:
            ctx.hints = seed_hints(ctx.workspace.root, ctx.problem_statement) if ctx.config.localize else []
        attempts = [ctx.new_attempt(self.inner) for _ in range(self.n)]
        with ExitStack() as stack:
            spaces = [stack.enter_context(ctx.workspaces.open(f"attempt-{a.number}")) for a in attempts]
            # Here in threads, or each as its own task elsewhere (the harness's launcher under Ray).
            launcher_of(ctx).launch(ctx, [self._plan(ctx, a, temperature, prompt) for a in attempts], spaces)
            selection = select(ctx.workspace, [Candidate(a, ws) for a, ws in zip(attempts, spaces, strict=True)])
        chosen = next((a for a in attempts if a.number == selection.chosen), None)
        return StrategyOutcome(patch=chosen.patch if chosen else "", chosen=selection.chosen, attempts=ctx.attempts,
                               calls=ctx.calls, selection=selection)

    def _plan(self, ctx: TaskContext, attempt: Attempt, temperature: float, prompt: str) -> AttemptPlan:
        seed = (ctx.config.seed or 0) + attempt.number - 1
        # Each attempt may spend its share of what the task's budget has left, so n together cannot overrun.
        config = ctx.budget.caps(ctx.config.model_copy(update={"temperature": temperature, "seed": seed}),
                                 share=self.n)
        return AttemptPlan(attempt, config, prompt)
