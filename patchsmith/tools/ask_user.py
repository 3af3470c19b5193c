"""`ask_user(question, choices)`: one concrete question to the person (or the task's hints) behind the run.

The tool only declares the call; who answers is the agent layer's business (an `Asker` in agent/events.py),
so the tool is built around an `answer` callback. Where no one can answer, the tool is not offered at all.
"""

from __future__ import annotations

from collections.abc import Callable

from pydantic import BaseModel, Field

from .base import Args, Tool
from .observation import Observation

DESCRIPTION = ("Ask the user one concrete question when the issue leaves open a decision that changes the fix "
               "(which of two behaviours is wanted, what a value should be) and the repository cannot tell you. "
               "Offer the likely answers as `choices` when you have them. Do not ask what reading the code or "
               "running the tests would answer. The user may decline; then decide yourself and say so.")

# (question, choices) -> (the text the model is shown, the answer itself or None when there was none)
Answerer = Callable[[str, list[str]], tuple[str, str | None]]


class AskArgs(BaseModel):
    question: str = Field(description="One concrete question, answerable in a line.", min_length=1,
                          max_length=1000)
    choices: list[str] = Field(default_factory=list, max_length=8,
                               description="Optional: the answers you consider likely, one per item.")


def _summary(args: Args, data: Args) -> str:
    answer = data.get("answer")
    return f"asked: {str(args.get('question', ''))[:80]} -> " + (str(answer)[:60] if answer else "no answer")


def ask_user_tool(answer: Answerer) -> Tool:
    def run(ws: object, a: AskArgs) -> Observation:
        choices = [c.strip() for c in a.choices if c.strip()]
        text, given = answer(a.question.strip(), choices)
        return Observation(text=text, data={"question": a.question.strip(), "choices": choices, "answer": given})

    return Tool(name="ask_user", description=DESCRIPTION, args=AskArgs, fn=run, summary_of=_summary)


# The declaration readers of a trajectory look up by name (no one answers through it).
declared_ask_user = ask_user_tool(lambda question, choices: ("no one to ask", None))
