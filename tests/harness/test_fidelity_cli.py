"""What `eval` and `run` tell the user and write, end to end (subprocess, real git and pytest): the official
per-instance report, the exit code, one line of reason per task that is not resolved, resume checks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from harness_helpers import GOLD, REGRESSION, git, make_repo, task_row

ROOT = Path(__file__).resolve().parents[2]


def cli(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    full = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run([sys.executable, "-m", "patchsmith", *args], cwd=cwd, env=full, capture_output=True,
                          text=True, timeout=600)


def set_up(output: Path) -> list[Path]:
    """What a run set up in its output folder: task folders, results."""
    return [p for sub in ("tasks", "results") if (output / sub).is_dir() for p in (output / sub).iterdir()]


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    tmp = tmp_path_factory.mktemp("data")
    base = make_repo(tmp / "origin")
    repos = tmp / "repos"
    repos.mkdir()
    git(repos, "clone", "-q", "--mirror", str(tmp / "origin"), str(repos / "acme__calc"))
    rows = [task_row(base, f"acme__calc-{i}") for i in (1, 2, 3)] + [task_row("0" * 40, "acme__calc-4")]
    tasks = tmp / "tasks.jsonl"
    tasks.write_text("".join(json.dumps(r) + "\n" for r in rows))
    common = ["--tasks", str(tasks), "--repos-dir", str(repos), "--no-clone", "--no-progress",
              "--cache-dir", str(tmp / "cache")]
    return tmp, common


def test_official_reports_exit_code_and_reasons(tmp_path: Path, dataset) -> None:
    tmp, common = dataset
    preds = {"acme__calc-1": GOLD, "acme__calc-2": REGRESSION, "acme__calc-3": "not a diff\n", "acme__calc-4": GOLD}
    (tmp_path / "preds.jsonl").write_text("".join(json.dumps({"instance_id": k, "model_patch": v,
                                                              "model_name_or_path": "m"}) + "\n"
                                                  for k, v in preds.items()))
    out = tmp_path / "out"
    proc = cli("eval", str(tmp_path / "preds.jsonl"), *common, "--output", str(out), cwd=tmp_path)
    # calc-4's base commit is missing (as a clone that failed offline): the run says so and exits non-zero.
    assert proc.returncode == 1, proc.stderr
    said = proc.stdout + proc.stderr
    assert "acme__calc-2: unresolved: 2 of 3 PASS_TO_PASS fail: test_words[a, test_words[c]" in said, said
    assert "acme__calc-3: patch did not apply" in said and "acme__calc-4: error" in said
    assert "1 task(s) ended in an error" in said

    official = json.loads((out / "tasks" / "acme__calc-1" / "report.json").read_text())
    assert official == {"acme__calc-1": {
        "patch_is_None": False, "patch_exists": True, "patch_successfully_applied": True, "resolved": True,
        "tests_status": {
            "FAIL_TO_PASS": {"success": ["tests/test_calc.py::test_add"], "failure": []},
            "PASS_TO_PASS": {"success": ["tests/test_calc.py::test_mul", "tests/test_calc.py::test_words[a",
                                         "tests/test_calc.py::test_words[c]"], "failure": []},
            "FAIL_TO_FAIL": {"success": [], "failure": []}, "PASS_TO_FAIL": {"success": [], "failure": []}}}}
    unresolved = json.loads((out / "tasks" / "acme__calc-2" / "report.json").read_text())["acme__calc-2"]
    assert not unresolved["resolved"] and unresolved["tests_status"]["PASS_TO_PASS"]["failure"] == [
        "tests/test_calc.py::test_words[a", "tests/test_calc.py::test_words[c]"]
    # As the official run_evaluation: a patch that does not apply leaves no report and counts as an error.
    assert not (out / "tasks" / "acme__calc-3" / "report.json").exists()
    summary = json.loads((out / "report.json").read_text())
    assert summary["completed_ids"] == ["acme__calc-1", "acme__calc-2"]
    assert summary["unresolved_ids"] == ["acme__calc-2"]
    assert summary["error_ids"] == ["acme__calc-3", "acme__calc-4"]
    assert summary["patch_failed_ids"] == ["acme__calc-3"]


def test_run_without_an_endpoint_fails_before_any_task(tmp_path: Path, dataset) -> None:
    tmp, common = dataset
    tasks = common[1]
    env = {"OPENAI_API_KEY": "", "OPENAI_BASE_URL": ""}
    proc = cli("run", tasks, *common[2:], "--model", "gpt-4o-mini", "--output", str(tmp_path / "out"), cwd=tmp_path,
               env=env)
    assert proc.returncode == 2 and "no endpoint configured" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr and not set_up(tmp_path / "out")


def test_a_repository_that_cannot_be_had_fails_before_any_task(tmp_path: Path) -> None:
    """Offline, a clone fails: say so once, before setting up anything, instead of N errors and exit 0."""
    rows = [task_row("a" * 40, "far__away-1", repo=f"file://{tmp_path}/no-such-repo"),
            task_row("a" * 40, "local__only-1", repo="local/only")]
    (tmp_path / "tasks.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (tmp_path / "repos").mkdir()
    base = ["eval", "--gold", "--tasks", str(tmp_path / "tasks.jsonl"), "--no-progress", "--cache-dir",
            str(tmp_path / "cache"), "--output", str(tmp_path / "out")]
    cloned = cli(*base, "--instances", "far__away-1", cwd=tmp_path)
    assert cloned.returncode == 2 and "cannot be cloned" in cloned.stderr and "no-such-repo" in cloned.stderr, \
        cloned.stderr
    assert not set_up(tmp_path / "out")
    offline = cli(*base, "--instances", "local__only-1", "--no-clone", "--repos-dir", str(tmp_path / "repos"),
                  cwd=tmp_path)
    assert offline.returncode == 2 and "no local copy of local/only" in offline.stderr, offline.stderr
    assert not set_up(tmp_path / "out")


def test_resume_says_what_it_kept_and_refuses_a_different_run(tmp_path: Path, dataset) -> None:
    tmp, common = dataset
    out = ["--output", str(tmp_path / "out"), "--instances", "acme__calc-1"]

    def preds(name: str, patch: str) -> str:
        path = tmp_path / f"{name}-{len(patch)}.jsonl"
        path.write_text(json.dumps({"instance_id": "acme__calc-1", "model_patch": patch, "model_name_or_path": name}))
        return str(path)

    first = cli("eval", preds("m", GOLD), *common, *out, "--sandbox", "local", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    again = cli("eval", preds("m", GOLD), *common, *out, "--sandbox", "local", cwd=tmp_path)
    assert again.returncode == 0 and "kept 1 finished task(s) (1 resolved, 0 errors)" in again.stderr, again.stderr
    assert "0 to run" in again.stderr
    other = cli("eval", preds("other-model", GOLD), *common, *out, "--sandbox", "local", cwd=tmp_path)
    assert other.returncode == 2 and "model" in other.stderr and "--resume-anyway" in other.stderr, other.stderr
    sandbox = cli("eval", preds("m", GOLD), *common, *out, "--sandbox", "bwrap", cwd=tmp_path)
    assert sandbox.returncode == 2 and "sandbox" in sandbox.stderr, sandbox.stderr
    changed = cli("eval", preds("m", REGRESSION), *common, *out, "--sandbox", "local", cwd=tmp_path)
    assert changed.returncode == 2 and "acme__calc-1" in changed.stderr and "differ" in changed.stderr, changed.stderr
    forced = cli("eval", preds("other-model", GOLD), *common, *out, "--sandbox", "local", "--resume-anyway",
                 cwd=tmp_path)
    assert forced.returncode == 0 and "kept 1 finished" in forced.stderr, forced.stderr
