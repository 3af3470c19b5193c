"""`best-of-N[:INNER]`: N independent attempts of an inner strategy (react, or direct) in parallel
workspaces, then selection (selection.py). Sampling: the configured temperature, or 0.7 when it is 0
(greedy samples would all be the same), and seed + i for attempt i where the endpoint supports seeds."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass

from ...errors import UserError
from ...tools.workspace import Workspace
from ..localization import seed_hints
from .base import Attempt, StrategyOutcome, TaskContext
from .direct import direct_prompt, edit_attempt
from .react import run_react_attempt
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
            with ThreadPoolExecutor(max_workers=self.n) as pool:
                futures = [pool.submit(self._one, ctx, ws, a, temperature, prompt) for ws, a in zip(spaces, attempts, strict=True)]
                for f in futures:
                    f.result()
            selection = select(ctx.workspace, [Candidate(a, ws) for a, ws in zip(attempts, spaces, strict=True)])
        chosen = next((a for a in attempts if a.number == selection.chosen), None)
        return StrategyOutcome(patch=chosen.patch if chosen else "", chosen=selection.chosen, attempts=ctx.attempts,
                               calls=ctx.calls, selection=selection)

    def _one(self, ctx: TaskContext, ws: Workspace, attempt: Attempt, temperature: float, prompt: str) -> None:
        seed = (ctx.config.seed or 0) + attempt.number - 1
        # Each attempt may spend its share of what the task's budget has left, so n together cannot overrun.
        config = ctx.budget.caps(ctx.config.model_copy(update={"temperature": temperature, "seed": seed}),
                                 share=self.n)
        if self.inner == "direct":
            edit_attempt(ctx, ws, attempt, config, "direct", prompt)
        else:
            run_react_attempt(ctx, ws, attempt, config)
