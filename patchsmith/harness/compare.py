"""Comparing runs (one strategy each) over the same tasks: success with its uncertainty and its price.

Per strategy: resolved % with a 95% bootstrap interval; pass@k (the unbiased estimator of Chen et al.
2021, 1 - C(n-c, k)/C(n, k)) and selected@n against oracle@n; mean and total cost, tokens, wall time and
steps; cost per resolved task; resolved within fixed budgets; the progress measures. Between strategies:
a paired test on the tasks both ran (exact McNemar on the discordant tasks, and a paired bootstrap
interval of the difference). The Pareto frontier of resolved % against mean cost, tokens and wall time.
With a cutoff date, every figure for the tasks created before it and after it, side by side.

It reads any run folder (report.json, else results/*.json); runs from before strategies existed count as
`react` with one attempt.
"""

from __future__ import annotations

import json
import random
from dataclasses import asdict, dataclass, field
from math import comb
from pathlib import Path
from statistics import mean
from typing import Any

from ..errors import UserError
from .calibration import calibration

BOOTSTRAP = 2000
AXES = {"cost": "mean cost per task ($)", "tokens": "mean tokens per task", "wall_s": "mean wall time per task (s)"}


@dataclass
class TaskRow:
    instance_id: str
    resolved: bool
    status: str
    created_at: str = ""
    cost: float = 0.0
    tokens: int = 0
    wall_s: float = 0.0
    steps: int = 0
    attempts: list[bool] = field(default_factory=list)  # each attempt resolved?, in order
    independent: bool = True  # no attempt learned from another (best-of-n samples): pass@k applies
    oracle: bool | None = None
    progress: dict[str, Any] = field(default_factory=dict)
    confidence: float | None = None  # what the final submit stated (0-1), when it did


@dataclass
class RunData:
    label: str
    folder: str
    strategy: str
    model: str
    tasks: dict[str, TaskRow]


def _rows(folder: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    report_file = folder / "report.json"
    if report_file.is_file():
        try:
            report = json.loads(report_file.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise UserError(f"{report_file}: not valid JSON ({exc}); rerun the run to rewrite it") from None
        return report.get("run") or {}, list((report.get("tasks") or {}).values())
    results = sorted((folder / "results").glob("*.json")) if (folder / "results").is_dir() else []
    if not results:
        raise UserError(f"{folder}: not a run folder (no report.json or results/); give folders made by "
                        "`patchsmith run`")
    return {}, [json.loads(p.read_text(encoding="utf-8")) for p in results]


def task_row(r: dict[str, Any], dates: dict[str, str]) -> TaskRow:
    agent = r.get("agent") or {}
    resolved = bool(r.get("resolved"))
    rows = [a for a in agent.get("attempts") or [] if "resolved" in a]
    attempts = [bool(a["resolved"]) for a in rows]
    if not attempts and agent:
        attempts = [resolved]  # an old run: one attempt, and it is the final one
    wall = float(agent.get("wall_s") or (r.get("timing") or {}).get("agent_s") or 0.0)
    return TaskRow(instance_id=r["instance_id"], resolved=resolved, status=str(r.get("status", "")),
                   created_at=str(r.get("created_at") or dates.get(r["instance_id"], "")),
                   cost=float(agent.get("cost") or 0.0),
                   tokens=int(agent.get("prompt_tokens") or 0) + int(agent.get("completion_tokens") or 0),
                   wall_s=wall, steps=int(agent.get("steps") or 0), attempts=attempts,
                   independent=all(a.get("parent") is None for a in rows),
                   oracle=agent.get("oracle", resolved if agent else None), progress=agent.get("progress") or {},
                   confidence=float(c) if isinstance(c := agent.get("confidence"), (int, float)) else None)


def switches_label(info: dict[str, Any]) -> str:
    """Memory and instruction files change what the agent knows: an ablation shows as its own row
    (`react+memory`, `react-instructions`). Old reports, without the keys, read as the defaults of `run`."""
    label = "+memory" if info.get("memory") else ""
    return label + ("-instructions" if info.get("instructions") is False else "")


def load_run(folder: Path, dates: dict[str, str] | None = None) -> RunData:
    folder = Path(folder)
    if not folder.is_dir():
        raise UserError(f"{folder}: no such run folder")
    info, rows = _rows(folder)
    # Printed in tables and charts: a hand-edited report must not reach the terminal as control sequences.
    strategy = "".join(ch for ch in str(info.get("strategy") or "react") if ch.isprintable())[:60] or "react"
    tasks = {r["instance_id"]: task_row(r, dates or {}) for r in rows if r.get("instance_id")}
    # A clarification run used hints_text the standard setting withholds: its label says so, always.
    clarify = "".join(ch for ch in str(info.get("clarify") or "") if ch.isalnum())[:20]
    label = f"{strategy}+clarify:{clarify}" if clarify and clarify not in ("ask", "off") else strategy
    label += switches_label(info)
    return RunData(label=label, folder=str(folder), strategy=strategy, model=str(info.get("model") or ""),
                   tasks=tasks)


# -- estimators -----------------------------------------------------------------------------------
def pass_at_k(n: int, c: int, k: int) -> float:
    """Chen et al. (2021): the chance that k of n samples, c of them correct, hold at least one correct."""
    if not 0 <= c <= n or not 1 <= k <= n:
        raise ValueError(f"pass@k needs 0 <= c <= n and 1 <= k <= n (n={n}, c={c}, k={k})")
    if n - c < k:
        return 1.0
    return 1.0 - comb(n - c, k) / comb(n, k)


def bootstrap_ci(values: list[float], reps: int = BOOTSTRAP, seed: int = 0) -> tuple[float, float]:
    """95% percentile interval of the mean, resampling tasks."""
    if not values:
        return (0.0, 0.0)
    rng = random.Random(seed)
    n = len(values)
    means = sorted(sum(values[rng.randrange(n)] for _ in range(n)) / n for _ in range(reps))
    return means[int(0.025 * reps)], means[min(reps - 1, int(0.975 * reps))]


def mcnemar_p(a_only: int, b_only: int) -> float:
    """Exact two-sided McNemar test: under no difference, each discordant task goes either way at 1/2."""
    n = a_only + b_only
    if n == 0:
        return 1.0
    tail = sum(comb(n, i) for i in range(min(a_only, b_only) + 1)) / 2**n
    return min(1.0, 2 * tail)


def pareto(points: dict[str, tuple[float, float]]) -> list[str]:
    """Labels not dominated: no other point is as cheap (x) and as good (y), and better in one."""
    front = []
    for label, (x, y) in points.items():
        dominated = any((x2 <= x and y2 >= y) and (x2 < x or y2 > y) for other, (x2, y2) in points.items()
                        if other != label)
        if not dominated:
            front.append(label)
    return sorted(front, key=lambda lab: points[lab][0])


# -- figures --------------------------------------------------------------------------------------
def pass_at_ks(rows: list[TaskRow]) -> dict[str, float]:
    """Over independent attempts only: a reflexion attempt that learned from the one before is not a sample."""
    with_attempts = [r for r in rows if r.attempts and r.independent]
    top = max((len(r.attempts) for r in with_attempts), default=0)
    out = {}
    for k in range(1, top + 1):
        eligible = [r for r in with_attempts if len(r.attempts) >= k]
        out[str(k)] = mean(pass_at_k(len(r.attempts), sum(r.attempts), k) for r in eligible)
    return out


def progress_summary(rows: list[TaskRow]) -> dict[str, Any]:
    prog = [r.progress for r in rows if r.progress.get("reference_files")]
    if not prog:
        return {}
    steps = [p["first_edit_step"] for p in prog if p.get("first_edit_step") is not None]
    curves = [p["failing_tests"] for p in prog if p.get("failing_tests")]
    return {"opened_reference_files": mean(bool(p.get("opened_all")) for p in prog),
            "edited_reference_files": mean(bool(p.get("edited_all")) for p in prog),
            "first_reference_edit_step": mean(steps) if steps else None,
            "failing_tests_first": sum(c[0]["failing"] for c in curves) if curves else None,
            "failing_tests_last": sum(c[-1]["failing"] for c in curves) if curves else None}


def summarize(rows: list[TaskRow], budgets: list[float]) -> dict[str, Any]:
    n = len(rows)
    resolved = [float(r.resolved) for r in rows]
    lo, hi = bootstrap_ci(resolved)
    cost = [r.cost for r in rows]
    attempts = [r for r in rows if len(r.attempts) > 1]
    solved = sum(r.resolved for r in rows)
    return {
        "tasks": n, "resolved": int(solved), "resolved_pct": 100 * mean(resolved) if n else 0.0,
        "ci95": [100 * lo, 100 * hi],
        "pass_at_k": pass_at_ks(rows),
        "attempts_mean": mean(len(r.attempts) for r in rows) if n else 0.0,
        "selected_at_n": 100 * mean(float(r.resolved) for r in attempts) if attempts else None,
        "oracle_at_n": 100 * mean(float(bool(r.oracle)) for r in attempts) if attempts else None,
        "cost_mean": mean(cost) if n else 0.0, "cost_total": sum(cost),
        "tokens_mean": mean(r.tokens for r in rows) if n else 0.0, "tokens_total": sum(r.tokens for r in rows),
        "wall_s_mean": mean(r.wall_s for r in rows) if n else 0.0, "wall_s_total": sum(r.wall_s for r in rows),
        "steps_mean": mean(r.steps for r in rows) if n else 0.0,
        "cost_per_resolved": sum(cost) / solved if solved else None,
        "resolved_within_budget": {f"{b:.6g}": 100 * mean(float(r.resolved and r.cost <= b) for r in rows)
                                   for b in budgets} if n else {},
        "progress": progress_summary(rows),
        "errors": sum(r.status == "error" for r in rows),
        "calibration": calibration([(r.confidence, r.resolved) for r in rows if r.confidence is not None]),
    }


def paired(a: RunData, b: RunData, ids: list[str]) -> dict[str, Any]:
    common = [i for i in ids if i in a.tasks and i in b.tasks]
    a_only = sum(a.tasks[i].resolved and not b.tasks[i].resolved for i in common)
    b_only = sum(b.tasks[i].resolved and not a.tasks[i].resolved for i in common)
    diffs = [float(a.tasks[i].resolved) - float(b.tasks[i].resolved) for i in common]
    lo, hi = bootstrap_ci(diffs, seed=1)
    return {"a": a.label, "b": b.label, "tasks": len(common), "a_only": a_only, "b_only": b_only,
            "diff_pct": 100 * mean(diffs) if diffs else 0.0, "diff_ci95": [100 * lo, 100 * hi],
            "p_value": mcnemar_p(a_only, b_only)}


def split_ids(runs: list[RunData], cutoff: str | None) -> dict[str, list[str]]:
    ids = sorted({i for r in runs for i in r.tasks})
    groups = {"all": ids}
    if cutoff:
        dated = {i: next((r.tasks[i].created_at for r in runs if i in r.tasks and r.tasks[i].created_at), "")
                 for i in ids}
        groups["before"] = [i for i in ids if dated[i] and dated[i][:10] < cutoff]
        groups["after"] = [i for i in ids if dated[i] and dated[i][:10] >= cutoff]
        groups["undated"] = [i for i in ids if not dated[i]]
    return groups


def default_budgets(runs: list[RunData]) -> list[float]:
    """Fixed budgets to read 'resolved within $B' at: quartiles of the per-task cost over every run."""
    costs = sorted(t.cost for r in runs for t in r.tasks.values() if t.cost > 0)
    if not costs:
        return []
    return sorted({costs[min(len(costs) - 1, int(q * len(costs)))] for q in (0.25, 0.5, 0.75)} | {costs[-1]})


def compare(runs: list[RunData], cutoff: str | None = None) -> dict[str, Any]:
    if not runs:
        raise UserError("nothing to compare: give run folders (or tasks and --strategies)")
    labels = [r.label for r in runs]
    for i, r in enumerate(runs):  # two runs of one strategy (say, two models) must stay apart
        if labels.count(r.label) > 1:
            r.label = f"{r.label} ({Path(r.folder).name})" if Path(r.folder).name != r.label else f"{r.label}#{i + 1}"
    budgets = default_budgets(runs)
    out: dict[str, Any] = {"runs": [{"label": r.label, "folder": r.folder, "strategy": r.strategy, "model": r.model,
                                     "tasks": len(r.tasks)} for r in runs],
                           "cutoff": cutoff, "budgets": budgets, "groups": {}}
    for group, ids in split_ids(runs, cutoff).items():
        if group == "undated":
            out["undated_tasks"] = ids
            continue
        strategies = {r.label: summarize([r.tasks[i] for i in ids if i in r.tasks], budgets) for r in runs}
        frontier = {axis: pareto({lab: (s[f"{axis}_mean"], s["resolved_pct"]) for lab, s in strategies.items()})
                    for axis in AXES}
        pairs = [paired(a, b, ids) for n, a in enumerate(runs) for b in runs[n + 1:]]
        out["groups"][group] = {"tasks": len(ids), "strategies": strategies, "paired": pairs, "frontier": frontier}
    return out


def as_json(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=1, default=lambda o: asdict(o) if hasattr(o, "__dataclass_fields__") else str(o))
