"""The batch report: `report.json` (official summary fields + our per-task detail), `preds.jsonl`, and
rich tables (summary, per repository), plus the progress measures read from trajectories."""

from __future__ import annotations

import json
import re
from pathlib import Path
from statistics import mean
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from ..tools.registry import tool_named
from ..tools.safetext import inert
from .locks import write_atomic
from .preds import Prediction, write_preds
from .tasks import Task, patch_files

if TYPE_CHECKING:
    from ..agent.trajectory import Trajectory  # only its type: `eval` runs without the agent layer

SCHEMA_VERSION = 2


def trajectory_measures(traj: Trajectory | None, reference_patch: str) -> dict[str, Any]:
    """Everything the report takes from a run's trajectory, from one parsed copy (None: none could be read):
    clarification, the final submit's confidence, progress against the reference patch, and the briefing."""
    return {"clarification": clarification_measures(traj), **submission_of(traj),
            "progress": progress_measures(traj, reference_patch),  # the scorer's measure, after the run
            **briefing_of(traj)}


def briefing_of(traj: Trajectory | None) -> dict[str, Any]:
    """Which instruction files the task saw and which memory items it recalled (kept apart in reports)."""
    events = traj.events if traj is not None else []
    paths = [p for e in events if e.kind == "instructions" for p in e.data.get("paths", [])]
    recalled = [i for e in events if e.kind == "recalled" for i in e.data.get("ids", [])]
    return {"instructions": paths, "recalled": recalled}


def progress_measures(traj: Trajectory | None, reference_patch: str) -> dict[str, Any]:
    """Did the run open / edit the files the reference patch touches, at which step; failing tests over time."""
    files = patch_files(reference_patch)
    out: dict[str, Any] = {"reference_files": files, "opened": {}, "edited": {}, "failing_tests": []}
    if traj is None:
        return out
    for step in traj.steps:
        action = step.action
        tool = tool_named(action.tool) if action is not None else None
        if action is None or tool is None:
            continue
        args = action.args or {}
        if tool.path_of is not None:
            path = (tool.path_of(args) or "").removeprefix("./")
            for ref in files:
                if path and (path == ref or path.endswith("/" + ref)):  # relative, or absolute in the workspace
                    out["opened"].setdefault(ref, step.index)
                    if tool.changes_files(args):
                        out["edited"].setdefault(ref, step.index)
        elif tool.runs_tests:
            count = failing_count(step.observation.data, step.observation.text)
            if count is not None:
                out["failing_tests"].append({"step": step.index, "failing": count})
    out["opened_all"] = bool(files) and all(f in out["opened"] for f in files)
    out["edited_all"] = bool(files) and all(f in out["edited"] for f in files)
    out["first_open_step"] = min(out["opened"].values(), default=None)
    out["first_edit_step"] = min(out["edited"].values(), default=None)
    return out


QUESTION_COUNTS = ("questions", "answered", "reused", "refused")


def clarification_measures(traj: Trajectory | None) -> dict[str, Any]:
    """Questions the run put to someone and those answered, questions answered from an earlier attempt
    (`reused`) or refused for the task's spent budget (`refused`), and for each answer the steps and cost
    spent before it came and after it (to the end of the run), from the trajectory's answer events."""
    out: dict[str, Any] = {**dict.fromkeys(QUESTION_COUNTS, 0), "answers": []}
    if traj is None:
        return out
    totals = traj.result.totals if traj.result is not None else None
    end_steps = totals.steps if totals else len(traj.steps)
    end_cost = totals.cost if totals else 0.0
    for ev in traj.events:
        if ev.kind == "answer":
            d = ev.data or {}
            answered = bool(d.get("answered"))
            kind = {"earlier": "reused", "limit": "refused"}.get(str(d.get("source")))
            if kind is not None:
                out[kind] += 1
            else:
                out["questions"] += 1
                out["answered"] += answered
            steps_before, cost_before = int(d.get("steps_before") or 0), float(d.get("cost_before") or 0.0)
            out["answers"].append({"step": d.get("step"), "answered": answered, "source": d.get("source"),
                                   "steps_before": steps_before, "steps_after": max(0, end_steps - steps_before),
                                   "cost_before": cost_before, "cost_after": max(0.0, end_cost - cost_before)})
    return out


def task_clarification(attempts: list[tuple[int, Trajectory | None]]) -> dict[str, Any]:
    """A task's questions over all its attempts (which share one budget): the counts summed, each answer
    with the number of the attempt that got it."""
    out: dict[str, Any] = {**dict.fromkeys(QUESTION_COUNTS, 0), "answers": []}
    for number, traj in attempts:
        one = clarification_measures(traj)
        for key in QUESTION_COUNTS:
            out[key] += one[key]
        out["answers"] += [{**a, "attempt": number} for a in one["answers"]]
    return out


def submission_of(traj: Trajectory | None) -> dict[str, Any]:
    """What the run's last successful submit said about itself: confidence (or None) and unsure parts."""
    if traj is None:
        return {"confidence": None, "unsure": []}
    for step in reversed(traj.steps):
        data = step.observation.data or {}
        if step.action is not None and step.action.tool == "submit" and data.get("submitted"):
            conf = data.get("confidence")
            return {"confidence": float(conf) if isinstance(conf, (int, float)) else None,
                    "unsure": list(data.get("unsure") or [])}
    return {"confidence": None, "unsure": []}


def clarification_summary(rows: list[dict[str, Any]], setting: str) -> dict[str, Any] | None:
    """A clarification run's own figures, kept apart from the standard ones: its answers come from the
    task's hints_text, which the standard setting withholds."""
    if setting == "off" or setting == "ask":
        return None
    per = {r["instance_id"]: (r.get("agent") or {}).get("clarification") or {} for r in rows}
    asked = [i for i, c in per.items() if c.get("questions")]
    answered = [i for i, c in per.items() if c.get("answered")]
    resolved = {r["instance_id"] for r in rows if r.get("resolved")}
    answers = [a for c in per.values() for a in c.get("answers", []) if a.get("answered")]
    return {"setting": setting, "note": "answers come from hints_text, which the standard setting withholds; "
                                        "compare these figures only with other clarification runs",
            "tasks": len(rows), "tasks_asking": len(asked), "questions": sum(c.get("questions", 0) for c in per.values()),
            "answered": sum(c.get("answered", 0) for c in per.values()), "tasks_answered": len(answered),
            "resolved_when_answered": len(resolved & set(answered)),
            "resolved_without_answer": len(resolved - set(answered)),
            "steps_before_answer_mean": mean(a["steps_before"] for a in answers) if answers else None,
            "steps_after_answer_mean": mean(a["steps_after"] for a in answers) if answers else None,
            "cost_before_answer": sum(a["cost_before"] for a in answers),
            "cost_after_answer": sum(a["cost_after"] for a in answers)}


def failing_count(data: dict[str, Any], text: str) -> int | None:
    """Failed + errored tests from a run_tests observation: structured data first, the summary text next."""
    for key in ("failing", "failed_count", "num_failed"):
        if isinstance(data.get(key), int):
            return data[key]
    counts = data.get("counts") or data.get("summary")
    if isinstance(counts, dict):
        return int(counts.get("failed", 0) or 0) + int(counts.get("error", counts.get("errors", 0)) or 0)
    if isinstance(data.get("failed"), list):
        return len(data["failed"])
    if isinstance(data.get("failed"), int):
        return data["failed"] + int(data.get("errors", 0) or 0)
    found = re.findall(r"(\d+) (failed|error|errors)\b", text or "")
    if found:
        return sum(int(n) for n, _ in found)
    if re.search(r"\d+ passed", text or ""):
        return 0
    return None


def instance_report(result: dict[str, Any]) -> dict[str, Any] | None:
    """The official per-instance `report.json` ({id: {...}}), or None where the official run_evaluation
    writes none: a patch that did not apply, an error, a task not gradable here. (It never runs an empty
    patch; we do, and its report is harmless to official tools, which skip empty patches.)"""
    evaluation = result.get("evaluation") or {}
    if result.get("status") not in ("resolved", "unresolved") or not evaluation:
        return None
    entry: dict[str, Any] = {"patch_is_None": False, "patch_exists": True, "patch_successfully_applied": False,
                             "resolved": False}
    if evaluation.get("no_results"):
        return {result["instance_id"]: entry}  # no parseable test output: as get_logs_eval's "not found"
    entry["patch_successfully_applied"] = True
    entry["resolved"] = bool(result.get("resolved"))
    groups = {"FAIL_TO_PASS": evaluation["fail_to_pass"], "PASS_TO_PASS": evaluation["pass_to_pass"]}
    entry["tests_status"] = {
        **{key: {"success": list(g["success"]), "failure": list(g["failure"])} for key, g in groups.items()},
        "FAIL_TO_FAIL": {"success": [], "failure": []}, "PASS_TO_FAIL": {"success": [], "failure": []}}
    return {result["instance_id"]: entry}


def build_report(tasks: list[Task], results: dict[str, dict[str, Any]], *, submitted: set[str] | None = None,
                 run_info: dict[str, Any] | None = None) -> dict[str, Any]:
    """The official summary's fields, counted as make_run_report counts them (a task with no per-instance
    report, e.g. a patch that did not apply, is an error), then our own breakdown of the errors and the
    per-task detail. One difference: the official harness never runs an empty patch, we do (`eval --empty`
    checks that the tests catch the bug), so a scored empty patch counts as completed here."""
    ids = [t.instance_id for t in tasks]
    rows = [results[i] for i in ids if i in results]
    submitted_ids = sorted(submitted if submitted is not None else (r["instance_id"] for r in rows))

    def where(test) -> list[str]:
        return sorted(r["instance_id"] for r in rows if test(r))

    empty = where(lambda r: not (r.get("model_patch") or "").strip() and r.get("status") in ("resolved", "unresolved"))
    completed = where(lambda r: r.get("status") in ("resolved", "unresolved"))
    resolved = where(lambda r: r.get("resolved") and r["instance_id"] in completed)
    errors = where(lambda r: r.get("status") not in ("resolved", "unresolved"))
    environment = where(lambda r: r.get("error_kind") == "environment")
    clarify = str((run_info or {}).get("clarify") or "ask")
    from .calibration import report_calibration

    return {
        "clarification": clarification_summary(rows, clarify),
        "calibration": report_calibration(rows),
        "total_instances": len(ids),
        "submitted_instances": len(submitted_ids),
        "completed_instances": len(completed),
        "resolved_instances": len(resolved),
        "unresolved_instances": len(completed) - len(resolved),
        "infra_failure_instances": len(environment),
        "empty_patch_instances": len(empty),
        "error_instances": len(errors),
        "completed_ids": completed,
        "incomplete_ids": sorted(set(ids) - {r["instance_id"] for r in rows}),
        "empty_patch_ids": empty,
        "submitted_ids": submitted_ids,
        "resolved_ids": resolved,
        "unresolved_ids": sorted(set(completed) - set(resolved)),
        "infra_failure_ids": environment,
        "failure_reasons": {r["instance_id"]: r.get("reason", "") for r in rows if r["instance_id"] in environment},
        "error_ids": errors,
        # Ours: the errors by kind (the official summary has them all under error_ids).
        "patch_failed_ids": where(lambda r: r.get("status") == "patch_failed"),
        "not_gradable_ids": where(lambda r: r.get("status") == "not_gradable"),
        "harness_error_ids": where(lambda r: r.get("status") == "error"),
        "schema_version": SCHEMA_VERSION,
        "run": run_info or {},
        "tasks": {r["instance_id"]: r for r in rows},
    }


def write_outputs(output: Path, report: dict[str, Any], tasks: list[Task], model_name: str) -> None:
    output = Path(output)
    write_atomic(output / "report.json", json.dumps(report, indent=1, default=str))
    preds = []
    for task in tasks:
        row = report["tasks"].get(task.instance_id)
        if row is None:
            continue
        preds.append(Prediction(task.instance_id, row.get("model_patch") or "",
                                row.get("model_name_or_path") or model_name))
    write_preds(output / "preds.jsonl", preds)
    cal = report.get("calibration")
    if cal and cal.get("runs_with_confidence"):
        from .calibration import calibration_png

        calibration_png({str((report.get("run") or {}).get("strategy") or "run"): cal}, output / "calibration.png")


def _fmt_s(seconds: float) -> str:
    return f"{seconds:.1f}s" if seconds < 120 else f"{seconds / 60:.1f}m"


def summary_table(report: dict[str, Any], title: str = "patchsmith results") -> Table:
    rows = list(report["tasks"].values())
    total = report["total_instances"] or 1
    clar = report.get("clarification")
    if clar:  # never mistaken for a standard run's figures
        title = f"{title} — clarification from {clar['setting']} (not comparable with standard runs)"
    table = Table(title=title)
    for col in ("measure", "value"):
        table.add_column(col, justify="right" if col == "value" else "left")
    agents = [r["agent"] for r in rows if r.get("agent")]
    table.add_row("tasks", str(report["total_instances"]))
    table.add_row("resolved", f"{report['resolved_instances']} ({100 * report['resolved_instances'] / total:.1f}%)")
    table.add_row("unresolved", str(report["unresolved_instances"]))
    table.add_row("patch did not apply", str(len(report["patch_failed_ids"])))
    table.add_row("not gradable here", str(len(report["not_gradable_ids"])))
    table.add_row("environment errors", str(report["infra_failure_instances"]))
    table.add_row("other errors", str(len(report["harness_error_ids"]) - report["infra_failure_instances"]))
    table.add_row("empty patches", str(report["empty_patch_instances"]))
    if agents:
        table.add_row("mean steps", f"{mean(a.get('steps', 0) for a in agents):.1f}")
        table.add_row("tokens (prompt + completion)",
                      f"{sum(a.get('prompt_tokens', 0) + a.get('completion_tokens', 0) for a in agents):,}")
        table.add_row("cost", f"${sum(a.get('cost', 0.0) for a in agents):.4f}")
        progress = [a.get("progress") or {} for a in agents]
        with_files = [p for p in progress if p.get("reference_files")]
        if with_files:
            table.add_row("opened reference files", f"{sum(bool(p.get('opened_all')) for p in with_files)}/{len(with_files)}")
            table.add_row("edited reference files", f"{sum(bool(p.get('edited_all')) for p in with_files)}/{len(with_files)}")
            steps = [p["first_edit_step"] for p in with_files if p.get("first_edit_step") is not None]
            if steps:
                table.add_row("first edit of a reference file (mean step)", f"{mean(steps):.1f}")
        moves = [p["failing_tests"] for p in progress if len(p.get("failing_tests") or []) >= 1]
        if moves:
            first = sum(m[0]["failing"] for m in moves)
            last = sum(m[-1]["failing"] for m in moves)
            table.add_row("failing tests, first -> last run_tests", f"{first} -> {last}")
    if clar:
        table.add_row("questions asked / answered", f"{clar['questions']} / {clar['answered']}")
        table.add_row("resolved with an answer / without",
                      f"{clar['resolved_when_answered']} / {clar['resolved_without_answer']}")
        if clar["steps_before_answer_mean"] is not None:
            table.add_row("steps before / after an answer (mean)",
                          f"{clar['steps_before_answer_mean']:.1f} / {clar['steps_after_answer_mean']:.1f}")
            table.add_row("cost before / after answers", f"${clar['cost_before_answer']:.4f} / "
                                                          f"${clar['cost_after_answer']:.4f}")
    wall = sum((r.get("timing") or {}).get("total_s", 0.0) for r in rows)
    table.add_row("wall time (sum over tasks)", _fmt_s(wall))
    return table


def repo_table(report: dict[str, Any], title: str = "by repository") -> Table:
    by_repo: dict[str, list[dict[str, Any]]] = {}
    for row in report["tasks"].values():
        by_repo.setdefault(row.get("repo", "?"), []).append(row)
    table = Table(title=title)
    for col in ("repository", "instances", "resolved", "errors", "tests time", "total time"):
        table.add_column(col, justify="left" if col == "repository" else "right")
    for repo, rows in sorted(by_repo.items()):
        table.add_row(_plain(repo), str(len(rows)), str(sum(bool(r.get("resolved")) for r in rows)),
                      str(sum(r.get("status") == "error" for r in rows)),
                      _fmt_s(sum((r.get("timing") or {}).get("tests_s", 0.0) for r in rows)),
                      _fmt_s(sum((r.get("timing") or {}).get("total_s", 0.0) for r in rows)))
    return table


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")
VERDICTS = {"unresolved": "unresolved", "patch_failed": "patch did not apply", "not_gradable": "not gradable here"}


def reason_line(row: dict[str, Any]) -> str:
    """`id: verdict: why`, on one line, without control characters (reasons quote test and patch output)."""
    status = row.get("status", "")
    verdict = VERDICTS.get(status) or f"error ({row.get('error_kind') or 'harness'})"
    reason = _CONTROL.sub(" ", str(row.get("reason") or "")).strip()
    reason = reason.removeprefix("patch failed to apply: ")
    return f"{row['instance_id']}: {verdict}: {reason[:240]}"


def exit_status(report: dict[str, Any]) -> tuple[int, str]:
    """1 when a task ended in an error (the run could not score it); else 0, with one line saying why 0
    when some tasks are neither resolved nor unresolved."""
    errored = [report["tasks"][i] for i in report["harness_error_ids"] if i in report["tasks"]]
    if errored:
        kinds: dict[str, int] = {}
        for row in errored:
            kinds[row.get("error_kind") or "harness"] = kinds.get(row.get("error_kind") or "harness", 0) + 1
        detail = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
        return 1, (f"exit 1: {len(errored)} task(s) ended in an error ({detail}); fix the cause and rerun with "
                   "--retry-errors")
    notes = []
    if report["patch_failed_ids"]:
        notes.append(f"{len(report['patch_failed_ids'])} patch(es) did not apply")
    if report["not_gradable_ids"]:
        notes.append(f"{len(report['not_gradable_ids'])} task(s) are not gradable here")
    if notes:
        return 0, ("exit 0: " + " and ".join(notes) + "; those are outcomes of the patches and tasks, not "
                   "failures of the run (report.json counts them under error_ids, as the official summary does)")
    return 0, ""


def print_report(report: dict[str, Any], console: Console | None = None, title: str = "patchsmith results",
                 most: int = 50) -> None:
    console = console or Console()
    console.print(summary_table(report, title))
    console.print(repo_table(report))
    cal = report.get("calibration")
    if cal and cal.get("runs_with_confidence"):
        from .calibration import calibration_table

        console.print(calibration_table(cal))
    problems = [r for r in report["tasks"].values() if not r.get("resolved")]
    for row in problems[:most]:
        style = "yellow" if row.get("status") in ("unresolved", "not_gradable") else "red"
        # Ids and reasons come from datasets, git and the agent: inert text (a Text is never markup).
        console.print(Text(inert(reason_line(row)), style=style), soft_wrap=True)
    if len(problems) > most:
        console.print(f"... and {len(problems) - most} more; every reason is in report.json", highlight=False)


def _plain(value: object) -> str:
    return escape(inert(str(value)))
