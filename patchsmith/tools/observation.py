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


DATA_BUDGET = 200_000  # characters of structured detail (test lists, diffs, outputs) recorded per step
DATA_ITEMS = 1_000  # items kept per list or dict
ERROR_BUDGET = 1_000  # the one-line error


def cap_data(data: dict[str, Any], budget: int = DATA_BUDGET) -> tuple[dict[str, Any], bool]:
    """`data` bounded for the record: long strings cut head-and-tail, long lists cut, everything past the total
    budget replaced by a note. Returns (bounded data, whether anything was cut)."""
    left = [budget]
    cut = [False]

    def bound(value: Any, depth: int) -> Any:
        if left[0] <= 0 or depth > 20:
            cut[0] = True
            return "[... cut: observation data over its size budget ...]"
        if isinstance(value, str):
            shown, was_cut = truncate(value, max(200, min(left[0], budget // 4)))
            left[0] -= len(shown)
            cut[0] = cut[0] or was_cut
            return shown
        if isinstance(value, dict):
            items = list(value.items())
            out = {str(k)[:200]: bound(v, depth + 1) for k, v in items[:DATA_ITEMS]}
            if len(items) > DATA_ITEMS:
                cut[0] = True
                out["..."] = f"{len(items) - DATA_ITEMS} more entries cut"
            left[0] -= 10
            return out
        if isinstance(value, list | tuple):
            out_list = [bound(v, depth + 1) for v in list(value)[:DATA_ITEMS]]
            cut[0] = cut[0] or len(value) > DATA_ITEMS  # no marker item: readers expect a list of one kind
            left[0] -= 2
            return out_list
        left[0] -= 8
        return value

    return bound(data, 0), cut[0]


def cap_observation(obs: Observation, budget: int = DEFAULT_BUDGET) -> Observation:
    """Every part of an observation bounded before it is recorded or shown: text, error and data."""
    obs.text, cut_text = truncate(obs.text, budget)
    obs.data, cut_data = cap_data(obs.data)
    if obs.error is not None and len(obs.error) > ERROR_BUDGET:
        obs.error, cut_data = obs.error[: ERROR_BUDGET - 1] + "…", True
    obs.truncated = obs.truncated or cut_text or cut_data
    return obs
