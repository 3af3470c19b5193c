"""The README's main job: every offline scenario is resolved by the real loop with its scripted replies,
and the harness self-check holds (gold resolves everything, empty nothing)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
TASKS = sorted(p.name for p in SCENARIOS.iterdir() if (p / "task.json").exists())


def patchsmith(*args: str, tmp: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PATCHSMITH_DATA_DIR": str(tmp / "data"), "PATCHSMITH_CACHE_DIR": str(tmp / "cache")}
    return subprocess.run([sys.executable, "-m", "patchsmith", *args], capture_output=True, text=True, env=env,
                          timeout=900)


def test_there_are_enough_scenarios():
    assert len(TASKS) >= 8
    languages = {json.loads((SCENARIOS / t / "task.json").read_text()).get("language") for t in TASKS}
    assert {"python", "javascript"} <= languages


def test_scripted_run_resolves_every_scenario(tmp_path):
    proc = patchsmith("run", str(SCENARIOS), "--model", "scripted", "--workers", "2", "--output",
                      str(tmp_path / "run"), tmp=tmp_path)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    report = json.loads((tmp_path / "run" / "report.json").read_text())
    assert report["total_instances"] == len(TASKS)
    assert sorted(report["resolved_ids"]) == TASKS, report.get("unresolved_ids")
    assert report["error_instances"] == 0
    preds = [json.loads(x) for x in (tmp_path / "run" / "preds.jsonl").read_text().splitlines()]
    assert sorted(p["instance_id"] for p in preds) == TASKS and all(p["model_patch"].strip() for p in preds)
    # Each run left a complete trajectory that ends with a submit.
    trajectories = list((tmp_path / "run").rglob("trajectory.jsonl"))
    assert len(trajectories) == len(TASKS)
    for path in trajectories:
        last = json.loads(path.read_text().splitlines()[-1])
        assert last["type"] == "result" and last["exit_reason"] == "submitted", path


@pytest.mark.parametrize("flag, resolved", [("--gold", len(TASKS)), ("--empty", 0)])
def test_gold_resolves_and_empty_does_not(flag, resolved, tmp_path):
    proc = patchsmith("eval", flag, "--tasks", str(SCENARIOS), "--workers", "2", "--output", str(tmp_path / "e"),
                      tmp=tmp_path)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    report = json.loads((tmp_path / "e" / "report.json").read_text())
    assert report["resolved_instances"] == resolved and report["error_instances"] == 0


@pytest.mark.docker
def test_scripted_run_in_docker_evaluates_in_docker(tmp_path):
    """A task runs and is scored in the backend it asked for: here one container per task."""
    from patchsmith.tools.sandbox import backend_status

    if (reason := backend_status("docker")) is not None:
        if os.environ.get("PATCHSMITH_CI"):
            pytest.fail(f"docker must work in CI: {reason}")
        pytest.skip(f"docker unavailable here: {reason}")
    picked = ["patchsmith__intervals-2", "patchsmith__pagekit-1"]  # Python (two files) and JavaScript
    proc = patchsmith("run", str(SCENARIOS), "--instances", *picked, "--model", "scripted", "--sandbox", "docker",
                      "--output", str(tmp_path / "run"), tmp=tmp_path)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    report = json.loads((tmp_path / "run" / "report.json").read_text())
    assert sorted(report["resolved_ids"]) == picked
    assert {report["tasks"][i]["evaluation"]["sandbox"] for i in picked} == {"docker"}
    # Each in its environment's image (Python: a venv in it; JavaScript: node copied in), none mounted.
    assert all(report["tasks"][i]["env"]["image"].startswith("patchsmith/env:") for i in picked)


def test_relative_paths_as_the_readme_writes_them(tmp_path):
    """`patchsmith run scenarios/ --output runs/x` from the folder the user is in: every path is relative."""
    env = {**os.environ, "PATCHSMITH_DATA_DIR": str(tmp_path / "data"), "PATCHSMITH_CACHE_DIR": str(tmp_path / "c")}
    (tmp_path / "scenarios").symlink_to(SCENARIOS)
    proc = subprocess.run([sys.executable, "-m", "patchsmith", "run", "scenarios/", "--instances", "patchsmith__textkit-1",
                           "--model", "scripted", "--output", "runs/x"], cwd=tmp_path, capture_output=True, text=True,
                          env=env, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    report = json.loads((tmp_path / "runs" / "x" / "report.json").read_text())
    assert report["resolved_ids"] == ["patchsmith__textkit-1"] and report["error_instances"] == 0


def test_ambiguous_scenario_with_and_without_clarification(tmp_path):
    """The standard run offers no one to ask: the agent decides and marks it unsure. `--clarify hints`
    runs the replies that ask; the answer comes from hints_text and the report keeps that run apart."""
    task = "patchsmith__textkit-3"
    figures = {}
    for setting in ("ask", "hints"):
        out = tmp_path / setting
        proc = patchsmith("run", str(SCENARIOS), "--instances", task, "--model", "scripted", "--clarify", setting,
                          "--output", str(out), "--no-progress", tmp=tmp_path)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        figures[setting] = json.loads((out / "report.json").read_text())
    standard, clarified = figures["ask"], figures["hints"]
    assert standard["resolved_ids"] == [task] == clarified["resolved_ids"]
    assert standard["clarification"] is None  # nothing to keep apart: no question could be asked
    agent = standard["tasks"][task]["agent"]
    assert agent["clarification"]["questions"] == 0 and agent["confidence"] == 0.6 and agent["unsure"]
    summary = clarified["clarification"]
    assert summary["setting"] == "hints" and summary["questions"] == 1 and summary["answered"] == 1
    assert summary["resolved_when_answered"] == 1
    assert clarified["tasks"][task]["agent"]["confidence"] == 0.9
