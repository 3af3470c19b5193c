"""Harness overhead per task, and the speed-up from 1 to 2 workers.

    python benchmarks/bench_harness.py [--tasks scenarios/] [--copies 8]

Scores every task's gold patch with `Harness.process` (the path `patchsmith eval --gold` takes) once the
environment is cached, and splits each task's time into the tests' own run (`tests_s`) and the harness's
overhead (everything else: finding the source, the cached environment, the workspace checkout, applying
the prediction and test_patch, deselection, parsing, grading, cleanup).

References measured in the same run: a bare `git clone --shared` + checkout + two `git apply` of the same
patches by hand (the least any harness must do), and the 1-worker wall time for the speed-up.
Targets: overhead under 0.5 s a task and within 3x of the bare git reference; 2 workers at least 1.3x faster
than 1 (the tests dominate and run in parallel).

With no scenarios folder (the scenarios branch not merged yet) it builds its own tiny tasks: one repository,
`--copies` tasks that each fix one function, each with its own FAIL_TO_PASS and PASS_TO_PASS tests.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from patchsmith.harness.pipeline import Harness  # noqa: E402
from patchsmith.harness.repos import checkout, find_source  # noqa: E402
from patchsmith.harness.tasks import Task, load_tasks  # noqa: E402


def _git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, text=True).stdout


def build_tasks(folder: Path, copies: int) -> list[Task]:
    """One repository with `copies` broken functions, and one task per function."""
    repo = folder / "origin"
    (repo / "lib").mkdir(parents=True)
    (repo / "tests").mkdir()
    _git(repo, "init", "-q")
    _git(repo, "config", "user.email", "b@example.invalid")
    _git(repo, "config", "user.name", "bench")
    (repo / "lib" / "__init__.py").write_text("")
    for i in range(copies):
        (repo / "lib" / f"m{i}.py").write_text(f"def f(x):\n    return x - {i}\n\n\ndef g(x):\n    return x * 2\n")
        (repo / "tests" / f"test_m{i}.py").write_text(f"from lib.m{i} import g\n\n\ndef test_g():\n    assert g(2) == 4\n")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "base")
    base = _git(repo, "rev-parse", "HEAD").strip()
    repos = folder / "repos"
    repos.mkdir()
    _git(repos, "clone", "-q", "--mirror", str(repo), str(repos / "bench__lib"))
    tasks = []
    for i in range(copies):
        gold = (f"diff --git a/lib/m{i}.py b/lib/m{i}.py\n--- a/lib/m{i}.py\n+++ b/lib/m{i}.py\n@@ -1,3 +1,3 @@\n"
                f" def f(x):\n-    return x - {i}\n+    return x + {i}\n \n")
        test_patch = (f"diff --git a/tests/test_m{i}.py b/tests/test_m{i}.py\n--- a/tests/test_m{i}.py\n"
                      f"+++ b/tests/test_m{i}.py\n@@ -1,5 +1,9 @@\n-from lib.m{i} import g\n+from lib.m{i} import f, g\n"
                      " \n \n def test_g():\n     assert g(2) == 4\n+\n+\n+def test_f():\n"
                      f"+    assert f(1) == {1 + i}\n")
        tasks.append(Task(instance_id=f"bench__lib-{i}", repo="bench/lib", base_commit=base, patch=gold,
                          test_patch=test_patch, fail_to_pass=[f"tests/test_m{i}.py::test_f"] if i else [],
                          pass_to_pass=[f"tests/test_m{i}.py::test_g"], version="1.0"))
    return tasks


def bare_reference(tasks: list[Task], harness: Harness, scratch: Path) -> list[float]:
    """The least work: clone --shared, checkout, apply the patch and the test patch with git."""
    times = []
    for task in tasks:
        source = find_source(task, harness.repos_dir, harness.cache_dir, allow_clone=False)
        start = time.perf_counter()
        ws = checkout(source, task.base_commit, scratch / "bare")
        for patch in (task.patch, task.test_patch):
            subprocess.run(["git", "apply", "-"], cwd=ws, input=patch.encode(), check=True, capture_output=True)
        shutil.rmtree(ws)
        times.append(time.perf_counter() - start)
    return times


def run_all(tasks: list[Task], harness: Harness, out: Path, workers: int) -> tuple[float, list[dict]]:
    from concurrent.futures import ThreadPoolExecutor

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(lambda t: harness.process(t, out / t.instance_id, patch=t.patch), tasks))
    return time.perf_counter() - start, results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=Path, default=ROOT / "scenarios", help="scenarios folder or dataset file")
    parser.add_argument("--copies", type=int, default=8, help="built-in tasks when there is no scenarios folder")
    args = parser.parse_args()
    console = Console()
    with tempfile.TemporaryDirectory(prefix="bench-harness-") as tmp:
        scratch = Path(tmp)
        has_scenarios = args.tasks.exists() and (args.tasks.is_file() or any(args.tasks.glob("*/task.json")))
        if has_scenarios:
            tasks, repos_dir, origin = load_tasks(args.tasks), None, f"{args.tasks}"
        else:
            tasks, repos_dir = build_tasks(scratch, args.copies), scratch / "repos"
            origin = f"{len(tasks)} built-in tiny tasks (no scenarios folder at {args.tasks})"
        harness = Harness(repos_dir=repos_dir, cache_dir=scratch / "cache", allow_clone=False, timeout=300)
        console.print(f"tasks: {origin}")
        # Warm-up: build every environment once; the benchmark measures runs on cached environments.
        run_all(tasks, harness, scratch / "warm", 2)
        one_wall, one = run_all(tasks, harness, scratch / "w1", 1)
        two_wall, two = run_all(tasks, harness, scratch / "w2", 2)
        bare = bare_reference(tasks, harness, scratch)
    failures = [r for r in one + two if not r["resolved"]]
    overhead = [r["timing"]["total_s"] - r["timing"].get("tests_s", 0.0) for r in one]
    tests = [r["timing"].get("tests_s", 0.0) for r in one]
    evals = [(r["evaluation"] or {}).get("timing", {}) for r in one]
    table = Table(title=f"harness overhead per task ({len(tasks)} tasks, gold patches, cached environments)")
    table.add_column("measure")
    table.add_column("median", justify="right")
    table.add_column("max", justify="right")
    table.add_column("vs reference", justify="right")
    ref = statistics.median(bare)

    def row(name: str, values: list[float], ratio: str = "") -> None:
        table.add_row(name, f"{statistics.median(values) * 1000:.0f} ms", f"{max(values) * 1000:.0f} ms", ratio)

    row("harness overhead (total - tests)", overhead, f"{statistics.median(overhead) / ref:.2f}x bare git")
    row("  workspace checkout + env lookup", [r["timing"].get("checkout_s", 0) + r["timing"].get("env_s", 0) for r in one])
    row("  apply prediction + test_patch", [e.get("apply_s", 0.0) for e in evals])
    row("  parse + grade", [e.get("parse_s", 0.0) for e in evals])
    row("reference: bare clone + 2x git apply", bare, "1.00x")
    row("the tests' own run (excluded)", tests, f"{statistics.median(tests) / statistics.median(overhead):.1f}x overhead")
    console.print(table)
    speed = Table(title="workers")
    for col in ("workers", "wall time", "speed-up"):
        speed.add_column(col, justify="right")
    speed.add_row("1", f"{one_wall:.2f} s", "1.00x (reference)")
    speed.add_row("2", f"{two_wall:.2f} s", f"{one_wall / two_wall:.2f}x")
    console.print(speed)
    if failures:
        console.print(f"[red]{len(failures)} gold runs did not resolve: "
                      f"{json.dumps([(r['instance_id'], r['reason']) for r in failures])[:500]}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
