"""The loop shared by reflexion, retry, warming and escalation: attempts one after another, each in a clean
workspace, until one passes its own checks, the attempts run out, or the budget cannot pay for the next."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass

from ..config import RunConfig
from .base import Attempt, StrategyOutcome, TaskContext
from .react import run_react_attempt

# (context, attempt number, earlier attempts) -> the next attempt's config and the lessons it starts with
Plan = Callable[[TaskContext, int, list[Attempt]], tuple[RunConfig, list[str]]]


def estimate(attempts: list[Attempt]) -> tuple[float, int]:
    """What the next attempt will probably cost: the dearest so far (nothing known yet: nothing)."""
    return max((a.cost for a in attempts), default=0.0), max((a.tokens for a in attempts), default=0)


@dataclass
class Sequential:
    name: str
    attempts: int
    plan: Plan
    learn: Callable[[TaskContext, Attempt], str | None] | None = None  # reflexion's lesson after a failure

    def run(self, ctx: TaskContext) -> StrategyOutcome:
        done: list[Attempt] = []
        stopped = False
        for number in range(1, self.attempts + 1):
            cost, tokens = estimate(done)
            if number > 1 and not ctx.budget.affords(cost, tokens):
                stopped = True
                break
            config, lessons = self.plan(ctx, number, done)
            attempt = ctx.new_attempt("react", parent=done[-1].number if done else None)
            clean = nullcontext(ctx.workspace) if number == 1 or ctx.workspaces is None \
                else ctx.workspaces.open(f"attempt-{attempt.number}")
            with clean as ws:  # one at a time: a watching user sees (and approves) every attempt
                run_react_attempt(ctx, ws, attempt, ctx.budget.caps(config), lessons, interactive=True)
            done.append(attempt)
            if attempt.checks.ok:
                break
            attempt.verdict, attempt.why = "failed its checks", attempt.checks.why()
            if self.learn is not None and number < self.attempts and ctx.budget.affords(*estimate(done)):
                attempt.lesson = self.learn(ctx, attempt) or ""
        return self.finish(ctx, done, stopped)

    def finish(self, ctx: TaskContext, done: list[Attempt], stopped: bool) -> StrategyOutcome:
        # The last attempt stands when none passed its checks: it had the most to learn from.
        passing = [a for a in done if a.checks.ok]
        final = passing[0] if passing else done[-1]
        final.verdict = "final"
        final.why = "passed its own checks" if passing else f"no attempt passed its checks; the last ({final.why})"
        if stopped:
            final.why += "; the budget could not pay for another attempt"
        return StrategyOutcome(patch=final.patch, chosen=final.number, attempts=ctx.attempts, calls=ctx.calls,
                               stopped_by_budget=stopped)
