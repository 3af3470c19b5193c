"""Questions from the no-tools attempts (direct, self-refine's revisions, best-of-N:direct).

Such an attempt has no `ask_user` tool, so its prompt (when someone can answer) lets the reply be one line,
`QUESTION: ...` (with `CHOICES: a | b`), instead of edits. The question goes through the task's shared
`Clarifications` like any attempt's, the answer is added to the conversation and the model is asked for
the edits once more: one question per completion, the per-task budget and reuse as for tool calls."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

from ..events import Answer, Question
from ..prompting import render
from .base import Attempt, TaskContext

QUESTION = re.compile(r"^\s*QUESTION:\s*(?P<text>\S.{0,999}?)\s*$", re.M)
CHOICES = re.compile(r"^\s*CHOICES:\s*(?P<text>\S.*?)\s*$", re.M)


@dataclass
class AskedInText:
    """The question a no-tools reply asked, the answer, and the reply that asked (for the trajectory)."""

    question: Question
    answer: Answer
    reply: Any
    seconds: float


def parse_question(text: str) -> Question | None:
    found = QUESTION.search(text or "")
    if found is None:
        return None
    choices = CHOICES.search(text)
    items = [c.strip() for c in choices.group("text").split("|")] if choices else []
    return Question(text=found.group("text"), choices=[c for c in items if c][:8])


def ask_vars(ctx: TaskContext) -> dict[str, Any]:
    """What the no-tools prompts say about asking: whether anyone can answer, and what was answered so far."""
    ledger = ctx.clarifications()
    return {"can_ask": ledger.asker is not None, "told": ledger.known()}


def answer_text(ctx: TaskContext, answer: Answer) -> str:
    from ..clarify import answer_vars

    said = render("answer", ctx.config.prompts_dir, **answer_vars(answer))
    return said.strip() + "\n\nNow give the fix as search/replace blocks."


def answer_and_retry(ctx: TaskContext, attempt: Attempt, model: Any, messages: list[dict[str, Any]], reply: Any,
                     seconds: float) -> tuple[Any, float, AskedInText | None]:
    """When `reply` asks (and has no edits), answer it through the task's ledger and complete again."""
    from .edits import parse_blocks

    asker = ctx.clarifications().for_attempt(attempt.number)
    question = parse_question(reply.text) if asker is not None else None
    if asker is None or question is None or parse_blocks(reply.text):
        return reply, seconds, None
    t0 = time.monotonic()
    answer = asker.ask(question)
    waited = time.monotonic() - t0
    turns = [*messages, {"role": "assistant", "content": reply.text},
             {"role": "user", "content": answer_text(ctx, answer)}]
    t1 = time.monotonic()
    second = model.complete(turns, [])
    asked = AskedInText(question, answer, reply, seconds + waited)
    return second, time.monotonic() - t1, asked
