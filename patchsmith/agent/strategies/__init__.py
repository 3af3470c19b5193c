"""Inference-time strategies: how a task's attempts are made, and which attempt's patch is final.

`make_strategy(spec, config)` parses what the user wrote: `react` (default), `direct`, `self-refine[:K]`,
`reflexion[:K]`, `retry[:K]`, `warming[:K]`, `escalation`, `best-of-N[:react|direct]`.
`run_strategy(ctx)` runs it and writes the task's strategy record (strategy.json).
"""

from __future__ import annotations

import re
import time

from ...errors import UserError
from ..config import RunConfig
from .base import (
    Attempt,
    Budget,
    Call,
    Checks,
    Selection,
    Strategy,
    StrategyOutcome,
    TaskContext,
    WorkspaceFactory,
    write_record,
)
from .scripts import ScriptBook
from .workspaces import CloneWorkspaces, clone_at

__all__ = ["CloneWorkspaces", "clone_at", "Attempt", "Budget", "Call", "Checks", "ScriptBook", "Selection", "Strategy", "StrategyOutcome",
           "TaskContext", "WorkspaceFactory", "check_strategy", "make_strategy", "parse_budget", "run_strategy", "NAMES"]

NAMES = ("react", "direct", "self-refine", "reflexion", "retry", "warming", "escalation", "best-of-N")
DEFAULT_K = 3
BEST_OF = re.compile(r"^best-of-(\d+)(?::(\w+))?$")


def _k(rest: str, name: str, default: int) -> int:
    if not rest:
        return default
    if not rest.isdigit() or int(rest) < 1:
        raise UserError(f"--strategy {name}:{rest}: the number after ':' must be a whole number >= 1")
    return int(rest)


def make_strategy(spec: str, config: RunConfig) -> Strategy:
    from .best_of_n import BestOfN
    from .direct import Direct
    from .escalation import escalation
    from .react import React
    from .reflexion import reflexion
    from .retry import retry, warming
    from .self_refine import SelfRefine

    spec = spec.strip()
    if m := BEST_OF.match(spec):
        return BestOfN(n=int(m.group(1)), inner=m.group(2) or "react", name=spec)
    name, _, rest = spec.partition(":")
    makers = {"react": lambda: React(), "direct": lambda: Direct(),
              "self-refine": lambda: SelfRefine(rounds=_k(rest, name, 2)),
              "reflexion": lambda: reflexion(_k(rest, name, DEFAULT_K)),
              "retry": lambda: retry(_k(rest, name, DEFAULT_K)),
              "warming": lambda: warming(_k(rest, name, DEFAULT_K)),
              "escalation": lambda: escalation(config)}
    if name not in makers:
        raise UserError(f"unknown strategy {spec!r}; choose one of {', '.join(NAMES)} "
                        "(e.g. best-of-3, reflexion:2, best-of-4:direct)")
    strategy = makers[name]()
    strategy.name = spec
    return strategy


BUDGET = re.compile(r"^\$?\s*(\d+(?:\.\d+)?)\s*(k|m)?\s*(tok|toks|tokens|t|usd|dollars|\$)?$", re.I)


def parse_budget(text: str | None) -> Budget:
    """`0.50` / `$0.50` (dollars), `20000tok` / `20k tokens` / `1.5m tokens`; None: unlimited."""
    if text is None or not str(text).strip():
        return Budget()
    m = BUDGET.match(str(text).strip())
    if not m:
        raise UserError(f"--budget-per-task {text!r}: give dollars (0.50 or $0.50) or tokens (20000tok, 20k tokens)")
    value = float(m.group(1)) * {"k": 1e3, "m": 1e6}.get((m.group(2) or "").lower(), 1)
    unit = (m.group(3) or "").lower()
    if unit.startswith("t"):
        return Budget(tokens=int(value))
    if m.group(2):
        raise UserError(f"--budget-per-task {text!r}: k/m multipliers are for tokens (20k tokens)")
    return Budget(dollars=value)


def check_strategy(spec: str) -> str:
    """`spec` if it names a strategy (RunConfig's validator); escalation's model is checked when it runs."""
    make_strategy(spec, RunConfig(escalate_to="(checked later)"))
    return spec.strip()


def run_strategy(strategy: Strategy, ctx: TaskContext) -> StrategyOutcome:
    started = time.time()
    ctx.name = strategy.name
    outcome = strategy.run(ctx)
    outcome.record_path = write_record(ctx, outcome, started)
    return outcome
