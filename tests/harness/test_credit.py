"""The decisive step on real scenario runs: the step `credit` names is the first whose workspace passes
(FAIL_TO_PASS fixed, PASS_TO_PASS kept), checked by scoring every step's workspace with the same evaluator;
the search logic itself."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from patchsmith.agent.trajectory import Step, read_trajectory
from patchsmith.harness.credit import Probe, change_points, credit_run, harness_probe
from patchsmith.harness.pipeline import Harness
from patchsmith.harness.tasks import load_tasks, select

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"
PICKED = ["patchsmith__intervals-2", "patchsmith__pagekit-1"]  # both have a wrong first attempt


def patchsmith(*args: str, tmp: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PATCHSMITH_DATA_DIR": str(tmp / "data"),
           "PATCHSMITH_CACHE_DIR": str(tmp / "cache")}
    return subprocess.run([sys.executable, "-m", "patchsmith", *args], capture_output=True, text=True, env=env,
                          timeout=900)


def _every_step(tmp: Path, instance_id: str, steps: list[Step]) -> list[Probe]:
    task = select(load_tasks(SCENARIOS), [instance_id])[0]
    probe = harness_probe(Harness(cache_dir=tmp / "cache"), task, tmp / "brute" / instance_id)
    patches, last = [], ""
    for step in steps:
        last = step.diff if step.diff is not None else last
        patches.append(last)
    return [probe(i, patch) for i, patch in enumerate(patches)]


def test_run_credit_names_the_first_passing_step(tmp_path: Path) -> None:
    out = tmp_path / "run"
    proc = patchsmith("run", str(SCENARIOS), "--instances", *PICKED, "--model", "scripted", "--credit",
                      "--output", str(out), tmp=tmp_path)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    report = json.loads((out / "report.json").read_text())
    assert report["credit"]["tasks"] == 2 and report["credit"]["decisive_found"] == 2
    for instance_id in PICKED:
        credit = report["tasks"][instance_id]["credit"]
        steps = read_trajectory(out / "tasks" / instance_id / "agent" / "trajectory.jsonl").steps
        every = _every_step(tmp_path, instance_id, steps)
        first = next(p.step for p in every if p.passes)
        assert credit["kind"] == "first_passing"
        assert credit["step"] == first, (instance_id, [(p.step, p.fail_to_pass_failing) for p in every])
        assert all(not p.passes for p in every[:first])
        changes = len(change_points(steps))
        assert credit["evaluations"] <= math.ceil(math.log2(changes)) + 1 < len(steps)
        assert json.loads((out / "tasks" / instance_id / "credit.json").read_text())["step"] == first


def test_unresolved_run_names_the_step_with_fewest_failing(tmp_path: Path) -> None:
    out = tmp_path / "run"
    proc = patchsmith("run", str(SCENARIOS), "--instances", "patchsmith__pagekit-1", "--model", "scripted",
                      "--max-steps", "5", "--output", str(out), tmp=tmp_path)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    report = json.loads((out / "report.json").read_text())
    assert report["resolved_ids"] == []
    proc = patchsmith("credit", str(out), "--tasks", str(SCENARIOS), tmp=tmp_path)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    credit = json.loads((out / "report.json").read_text())["tasks"]["patchsmith__pagekit-1"]["credit"]
    steps = read_trajectory(out / "tasks" / "patchsmith__pagekit-1" / "agent" / "trajectory.jsonl").steps
    every = [p for p in _every_step(tmp_path, "patchsmith__pagekit-1", steps) if p.status != "error"]
    fewest = min((p.fail_to_pass_failing, p.pass_to_pass_failing) for p in every)
    assert credit["kind"] == "fewest_failing"
    assert credit["step"] == next(p.step for p in every if (p.fail_to_pass_failing, p.pass_to_pass_failing) == fewest)


def test_credit_finds_every_attempt_of_a_strategy(tmp_path: Path) -> None:
    """best-of-2 keeps its attempts under agent/attempts/N: each gets its decisive step (the first passing, as
    scoring every step says), the task's credit lists them, and the inspector reads an attempt's own."""
    from patchsmith.tui.model import find_credit

    out, instance_id = tmp_path / "run", "patchsmith__intervals-2"
    proc = patchsmith("run", str(SCENARIOS), "--instances", instance_id, "--model", "scripted", "--strategy",
                      "best-of-2", "--credit", "--output", str(out), tmp=tmp_path)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    task_dir = out / "tasks" / instance_id
    credit = json.loads((out / "report.json").read_text())["tasks"][instance_id]["credit"]
    assert [(a["number"], a["chosen"]) for a in credit["attempts"]] == [(1, True), (2, False)]
    for attempt in credit["attempts"]:
        path = task_dir / "agent" / "attempts" / str(attempt["number"]) / "trajectory.jsonl"
        every = _every_step(tmp_path, instance_id, read_trajectory(path).steps)
        first = next(p.step for p in every if p.passes)
        assert attempt["kind"] == "first_passing" and attempt["step"] == first
        assert json.loads((path.parent / "credit.json").read_text())["step"] == first
        assert find_credit(path) == (first, "first_passing")
    assert credit["step"] == credit["attempts"][0]["step"]  # the task's run is the chosen attempt


def test_credit_errors_are_one_line(tmp_path: Path) -> None:
    proc = patchsmith("credit", str(tmp_path), "--tasks", str(SCENARIOS), tmp=tmp_path)
    assert proc.returncode == 2 and "no report.json" in proc.stderr and "Traceback" not in proc.stderr


def _steps(diffs: list[str | None]) -> list[Step]:
    return [Step(index=i, diff=d) for i, d in enumerate(diffs)]


@pytest.mark.parametrize("n, k", [(1, 0), (2, 1), (7, 3), (64, 40), (1000, 999), (1000, 0)])
def test_bisection_finds_the_first_passing_change_in_log_evaluations(n: int, k: int) -> None:
    diffs = [f"patch {i}" for i in range(n)]
    calls: list[int] = []

    def probe(step: int, patch: str) -> Probe:  # the workspace passes from change k on
        calls.append(step)
        ok = int(patch.split()[1]) >= k
        return Probe(step, 0 if ok else 2, 2, 0, "resolved" if ok else "unresolved")

    credit = credit_run("t", _steps(diffs), True, probe)
    assert credit.step == k
    assert credit.evaluations == len(calls) <= max(1, math.ceil(math.log2(n)))
    assert credit.after == n - 1 - k


def test_unchanged_steps_are_not_candidates_and_no_change_is_said() -> None:
    steps = _steps([None, "a", None, "a", "b", None])
    assert change_points(steps) == [(1, "a"), (4, "b")]
    credit = credit_run("t", _steps([None, None]), True, lambda s, p: Probe(s, 0, 1, 0, "resolved"))
    assert credit.step is None and credit.kind == "none" and credit.evaluations == 0
