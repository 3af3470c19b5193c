"""`patchsmith eval` and `patchsmith run` end to end, as a user runs them (subprocess, real git and pytest)."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from harness_helpers import GOLD, git, make_repo, make_scenario, task_row

ROOT = Path(__file__).resolve().parents[2]


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "patchsmith", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)


@pytest.fixture()
def dataset(tmp_path: Path) -> tuple[Path, Path, list[str]]:
    origin = tmp_path / "origin"
    base = make_repo(origin)
    repos = tmp_path / "repos"
    repos.mkdir()
    git(repos, "clone", "-q", "--mirror", str(origin), str(repos / "acme__calc"))
    rows = [task_row(base, "acme__calc-1"),
            task_row(base, "acme__calc-2"),
            task_row("0" * 40, "acme__calc-3")]  # a base commit the mirror lacks: a per-task error
    tasks = tmp_path / "tasks.jsonl"
    tasks.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return tasks, repos, [r["instance_id"] for r in rows]


def test_eval_gold_empty_preds_and_resume(tmp_path: Path, dataset: tuple[Path, Path, list[str]]) -> None:
    tasks, repos, ids = dataset
    common = ["--tasks", str(tasks), "--repos-dir", str(repos), "--no-clone", "--no-progress",
              "--cache-dir", str(tmp_path / "cache")]
    gold = cli("eval", "--gold", *common, "--workers", "2", "--output", str(tmp_path / "gold"), cwd=tmp_path)
    assert gold.returncode == 1 and "1 task(s) ended in an error" in gold.stderr, gold.stderr  # acme__calc-3
    report = json.loads((tmp_path / "gold" / "report.json").read_text())
    assert report["resolved_ids"] == ["acme__calc-1", "acme__calc-2"] and report["error_ids"] == ["acme__calc-3"]
    assert report["total_instances"] == report["submitted_instances"] == 3 and report["completed_instances"] == 2
    assert "is not in" in report["tasks"]["acme__calc-3"]["reason"]
    # --sandbox auto: bwrap (no network) where it works, else local.
    assert report["tasks"]["acme__calc-1"]["evaluation"]["sandbox"] in ("bwrap", "local+netns")
    for key in ("unresolved_instances", "empty_patch_instances", "error_instances", "schema_version"):
        assert key in report
    preds = [json.loads(line) for line in (tmp_path / "gold" / "preds.jsonl").read_text().splitlines()]
    assert {p["instance_id"] for p in preds} == set(ids) and preds[0]["model_patch"] == GOLD
    assert "resolved" in gold.stdout and "acme/calc" in gold.stdout  # the rich tables

    # Resume: finished results are kept as they are, a lost one is redone, nothing is duplicated.
    results = tmp_path / "gold" / "results"
    kept = (results / "acme__calc-1.json").stat().st_mtime_ns
    (results / "acme__calc-2.json").unlink()
    (results / ".acme__calc-2.json.123.tmp").write_text("{half")  # what a kill mid-write leaves
    again = cli("eval", "--gold", *common, "--output", str(tmp_path / "gold"), cwd=tmp_path)
    assert again.returncode == 1 and "kept 2 finished task(s)" in again.stderr, again.stderr
    assert (results / "acme__calc-1.json").stat().st_mtime_ns == kept
    report = json.loads((tmp_path / "gold" / "report.json").read_text())
    assert report["resolved_ids"] == ["acme__calc-1", "acme__calc-2"] and report["total_instances"] == 3

    empty = cli("eval", "--empty", *common, "--instances", "acme__calc-1", "--output", str(tmp_path / "empty"),
                cwd=tmp_path)
    assert empty.returncode == 0, empty.stderr
    report = json.loads((tmp_path / "empty" / "report.json").read_text())
    assert report["resolved_instances"] == 0 and report["empty_patch_ids"] == ["acme__calc-1"]

    (tmp_path / "preds.json").write_text(json.dumps({"acme__calc-1": {"model_patch": "not a diff",
                                                                      "model_name_or_path": "other"}}))
    scored = cli("eval", str(tmp_path / "preds.json"), *common, "--output", str(tmp_path / "other"), cwd=tmp_path)
    assert scored.returncode == 0, scored.stderr
    report = json.loads((tmp_path / "other" / "report.json").read_text())
    assert report["submitted_instances"] == 1 and report["patch_failed_ids"] == ["acme__calc-1"]
    assert "patch failed to apply" in report["tasks"]["acme__calc-1"]["reason"]


def test_eval_bad_input_is_one_line(tmp_path: Path, dataset: tuple[Path, Path, list[str]]) -> None:
    tasks, repos, _ = dataset
    (tmp_path / "p.jsonl").write_text(json.dumps({"instance_id": "nope", "model_patch": ""}) + "\n")
    # Each case starts the CLI anew; three cover the kinds (bad predictions, bad option, bad selection).
    for args, message in ((["eval", str(tmp_path / "p.jsonl"), "--tasks", str(tasks)], "none of its instance ids"),
                          (["eval", "--gold", "--tasks", str(tasks), "--workers", "0"], "--workers"),
                          (["run", str(tasks), "--instances", "zzz"], "unknown instance")):
        proc = cli(*args, cwd=tmp_path)
        assert proc.returncode == 2 and message in proc.stderr and "Traceback" not in proc.stderr, proc.stderr


needs_tools = pytest.mark.skipif(importlib.util.find_spec("patchsmith.tools.registry") is None,
                                 reason="the core tools (patchsmith.tools.registry) have not landed on this branch")


@needs_tools
def test_run_scripted_scenario_resolves(tmp_path: Path) -> None:
    origin = tmp_path / "origin"
    base = make_repo(origin)
    scen = tmp_path / "scenarios"
    task_dir = make_scenario(scen, origin, base, "calc-1")
    replies = [{"thought": "look", "tool": "str_replace_editor", "args": {"command": "view", "path": "pkg/calc.py"}},
               {"thought": "fix", "tool": "str_replace_editor",
                "args": {"command": "str_replace", "path": "pkg/calc.py", "old_str": "a - b", "new_str": "a + b"}},
               {"thought": "done", "tool": "submit", "args": {}}]
    (task_dir / "replies.jsonl").write_text("".join(json.dumps(r) + "\n" for r in replies))
    proc = cli("run", str(scen), "--model", "scripted", "--no-progress", "--output", str(tmp_path / "out"),
               "--cache-dir", str(tmp_path / "cache"), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    row = report["tasks"]["calc-1"]
    assert report["resolved_ids"] == ["calc-1"], row
    assert row["agent"]["progress"]["opened"] == {"pkg/calc.py": 0}
    assert row["agent"]["progress"]["edited"] == {"pkg/calc.py": 1}
    pred = json.loads((tmp_path / "out" / "preds.jsonl").read_text())
    assert "+    return a + b" in pred["model_patch"]
