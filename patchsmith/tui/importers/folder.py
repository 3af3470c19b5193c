"""A run/batch output folder: one subfolder per task with its trajectory, maybe a `report.json` on top.

Summaries are read cheaply (header and result lines only) so a folder of many long runs lists fast.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...agent.trajectory import Header, Result

TRAJECTORY_NAMES = ("trajectory.jsonl",)
OTHER_PATTERNS = ("*.traj", "*.traj.json")


@dataclass
class RunSummary:
    task: str
    path: Path  # the trajectory file
    resolved: bool | None = None
    steps: int = 0
    tokens: int = 0
    cost: float = 0.0
    wall_s: float = 0.0
    exit_reason: str = ""
    incomplete: bool = False
    repo: str = ""
    strategy: str = ""
    error: str | None = None  # the run's own error (result.error), or why its file could not be read
    verdict: str = ""  # the strategy's: for a task, which attempt it chose; for an attempt, chosen/dropped/… and why
    attempt: int | None = None  # set on an attempt's row: its number within the task
    attempts: list[RunSummary] = field(default_factory=list)  # a strategy's attempts (best-of-n, reflexion, …)


@dataclass
class RunFolder:
    path: Path
    runs: list[RunSummary] = field(default_factory=list)


def find_trajectory(folder: Path) -> Path | None:
    for name in TRAJECTORY_NAMES:
        if (folder / name).is_file():
            return folder / name
    for pattern in OTHER_PATTERNS:
        found = sorted(folder.glob(pattern))
        if found:
            return found[0]
    return None


def resolved_map(report: Any) -> dict[str, bool]:
    """Per-task `resolved` from a report in any of the shapes harnesses write (lenient)."""
    out: dict[str, bool] = {}
    if isinstance(report, list):
        for item in report:
            if isinstance(item, dict) and "instance_id" in item and isinstance(item.get("resolved"), bool):
                out[str(item["instance_id"])] = item["resolved"]
        return out
    if not isinstance(report, dict):
        return out
    # SWE-bench summary: resolved_ids / unresolved_ids lists.
    for key, flag in (("unresolved_ids", False), ("resolved_ids", True)):
        if isinstance(report.get(key), list):
            out.update({str(i): flag for i in report[key]})
    for key, value in report.items():
        if isinstance(value, dict):
            if isinstance(value.get("resolved"), bool):
                out[str(value.get("instance_id", key))] = value["resolved"]
            else:
                out.update(resolved_map(value))  # nested under "tasks" / "instances" / "results"
        elif isinstance(value, list) and key not in ("resolved_ids", "unresolved_ids"):
            out.update(resolved_map(value))
    return out


def _summary_jsonl(path: Path, task: str) -> RunSummary:
    data = path.read_bytes()
    lines = [ln for ln in data.split(b"\n") if ln.strip()]
    summary = RunSummary(task=task, path=path)
    header: Header | None = None
    result: Result | None = None
    if lines:
        try:
            obj = json.loads(lines[0])
            if obj.get("type") == "header":
                header = Header.model_validate(obj)
        except (ValueError, AttributeError):
            pass
        for line in reversed(lines[-3:]):
            try:
                obj = json.loads(line)
            except ValueError:
                continue
            if isinstance(obj, dict) and obj.get("type") == "result":
                result = Result.model_validate(obj)
                break
    if header and header.task.get("instance_id"):
        summary.task = str(header.task["instance_id"])
    if header:
        summary.repo, summary.strategy = str(header.task.get("repo") or ""), header.strategy
    if lines:
        try:
            json.loads(lines[-1])
        except ValueError:
            lines.pop()  # cut off mid-line by a crash
    step_lines = [ln for ln in lines if ln.startswith(b'{"type":"step"') or b'"type": "step"' in ln[:40]]
    step_count = len(step_lines)
    if result:
        summary.steps = result.totals.steps or step_count
        summary.tokens = result.totals.prompt_tokens + result.totals.completion_tokens
        summary.cost = result.totals.cost
        summary.wall_s = result.totals.wall_s
        summary.exit_reason = result.exit_reason
        summary.error = result.error
        evaluation = result.evaluation or {}
        if isinstance(evaluation.get("resolved"), bool):
            summary.resolved = evaluation["resolved"]
    else:
        summary.steps = step_count
        summary.incomplete = True
        for line in step_lines:  # no totals line: add up what the steps recorded
            usage = (json.loads(line).get("usage") or {}) if line else {}
            summary.tokens += int(usage.get("prompt_tokens") or 0) + int(usage.get("completion_tokens") or 0)
            summary.cost += float(usage.get("cost") or 0.0)
        summary.exit_reason = "incomplete"
    return summary


def summarize(path: Path, task: str) -> RunSummary:
    if path.name.endswith(".jsonl"):
        return _summary_jsonl(path, task)
    from . import load_file  # other formats are small; read them whole

    traj = load_file(path)
    result = traj.result
    return RunSummary(
        task=str(traj.header.task.get("instance_id") or task), path=path,
        steps=len(traj.steps),
        tokens=result.totals.prompt_tokens + result.totals.completion_tokens if result else 0,
        cost=result.totals.cost if result else 0.0, wall_s=result.totals.wall_s if result else 0.0,
        exit_reason=result.exit_reason if result else "incomplete", incomplete=traj.incomplete,
        repo=str(traj.header.task.get("repo") or ""), strategy=traj.header.strategy,
        error=result.error if result else None)


GENERIC_DIRS = {"tasks", "agent", "runs", "attempts"}
MAX_DEPTH = 4


def _run_dirs(folder: Path) -> list[Path]:
    """Folders below `folder` (not itself) that hold a trajectory, a few levels deep, in path order."""
    found: list[Path] = []
    frontier = [folder]
    for _ in range(MAX_DEPTH):
        nxt: list[Path] = []
        for directory in frontier:
            try:
                children = sorted(p for p in directory.iterdir() if p.is_dir() and not p.name.startswith("."))
            except OSError:
                continue
            for child in children:
                (found if find_trajectory(child) else nxt).append(child)
        frontier = nxt
    return sorted(found)


def _read_report(folder: Path) -> Any:
    try:
        return json.loads((folder / "report.json").read_text(encoding="utf-8"))
    except (ValueError, OSError):
        return None  # none, or broken: a broken report must not hide the runs themselves


def _summary_of(path: Path, name: str) -> RunSummary:
    try:
        return summarize(path, name)
    except (ValueError, OSError) as exc:
        return RunSummary(task=name, path=path, exit_reason="unreadable", incomplete=True,
                          error=str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__)


def _verdict(attempt: dict[str, Any]) -> str:
    verdict, why = str(attempt.get("verdict") or ""), str(attempt.get("why") or "")
    return f"{verdict}: {why}" if verdict and why else verdict or why


def strategy_attempts(run_dir: Path, summary: RunSummary, task_row: Any) -> None:
    """A strategy's record beside the run (strategy.json, as `patchsmith run` writes it): each attempt kept
    in its own folder becomes a row under the task, with its verdict and, where the scorer scored every
    attempt (report.json), whether it resolved; the task's verdict says which attempt was chosen."""
    try:
        record = json.loads((run_dir / "strategy.json").read_text(encoding="utf-8"))
    except (ValueError, OSError):
        return
    attempts = [a for a in record.get("attempts") or [] if isinstance(a, dict)] if isinstance(record, dict) else []
    agent = task_row.get("agent") if isinstance(task_row, dict) else None
    scored = {r.get("number"): r.get("resolved") for r in (agent or {}).get("attempts") or [] if isinstance(r, dict)}
    chosen = record.get("chosen")
    if len(attempts) == 1:
        summary.verdict = _verdict(attempts[0])
    else:
        summary.verdict = (f"#{chosen} of {len(attempts)} chosen" if chosen else f"none of {len(attempts)} chosen") \
            + (" (budget spent)" if record.get("stopped_by_budget") else "")
    for attempt in attempts:
        folder = str(attempt.get("folder") or "")
        path = find_trajectory(run_dir / folder) if folder not in ("", ".") else None
        if path is None:
            continue
        row = _summary_of(path, summary.task)
        row.task, row.repo = summary.task, row.repo or summary.repo
        row.attempt, row.verdict = int(attempt.get("number") or 0), _verdict(attempt)
        row.strategy = str(attempt.get("strategy") or row.strategy)
        resolved = scored.get(row.attempt)
        row.resolved = resolved if isinstance(resolved, bool) else row.resolved
        summary.attempts.append(row)


def read_folder(folder: Path) -> RunFolder:
    report = _read_report(folder)
    resolved = resolved_map(report) if report is not None else {}
    tasks = report.get("tasks") if isinstance(report, dict) and isinstance(report.get("tasks"), dict) else {}
    runs = []
    for sub in _run_dirs(folder):
        traj_path = find_trajectory(sub)
        if traj_path is None:
            continue
        parts = sub.relative_to(folder).parts  # e.g. tasks/<instance_id>/agent (the harness's layout)
        name = next((p for p in parts if p not in GENERIC_DIRS), sub.name)
        summary = _summary_of(traj_path, name)
        for key in (summary.task, *parts):
            if key in resolved:
                summary.resolved = resolved[key]
                break
        strategy_attempts(sub, summary, tasks.get(summary.task))
        runs.append(summary)
    return RunFolder(path=folder, runs=runs)
