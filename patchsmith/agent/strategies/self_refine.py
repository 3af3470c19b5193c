"""`self-refine[:K]`: `direct`, then up to K rounds of the model critiquing its own patch and revising it.
No execution: the critique sees the issue, the retrieved code and the diff, nothing else. A critique
ending `VERDICT: OK` ends the rounds early."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..models import ModelError
from ..prompting import render
from .asking import ask_vars
from .base import Attempt, StrategyOutcome, TaskContext
from .direct import CodeFile, ask_text, edit_attempt, retrieve

VERDICT = re.compile(r"VERDICT:\s*(OK|REVISE)", re.I)


def verdict_of(critique: str) -> str:
    found = VERDICT.findall(critique or "")
    return found[-1].upper() if found else "REVISE"  # no verdict: treat as asking for changes


@dataclass
class SelfRefine:
    rounds: int = 2
    name: str = "self-refine"

    def run(self, ctx: TaskContext) -> StrategyOutcome:
        ws = ctx.workspace
        files = retrieve(ws, ctx.problem_statement, hints_off=ctx.hints == [])
        current = ctx.new_attempt("direct")
        edit_attempt(ctx, ws, current, ctx.budget.caps(ctx.config), "direct",
                     render("direct", ctx.config.prompts_dir, problem_statement=ctx.problem_statement, files=files,
                            **ask_vars(ctx)))
        stopped = False
        for _ in range(self.rounds):
            if not ctx.budget.affords(current.cost, current.tokens, share=2):  # a critique and a revision
                stopped = True
                break
            critique = self._critique(ctx, current, files)
            if critique is None or verdict_of(critique) == "OK":
                break
            revision = ctx.new_attempt("self-refine", parent=current.number)
            prompt = render("revise", ctx.config.prompts_dir, problem_statement=ctx.problem_statement, files=files,
                            patch=current.patch, critique=critique, **ask_vars(ctx))
            edit_attempt(ctx, ws, revision, ctx.budget.caps(ctx.config), "revise", prompt)
            current.verdict, current.why = "superseded", f"revised by attempt {revision.number} after its critique"
            current = revision
        current.verdict, current.why = "final", "the last revision" if current.parent else "the critique accepted it"
        return StrategyOutcome(patch=ws.diff(), chosen=current.number, attempts=ctx.attempts, calls=ctx.calls,
                               stopped_by_budget=stopped)

    def _critique(self, ctx: TaskContext, attempt: Attempt, files: list[CodeFile]) -> str | None:
        prompt = render("critique", ctx.config.prompts_dir, problem_statement=ctx.problem_statement, files=files, patch=attempt.patch,
                        edit_report="" if attempt.checks.applied else "some edits did not apply")
        try:
            reply, seconds = ask_text(ctx, "critique", attempt.number, ctx.budget.caps(ctx.config), prompt)
        except ModelError:
            return None
        ctx.record_call("critique", attempt.number, reply.usage, seconds, reply.text)
        return reply.text

