"""The value every tool returns: what the model sees, plus structured detail for the UI."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

DEFAULT_BUDGET = 12_000  # characters of observation text the model sees per step


class Observation(BaseModel):
    text: str
    ok: bool = True
    error: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)
    truncated: bool = False

    @classmethod
    def fail(cls, message: str, **data: Any) -> Observation:
        return cls(text=f"ERROR: {message}", ok=False, error=message, data=data)


def truncate(text: str, budget: int = DEFAULT_BUDGET) -> tuple[str, bool]:
    """Keep the head and the tail (errors usually sit at the end) and say what was cut."""
    if len(text) <= budget:
        return text, False
    head = budget * 2 // 3
    tail = budget - head
    cut = len(text) - head - tail
    cut_lines = text[head : len(text) - tail].count("\n")
    note = f"\n[... output truncated: {cut} characters ({cut_lines} lines) omitted ...]\n"
    return text[:head] + note + text[len(text) - tail :], True


def observe(text: str, *, ok: bool = True, budget: int = DEFAULT_BUDGET, **data: Any) -> Observation:
    shown, cut = truncate(text, budget)
    return Observation(text=shown, ok=ok, error=None if ok else shown.splitlines()[0] if shown else "error",
                       data=data, truncated=cut)
