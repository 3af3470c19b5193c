"""Where a run's tokens and cost went, and a batch's distributions: plain computations (no Textual), shared by
the inspector's views and the HTML export.

By tool: each step's reply (completion tokens, the call that chose the tool) and the observation it returned
(its text, counted at about four characters a token, as it is sent back in later prompts) go to the tool the
step called; cost goes with the step. By prompt part: the endpoint reports one prompt count per call, so the
parts are estimated: the task (problem statement) and working memory (the step's memory snapshot) by their
text, the system prompt as what the first call held beyond those, and history as the rest of each prompt.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from patchsmith.agent.models.base import estimate_tokens
from patchsmith.agent.trajectory import ExitReason, Step


@dataclass
class ToolUse:
    tool: str
    steps: int = 0
    errors: int = 0
    reply_tokens: int = 0
    observation_tokens: int = 0
    cost: float = 0.0

    @property
    def error_rate(self) -> float:
        return self.errors / self.steps if self.steps else 0.0


def tool_usage(steps: Iterable[Step]) -> list[ToolUse]:
    """Per tool: calls, errors, tokens of the replies that called it and of the observations it returned, cost."""
    found: dict[str, ToolUse] = {}
    for step in steps:
        name = step.action.tool if step.action else "(none)"
        use = found.setdefault(name, ToolUse(name))
        use.steps += 1
        use.errors += int((not step.observation.ok) or bool(step.observation.error))
        use.reply_tokens += step.usage.completion_tokens
        use.observation_tokens += estimate_tokens(step.observation.text)
        use.cost += step.usage.cost
    return sorted(found.values(), key=lambda u: (-(u.reply_tokens + u.observation_tokens), u.tool))


@dataclass
class PromptParts:
    system: int = 0
    task: int = 0
    working_memory: int = 0
    history: int = 0

    def as_rows(self) -> list[dict[str, Any]]:
        total = max(1, self.system + self.task + self.working_memory + self.history)
        return [{"part": name.replace("_", " "), "prompt tokens": value, "share": round(value / total, 4)}
                for name, value in (("system", self.system), ("task", self.task),
                                    ("working_memory", self.working_memory), ("history", self.history))]


def prompt_parts(steps: Sequence[Step], problem_statement: str) -> PromptParts:
    """Prompt tokens of every call split into system / task / working memory / history (estimated, see above)."""
    parts = PromptParts()
    if not steps:
        return parts
    task = estimate_tokens(problem_statement)
    first = steps[0]
    first_memory = estimate_tokens(json.dumps(first.state)) if first.state else 0
    system = max(0, first.usage.prompt_tokens - task - first_memory)
    for step in steps:
        prompt = step.usage.prompt_tokens
        if prompt <= 0:
            continue
        memory = estimate_tokens(json.dumps(step.state)) if step.state else 0
        s, t = min(system, prompt), min(task, max(0, prompt - system))
        m = min(memory, max(0, prompt - s - t))
        parts.system += s
        parts.task += t
        parts.working_memory += m
        parts.history += max(0, prompt - s - t - m)
    return parts


def tool_rows(uses: Iterable[ToolUse]) -> list[dict[str, Any]]:
    return [{"tool": u.tool, "steps": u.steps, "errors": u.errors, "error rate": round(u.error_rate, 4),
             "reply tokens": u.reply_tokens, "observation tokens": u.observation_tokens, "cost": round(u.cost, 6)}
            for u in uses]


def merge_tool_usage(per_run: Iterable[Iterable[ToolUse]]) -> list[ToolUse]:
    found: dict[str, ToolUse] = {}
    for uses in per_run:
        for u in uses:
            total = found.setdefault(u.tool, ToolUse(u.tool))
            total.steps += u.steps
            total.errors += u.errors
            total.reply_tokens += u.reply_tokens
            total.observation_tokens += u.observation_tokens
            total.cost += u.cost
    return sorted(found.values(), key=lambda u: (-(u.reply_tokens + u.observation_tokens), u.tool))


@dataclass
class Distribution:
    name: str
    values: list[float] = field(default_factory=list)

    def row(self) -> dict[str, Any]:
        v = sorted(self.values)
        if not v:
            return {"measure": self.name, "n": 0, "min": 0, "median": 0, "mean": 0, "p90": 0, "max": 0}
        p90 = v[min(len(v) - 1, int(round(0.9 * (len(v) - 1))))]
        return {"measure": self.name, "n": len(v), "min": v[0], "median": statistics.median(v),
                "mean": round(statistics.fmean(v), 4), "p90": p90, "max": v[-1]}


def histogram(values: Sequence[float], bins: int = 10) -> list[tuple[float, float, int]]:
    """(low, high, count) bins over the values' range, for the batch summary's bars."""
    if not values:
        return []
    lo, hi = min(values), max(values)
    if hi == lo:
        return [(lo, hi, len(values))]
    width = (hi - lo) / bins
    counts = [0] * bins
    for value in values:
        counts[min(bins - 1, int((value - lo) / width))] += 1
    return [(lo + k * width, lo + (k + 1) * width, counts[k]) for k in range(bins)]


def counts(values: Iterable[str]) -> list[tuple[str, int]]:
    found: dict[str, int] = {}
    for value in values:
        found[value] = found.get(value, 0) + 1
    return sorted(found.items(), key=lambda kv: (-kv[1], kv[0]))


def outcome_of(resolved: bool | None, exit_reason: str, error: str | None) -> str:
    """resolved / unresolved / error / not evaluated, for a batch's counts and filters."""
    if resolved is True:
        return "resolved"
    if resolved is False:
        return "unresolved"
    if error or exit_reason in (ExitReason.ERROR, "unreadable") or exit_reason.startswith("error"):
        return "error"
    return "not evaluated"


@dataclass
class RunDetail:
    """What a batch view needs of one run beyond its summary line: read from all its steps (in the background)."""
    tools: list[ToolUse]
    parts: PromptParts

    @property
    def tool_errors(self) -> int:
        return sum(u.errors for u in self.tools)


def run_detail(steps: Sequence[Step], problem_statement: str) -> RunDetail:
    return RunDetail(tools=tool_usage(steps), parts=prompt_parts(steps, problem_statement))


def merge_parts(parts: Iterable[PromptParts]) -> PromptParts:
    total = PromptParts()
    for p in parts:
        total.system += p.system
        total.task += p.task
        total.working_memory += p.working_memory
        total.history += p.history
    return total
