"""Options shared by the commands that run a strategy (run, fix, compare)."""

from __future__ import annotations

import argparse

from ..agent.strategies import NAMES, parse_budget


def add_strategy_options(p: argparse.ArgumentParser, several: bool = False) -> None:
    g = p.add_argument_group("strategy")
    g.add_argument("--strategy", default="react",
                   help=f"inference-time method: {', '.join(NAMES)}; K after a colon sets rounds/attempts "
                        "(reflexion:2), best-of-N:direct samples direct attempts (default: react)")
    if several:
        g.add_argument("--strategies", help="comma-separated strategies, each run into OUTPUT/<strategy>, then "
                                            "compared (e.g. direct,react,reflexion,best-of-3)")
    g.add_argument("--budget-per-task", metavar="BUDGET",
                   help="across all of a task's attempts: dollars (0.50) or tokens (20000tok, 20k tokens); "
                        "no attempt starts that the rest cannot pay for")
    g.add_argument("--escalate-to", metavar="MODEL", help="escalation: the stronger model for the second attempt")
    g.add_argument("--seed", type=int, help="sampling seed (attempt i uses seed + i - 1) where the endpoint supports it")
    g.add_argument("--price-prompt", type=float, help="$ per 1M prompt tokens when the endpoint reports no cost "
                                                      "(also prices scripted runs, to show cost offline)")
    g.add_argument("--price-completion", type=float, help="$ per 1M completion tokens (see --price-prompt)")


def strategy_update(args: argparse.Namespace, strategy: str | None = None) -> dict[str, object]:
    budget = parse_budget(args.budget_per_task)
    update: dict[str, object] = {"strategy": strategy or args.strategy, "budget_cost": budget.dollars,
                                 "budget_tokens": budget.tokens, "escalate_to": args.escalate_to, "seed": args.seed}
    for name in ("price_prompt", "price_completion"):
        if getattr(args, name, None) is not None:
            update[name] = getattr(args, name)
    return update
