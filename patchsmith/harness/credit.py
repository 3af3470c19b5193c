"""The decisive step of a run: the earliest step whose workspace already passes the task's FAIL_TO_PASS tests
(without breaking PASS_TO_PASS: the workspace scores as resolved).

Each step records the workspace patch it left (`diff`; None when unchanged), so the workspace after any step
can be scored by the harness's own evaluator on a clean checkout. For a resolved run the final workspace
passes, so the earliest passing step is found by bisecting the steps that changed the workspace: about
log2(changes) evaluations. That assumes a workspace, once passing, stays passing; the scenarios check the
answer against scoring every step. FAIL_TO_PASS alone would break that assumption on ordinary runs: a
wrong first attempt that makes the target tests pass but breaks others, then is undone (two scenarios do
exactly this), would be an earlier "pass" that bisection cannot see and that is not the fix. For an unresolved run, the step whose workspace fails the fewest target
tests (the earliest of equals), over every distinct workspace, or an even sample when there are more than
`budget`. This is scoring, after the run: nothing here is shown to the agent.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from ..agent.trajectory import Step, read_trajectory
from .evaluate import Evaluation, evaluate
from .locks import write_atomic
from .pipeline import Harness
from .repos import checkout, find_source, remove_checkout
from .specs import spec_for
from .tasks import Task

CREDIT_FILE = "credit.json"


@dataclass
class Probe:
    step: int  # 0-based step index whose workspace was scored
    fail_to_pass_failing: int
    fail_to_pass_total: int
    pass_to_pass_failing: int
    status: str

    @property
    def passes(self) -> bool:
        return self.status == "resolved"  # FAIL_TO_PASS pass and PASS_TO_PASS still pass


@dataclass
class Credit:
    instance_id: str
    resolved: bool  # the run's own outcome
    step: int | None  # 0-based decisive step; None when no step changed the workspace or nothing could be scored
    kind: str  # first_passing | fewest_failing | none
    steps: int = 0
    changes: int = 0  # steps that changed the workspace (the candidates)
    evaluations: int = 0
    sampled: bool = False  # fewest_failing over a sample of the candidates (more than the budget)
    after: int = 0  # steps that came after the decisive one
    probes: list[Probe] = field(default_factory=list)
    reason: str = ""
    attempts: list[dict[str, Any]] = field(default_factory=list)  # a strategy's attempts, each credited alike

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


ProbeFn = Callable[[int, str], Probe]


def change_points(steps: Sequence[Step]) -> list[tuple[int, str]]:
    """(step index, workspace patch) for each step that left a workspace different from the one before it."""
    out: list[tuple[int, str]] = []
    last = ""
    for step in steps:
        if step.diff is not None and step.diff != last:
            out.append((step.index, step.diff))
            last = step.diff
    return out


def first_passing(points: Sequence[tuple[int, str]], probe: ProbeFn, final_passes: bool) -> tuple[int | None, list[Probe]]:
    """Bisect for the earliest change point that passes; the last is known to pass when `final_passes`."""
    probes: list[Probe] = []

    def passes(k: int) -> bool:
        result = probe(*points[k])
        probes.append(result)
        return result.passes

    lo, hi = 0, len(points) - 1
    if hi < 0 or (not final_passes and not passes(hi)):
        return None, probes
    while lo < hi:
        mid = (lo + hi) // 2
        if passes(mid):
            hi = mid
        else:
            lo = mid + 1
    return points[lo][0], probes


def fewest_failing(points: Sequence[tuple[int, str]], probe: ProbeFn, budget: int) -> tuple[int | None, list[Probe], bool]:
    if not points:
        return None, [], False
    picks = list(range(len(points)))
    sampled = len(points) > budget
    if sampled:  # an even sample, always with the last workspace
        picks = sorted({round(k * (len(points) - 1) / (budget - 1)) for k in range(budget)})
    probes = [probe(*points[k]) for k in picks]
    scored = [p for p in probes if p.status not in ("error", "patch_failed")]
    if not scored:
        return None, probes, sampled
    best = min(scored, key=lambda p: (p.fail_to_pass_failing, p.pass_to_pass_failing, p.step))
    return best.step, probes, sampled


def credit_run(instance_id: str, steps: Sequence[Step], resolved: bool, probe: ProbeFn, budget: int = 16) -> Credit:
    points = change_points(steps)
    credit = Credit(instance_id=instance_id, resolved=resolved, step=None, kind="none", steps=len(steps),
                    changes=len(points))
    if not points:
        credit.reason = "no step changed the workspace"
        return credit
    if resolved:
        credit.step, credit.probes = first_passing(points, probe, final_passes=True)
        credit.kind = "first_passing"
    else:
        credit.step, credit.probes, credit.sampled = fewest_failing(points, probe, budget)
        credit.kind = "fewest_failing"
    credit.evaluations = len(credit.probes)
    if credit.step is None:
        credit.kind, credit.reason = "none", "no workspace could be scored"
    else:
        credit.after = len(steps) - 1 - credit.step
    return credit


def probe_from(step: int, evaluation: Evaluation, task: Task) -> Probe:
    return Probe(step=step, fail_to_pass_failing=len(evaluation.fail_to_pass.failure)
                 + (len(task.fail_to_pass) if evaluation.status in ("error", "patch_failed") else 0),
                 fail_to_pass_total=len(task.fail_to_pass),
                 pass_to_pass_failing=len(evaluation.pass_to_pass.failure), status=evaluation.status)


def harness_probe(harness: Harness, task: Task, work: Path) -> ProbeFn:
    """Score a step's workspace patch with the harness's evaluator, on a fresh checkout of base_commit each time."""
    spec = spec_for(task, harness.spec_config)
    source = find_source(task, harness.repos_dir, harness.cache_dir, harness.allow_clone)
    env = harness.envs.get(task, spec, source)

    def probe(step: int, patch: str) -> Probe:
        checkout(source, task.base_commit, work)
        env.prepare_workspace(work)
        try:
            evaluation = evaluate(task, patch, work, env, spec, sandbox_factory=harness.sandbox_factory,
                                  timeout=harness.timeout)
        finally:
            remove_checkout(work)
        return probe_from(step, evaluation, task)

    return probe


def memoized(probe: ProbeFn) -> ProbeFn:
    """Score each distinct workspace once: a strategy's attempts often reach the same patch."""
    seen: dict[str, Probe] = {}

    def once(step: int, patch: str) -> Probe:
        if patch not in seen:
            seen[patch] = probe(step, patch)
        return replace(seen[patch], step=step)

    return once


def trajectory_of(task_dir: Path) -> Path | None:
    found = sorted(task_dir.glob("agent/trajectory.jsonl")) or sorted(task_dir.glob("trajectory.jsonl"))
    return found[0] if found else None


@dataclass
class AttemptRun:
    """One attempt of a strategy's task: its number, trajectory and whether the scorer resolved its patch."""

    number: int
    trajectory: Path
    resolved: bool
    chosen: bool


def attempt_runs(task_dir: Path, rows: Sequence[dict[str, Any]] = ()) -> list[AttemptRun]:
    """The attempts a strategy recorded (agent/strategy.json: attempts/N/trajectory.jsonl each), with each
    attempt's `resolved` from the report's attempt rows (the scorer scored every attempt's patch). A
    one-attempt run kept in agent/ itself, or an old run folder without a record, has none here."""
    record_path = task_dir / "agent" / "strategy.json"
    try:
        record = json.loads(record_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    resolved = {r.get("number"): bool(r.get("resolved")) for r in rows if isinstance(r, dict)}
    out = []
    for attempt in record.get("attempts") or [] if isinstance(record, dict) else []:
        folder = str(attempt.get("folder") or "") if isinstance(attempt, dict) else ""
        path = task_dir / "agent" / folder / "trajectory.jsonl"
        if folder in ("", ".") or not path.is_file():
            continue
        number = int(attempt.get("number") or 0)
        out.append(AttemptRun(number, path, resolved.get(number, False), number == record.get("chosen")))
    return out


def credit_task(harness: Harness, task: Task, task_dir: Path, resolved: bool, budget: int = 16,
                attempt_rows: Sequence[dict[str, Any]] = ()) -> Credit:
    """The decisive step of one task's recorded run, written to `<task_dir>/credit.json`; a strategy's every
    attempt gets its own (`agent/attempts/N/credit.json`, where the inspector finds it), listed in the task's."""
    probe = memoized(harness_probe(harness, task, task_dir / "credit-work"))
    per_attempt = []
    for attempt in attempt_runs(task_dir, attempt_rows):
        attempt.resolved = resolved if attempt.chosen else attempt.resolved  # the chosen one's is the task's
        steps = read_trajectory(attempt.trajectory).steps
        found = credit_run(task.instance_id, steps, attempt.resolved, probe, budget)
        write_atomic(attempt.trajectory.parent / CREDIT_FILE, json.dumps(found.to_dict(), indent=1))
        per_attempt.append((attempt, found))
    chosen = next((c for a, c in per_attempt if a.chosen), None)
    path = trajectory_of(task_dir)
    if chosen is not None:
        credit = Credit(**{**chosen.to_dict(), "probes": chosen.probes, "resolved": resolved})  # the same run
    elif path is None:
        credit = Credit(task.instance_id, resolved, None, "none", reason="no trajectory in the task folder")
    else:
        credit = credit_run(task.instance_id, read_trajectory(path).steps, resolved, probe, budget)
    credit.attempts = [{"number": a.number, "resolved": a.resolved, "chosen": a.chosen, "step": c.step,
                        "kind": c.kind, "steps": c.steps, "evaluations": c.evaluations, "after": c.after}
                       for a, c in per_attempt]
    write_atomic(task_dir / CREDIT_FILE, json.dumps(credit.to_dict(), indent=1))
    return credit


def add_to_report(report_path: Path, credits: Sequence[Credit]) -> None:
    """The report carries the decisive step per task, and a batch line: how much came after the fix."""
    report = json.loads(report_path.read_text(encoding="utf-8"))
    tasks = report.get("tasks") or {}
    for credit in credits:
        if isinstance(tasks.get(credit.instance_id), dict):
            tasks[credit.instance_id]["credit"] = {k: v for k, v in credit.to_dict().items() if k != "probes"}
    found = [c for c in credits if c.step is not None and c.kind == "first_passing"]
    report["credit"] = {
        "tasks": len(credits), "decisive_found": len(found),
        "evaluations": sum(c.evaluations for c in credits), "steps": sum(c.steps for c in credits),
        "attempts_credited": sum(len(c.attempts) for c in credits),
        "steps_after_fix": sum(c.after for c in found),
        "share_after_fix": round(sum(c.after for c in found) / max(1, sum(c.steps for c in found)), 4)}
    write_atomic(report_path, json.dumps(report, indent=1, default=str))
