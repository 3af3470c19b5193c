"""The cheap baselines: `retry[:K]` reruns the loop from a clean workspace while the attempt's own checks
fail; `warming[:K]` does the same with each retry at a higher temperature (and a new seed)."""

from __future__ import annotations

from ..config import RunConfig
from .base import Attempt, TaskContext
from .sequential import Sequential

WARMING_STEP = 0.3
MAX_TEMPERATURE = 1.2


def retry(attempts: int = 3) -> Sequential:
    def plan(ctx: TaskContext, number: int, done: list[Attempt]) -> tuple[RunConfig, list[str]]:
        seed = None if ctx.config.seed is None else ctx.config.seed + number - 1
        return ctx.config.model_copy(update={"seed": seed}), []

    return Sequential(name="retry", attempts=attempts, plan=plan)


def warming(attempts: int = 3) -> Sequential:
    def plan(ctx: TaskContext, number: int, done: list[Attempt]) -> tuple[RunConfig, list[str]]:
        temperature = min(MAX_TEMPERATURE, ctx.config.temperature + WARMING_STEP * (number - 1))
        seed = (ctx.config.seed or 0) + number - 1
        return ctx.config.model_copy(update={"temperature": round(temperature, 3), "seed": seed}), []

    return Sequential(name="warming", attempts=attempts, plan=plan)
