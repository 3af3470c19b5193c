"""`reflexion[:K]`: a react attempt; when its own checks fail (the tests it ran, a reproduction test it
wrote), the model writes a short lesson, and the next attempt starts in a clean workspace with every
lesson so far in its working memory (as notes). Up to K attempts."""

from __future__ import annotations

import time

from ...tools.registry import tool_named
from ..models import ModelError
from ..prompting import render
from .base import Attempt, TaskContext
from .sequential import Sequential

MAX_STEP_LINES = 30


def attempt_summary(attempt: Attempt) -> tuple[list[str], str]:
    """One line per step of the attempt's own trajectory, and its last test run's text."""
    if (traj := attempt.read_back()) is None:
        return [], ""
    lines, last_tests = [], ""
    for step in traj.steps:
        if step.action is None:
            continue
        args = ", ".join(f"{k}={str(v)[:60]!r}" for k, v in step.action.args.items()
                         if k not in ("file_text", "new_str", "old_str"))
        first = (step.observation.text.strip().splitlines() or [""])[0][:120]
        lines.append(f"{step.index + 1}. {step.action.tool}({args}) -> {'ok' if step.observation.ok else 'error'}: {first}")
        if _runs_tests(step.action.tool):
            last_tests = step.observation.text[-1500:]
    if len(lines) > MAX_STEP_LINES:
        lines = lines[:10] + [f"... {len(lines) - 20} steps ..."] + lines[-10:]
    return lines, last_tests



def _runs_tests(name: str) -> bool:
    tool = tool_named(name)
    return tool is not None and tool.runs_tests


def write_lesson(ctx: TaskContext, attempt: Attempt) -> str | None:
    steps, last_tests = attempt_summary(attempt)
    prompt = render("lesson", ctx.config.prompts_dir, problem_statement=ctx.problem_statement, why=attempt.checks.why(), steps=steps,
                    patch=attempt.patch, last_tests=last_tests)
    model = ctx.model_for("lesson", attempt.number, ctx.budget.caps(ctx.config))
    t0 = time.monotonic()
    try:
        reply = model.complete([{"role": "user", "content": prompt}], [])
    except ModelError:
        return None  # no lesson: the next attempt simply starts clean
    ctx.record_call("lesson", attempt.number, reply.usage, time.monotonic() - t0, reply.text)
    return " ".join(reply.text.split())[:800] or None


def reflexion(attempts: int = 3) -> Sequential:
    def plan(ctx: TaskContext, number: int, done: list[Attempt]):  # noqa: ANN202 - Plan
        return ctx.config, [f"Lesson from attempt {a.number}: {a.lesson}" for a in done if a.lesson]

    return Sequential(name="reflexion", attempts=attempts, plan=plan, learn=write_lesson)
