"""`escalation`: the cheaper `--model` first; when its attempt fails its own checks, one more attempt, from
a clean workspace, with `--escalate-to MODEL`."""

from __future__ import annotations

from ...errors import UserError
from ..config import RunConfig
from .base import Attempt, TaskContext
from .sequential import Sequential


def escalation(config: RunConfig) -> Sequential:
    if not config.escalate_to:
        raise UserError("--strategy escalation needs --escalate-to MODEL (the stronger model for the second attempt)")

    def plan(ctx: TaskContext, number: int, done: list[Attempt]) -> tuple[RunConfig, list[str]]:
        if number == 1:
            return ctx.config, []
        return ctx.config.model_copy(update={"model": ctx.config.escalate_to}), []

    return Sequential(name="escalation", attempts=2, plan=plan)
