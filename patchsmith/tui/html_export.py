"""`patchsmith export --html`: one self-contained page (inline CSS and JS, no network, no external assets) for a
run, a batch (summary and every task) or a two-run comparison.

The run data is embedded as JSON in a non-executed script element (`<` escaped, so no text in it can close the
element) and drawn by the page's own script with textContent only: repository and model text never becomes
markup. Secrets are masked in the embedded JSON, as in every other output. A CSP meta tag forbids any fetch.
"""

from __future__ import annotations

import difflib
import html
import json
from importlib import resources
from pathlib import Path
from typing import Any

from patchsmith.agent.trajectory import Step
from patchsmith.tools.sandbox import secret_values

from .align import align_steps, divergence
from .exporters import mask_json
from .importers import RunFolder
from .model import RunModel, open_model
from .render import edit_diff, step_summary
from .stats import Distribution, counts, merge_tool_usage, prompt_parts, tool_rows, tool_usage

MAX_OBSERVATION = 50_000  # characters of one observation kept in the page; the rest is noted as cut


def _tests(step: Step) -> list[list[str]]:
    data = step.observation.data if isinstance(step.observation.data, dict) else {}
    tests = data.get("tests")
    if not isinstance(tests, list):
        return []
    return [[str(t.get("id", "")), str(t.get("status", ""))] for t in tests if isinstance(t, dict)]


def _step_data(step: Step) -> dict[str, Any]:
    action = step.action
    text = step.observation.text
    return {"tool": action.tool if action else "(none)", "sum": step_summary(step), "thought": step.thought,
            "action": json.dumps(action.args, ensure_ascii=False, indent=1) if action else "(no action)",
            "obs": text[:MAX_OBSERVATION], "cut": len(text) > MAX_OBSERVATION or step.observation.truncated,
            "ok": step.observation.ok and not step.observation.error, "err": step.observation.error,
            "tests": _tests(step), "edit": edit_diff(step), "diff": step.diff,
            "tok": step.usage.prompt_tokens + step.usage.completion_tokens, "cost": step.usage.cost}


def decisive_of(model: RunModel) -> int | None:
    """The decisive step `patchsmith credit` found for the run (0-based), if any."""
    return model.decisive


def run_data(model: RunModel, title: str | None = None) -> dict[str, Any]:
    steps = [model.step(i) for i in range(len(model))]
    failing, tokens, cost = model.series()
    result = model.result
    evaluation = (result.evaluation or {}) if result else {}
    header = model.header
    return {
        "title": title or str(header.task.get("instance_id") or header.run_id or model.path or "run"),
        "source": header.source_format, "model": str(header.model.get("name", "")),
        "problem": str(header.task.get("problem_statement") or ""),
        "exit_reason": result.exit_reason if result else None,
        "resolved": evaluation.get("resolved") if isinstance(evaluation.get("resolved"), bool) else None,
        "totals": result.totals.model_dump() if result else None, "patch": result.patch if result else "",
        "decisive": decisive_of(model), "series": {"failing": failing, "tokens": tokens, "cost": cost},
        "steps": [_step_data(s) for s in steps],
        "by_tool": tool_rows(tool_usage(steps)),
        "by_part": prompt_parts(steps, str(header.task.get("problem_statement") or "")).as_rows(),
    }


def render_page(data: dict[str, Any], secrets: list[str] | None = None) -> str:
    text = json.dumps(data, ensure_ascii=False, allow_nan=False)
    text = mask_json(text, secret_values() if secrets is None else secrets)
    text = text.replace("<", "\\u003c")  # nothing inside can end the <script> element
    template = resources.files("patchsmith.tui").joinpath("export_page.html").read_text(encoding="utf-8")
    title = html.escape(str(data.get("title", "patchsmith")))
    return template.replace("__TITLE__", title, 1).replace("__DATA__", text, 1)


def run_page(model: RunModel, secrets: list[str] | None = None) -> str:
    return render_page({"kind": "run", "title": run_data_title(model), "runs": [run_data(model)]}, secrets)


def run_data_title(model: RunModel) -> str:
    return str(model.header.task.get("instance_id") or model.header.run_id or model.path or "run")


def compare_data(a: RunModel, b: RunModel) -> dict[str, Any]:
    left, right = run_data(a, f"A: {run_data_title(a)}"), run_data(b, f"B: {run_data_title(b)}")
    pairs = align_steps([a.step(i) for i in range(len(a))], [b.step(i) for i in range(len(b))])
    patch_a, patch_b = a.final_patch or a.patch_at(len(a) - 1), b.final_patch or b.patch_at(len(b) - 1)
    patch_diff = "\n".join(difflib.unified_diff(patch_a.splitlines(), patch_b.splitlines(), "A final patch",
                                                "B final patch", lineterm=""))
    return {"kind": "compare", "title": f"{run_data_title(a)} vs {run_data_title(b)}", "runs": [left, right],
            "pairs": [[p.a, p.b, p.kind] for p in pairs], "diverge": divergence(pairs), "patch_diff": patch_diff}


def compare_page(a: RunModel, b: RunModel, secrets: list[str] | None = None) -> str:
    return render_page(compare_data(a, b), secrets)


def batch_data(folder: RunFolder) -> dict[str, Any]:
    runs, tasks, uses = [], [], []
    for summary in folder.runs:
        model = open_model(summary.path)
        data = run_data(model, summary.task)
        runs.append(data)
        uses.append(tool_usage(model.step(i) for i in range(len(model))))
        tasks.append({"task": summary.task, "resolved": summary.resolved, "steps": summary.steps,
                      "tokens": summary.tokens, "cost": round(summary.cost, 6), "wall_s": round(summary.wall_s, 1),
                      "exit_reason": summary.exit_reason,
                      "decisive": None if data["decisive"] is None else data["decisive"] + 1})
    dists = [Distribution(name, [float(t[key]) for t in tasks]).row()
             for name, key in (("steps", "steps"), ("tokens", "tokens"), ("cost ($)", "cost"), ("wall time (s)", "wall_s"))]
    outcome = counts("resolved" if t["resolved"] is True else "unresolved" if t["resolved"] is False else "not evaluated"
                     for t in tasks)
    stats = {"Per task": dists,
             "Outcomes": [{"outcome": k, "tasks": v} for k, v in outcome],
             "Exit reasons": [{"exit reason": k, "tasks": v} for k, v in counts(t["exit_reason"] for t in tasks)],
             "Tool usage and errors (all tasks)": tool_rows(merge_tool_usage(uses))}
    return {"kind": "batch", "title": str(folder.path), "tasks": tasks, "runs": runs, "stats": stats}


def batch_page(folder: RunFolder, secrets: list[str] | None = None) -> str:
    return render_page(batch_data(folder), secrets)


def write(path: Path, page: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
