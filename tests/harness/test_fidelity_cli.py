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
