"""The harness never loses or mixes results: collision-free result files, an unwritable output folder refused
before any task runs, predictions that match no task (or repeat one) reported with counts."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from harness_helpers import git, make_repo, task_row

from patchsmith.harness.batch import result_path, run_batch, safe_name
from patchsmith.harness.tasks import Task

ROOT = Path(__file__).resolve().parents[2]
CLASHING = ["x/1", "x_1", "x:1", "x 1", "X_1", "../x_1", "a" * 300, "a" * 299 + "b"]


def cli(*args: str, cwd: Path, wrap: list[str] | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([*(wrap or []), sys.executable, "-m", "patchsmith", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def test_ids_that_look_alike_keep_their_own_results_and_folders(tmp_path: Path) -> None:
    tasks = [Task(instance_id=i, repo="acme/calc", base_commit="0" * 40) for i in CLASHING]
    folders: dict[str, Path] = {}

    def job(task: Task, task_dir: Path) -> dict:
        folders[task.instance_id] = task_dir
        return {"instance_id": task.instance_id, "status": "resolved", "resolved": True, "who": task.instance_id}

    results = run_batch(tasks, job, tmp_path, workers=2, show_progress=False)
    assert {k: v["who"] for k, v in results.items()} == {i: i for i in CLASHING}
    files = list((tmp_path / "results").glob("*.json"))
    assert len(files) == len(CLASHING)
    assert len(set(folders.values())) == len(CLASHING)
    for path in [*files, *folders.values()]:  # all inside the output folder, names the filesystem takes
        assert path.resolve().parent.parent == tmp_path.resolve() and len(path.name) < 200
    assert "x_1" == safe_name("x_1") and result_path(tmp_path, "x_1").name == "x_1.json"  # plain ids as before
    # A rerun resumes: nothing runs again, and each id still has its own result (no flip).
    folders.clear()
    again = run_batch(tasks, job, tmp_path, workers=2, show_progress=False)
    assert not folders and {k: v["who"] for k, v in again.items()} == {i: i for i in CLASHING}


@pytest.fixture()
def tasks_file(tmp_path: Path) -> Path:
    rows = [task_row("0" * 40, "acme__calc-1"), task_row("0" * 40, "acme__calc-2")]
    path = tmp_path / "tasks.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def read_only(*paths: Path) -> list[str]:
    """Run under bubblewrap with these folders bound read-only: as root (CI) chmod alone does not stop writes."""
    if shutil.which("bwrap") is None:
        pytest.skip("bwrap is needed to make a folder read-only for root")
    args = ["bwrap", "--dev-bind", "/", "/"]
    for path in paths:
        args += ["--ro-bind", str(path), str(path)]
    return args


@pytest.mark.parametrize("command", ["eval", "run"])
def test_unwritable_output_is_refused_before_any_task(tmp_path: Path, tasks_file: Path, command: str) -> None:
    existing = tmp_path / "existing"
    existing.mkdir()
    parent = tmp_path / "locked"
    parent.mkdir()
    (tmp_path / "replies.jsonl").write_text(json.dumps({"tool": "submit", "args": {}}) + "\n")
    argv = ["eval", "--gold", "--tasks", str(tasks_file)] if command == "eval" else \
        ["run", str(tasks_file), "--model", f"scripted:{tmp_path / 'replies.jsonl'}"]
    for output in (existing, parent / "new"):
        proc = cli(*argv, "--no-clone", "--no-progress", "--cache-dir", str(tmp_path / "cache"), "--output",
                   str(output), cwd=tmp_path, wrap=read_only(existing, parent))
        assert proc.returncode == 2, proc.stderr
        assert "cannot write" in proc.stderr and str(output) in proc.stderr and "Traceback" not in proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
        assert "scoring" not in proc.stderr and "running" not in proc.stderr  # no task was started


def test_predictions_that_match_no_task_or_repeat_are_reported(tmp_path: Path, tasks_file: Path) -> None:
    rows = [{"instance_id": "acme__calc-1", "model_patch": "old"}, {"instance_id": "acme__calc-1", "model_patch": ""},
            {"instance_id": "nope-1", "model_patch": ""}, {"instance_id": "nope-2", "model_patch": ""},
            {"instance_id": "nope-2", "model_patch": ""}]
    (tmp_path / "p.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    make_repo(tmp_path / "origin")  # a mirror of acme/calc, without the tasks' base commit: a per-task error
    git(tmp_path, "clone", "-q", "--mirror", str(tmp_path / "origin"), str(tmp_path / "repos" / "acme__calc"))
    proc = cli("eval", str(tmp_path / "p.jsonl"), "--tasks", str(tasks_file), "--no-clone", "--no-progress",
               "--repos-dir", str(tmp_path / "repos"), "--cache-dir", str(tmp_path / "cache"), "--output",
               str(tmp_path / "out"), cwd=tmp_path)
    assert proc.returncode == 1 and "1 task(s) ended in an error" in proc.stderr, proc.stderr
    warning = " ".join(proc.stderr.split())
    assert "2 prediction(s) for instance ids not in" in warning and "nope-1" in warning, warning
    assert "2 instance id(s) appear more than once" in warning and "the last one is scored" in warning, warning
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["submitted_instances"] == 1


@pytest.mark.parametrize("text", ["", "\n\n", "[]", "{}"])
def test_an_empty_predictions_file_has_its_own_message(tmp_path: Path, tasks_file: Path, text: str) -> None:
    (tmp_path / "p.jsonl").write_text(text)
    proc = cli("eval", str(tmp_path / "p.jsonl"), "--tasks", str(tasks_file), cwd=tmp_path)
    assert proc.returncode == 2 and "holds no predictions" in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
