"""The scenarios through the local pool (2 workers) and the Ray executor (2 nodes x 1 CPU): overhead per task.

    python benchmarks/bench_ray_scenarios.py [--tasks scenarios/]

Starts a two-node Ray cluster on loopback only (a network namespace made for the run) whose nodes share one
environment cache with the driver, warms that cache with one local run, then runs `patchsmith run TASKS
--model scripted` once with `--executor local --workers 2` (the reference) and once with `--executor ray`,
each into a fresh output folder. The Ray run's extra time per task is what shipping the task (bundle, replies),
a worker's first harness and the files coming back cost. Target: under 1 s a task, small against a real
task's minutes.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from raycluster import LoopbackCluster, run_args  # noqa: E402


def timed_run(cluster: LoopbackCluster, tasks: Path, output: Path, env: dict, *more: str) -> dict:
    command = run_args(tasks, output, *more)
    start = time.monotonic()
    out = cluster.run(*command, env=env, cwd=ROOT, timeout=3600, check=False)
    wall = time.monotonic() - start
    if out.returncode not in (0, 1):
        raise SystemExit(f"patchsmith run {' '.join(more)} failed: {out.stderr[-3000:]}")
    rows = [json.loads(p.read_text()) for p in (output / "results").glob("*.json")]
    return {
        "wall": wall,
        "tasks": len(rows),
        "resolved": sum(bool(r.get("resolved")) for r in rows),
        "task_s": statistics.median((r.get("timing") or {}).get("total_s", 0.0) for r in rows),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=Path, default=ROOT / "scenarios")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-ray-") as tmp:
        cache = Path(tmp) / "cache"
        env = {"PATCHSMITH_CACHE_DIR": str(cache)}
        with LoopbackCluster(cache=cache) as cluster:
            timed_run(cluster, args.tasks, Path(tmp) / "warm", env, "--workers", "2")
            local = timed_run(cluster, args.tasks, Path(tmp) / "local", env, "--workers", "2")
            ray = timed_run(
                cluster,
                args.tasks,
                Path(tmp) / "ray",
                env,
                "--executor",
                "ray",
                "--ray-address",
                cluster.address,
                "-c",
                "ray_memory_mb=64",
            )
    show(local, ray)


def show(local: dict, ray: dict) -> None:
    count = local["tasks"]
    table = Table(title=f"{count} scenarios, --model scripted, cached environments, 2 task slots each")
    for column in (
        "executor",
        "resolved",
        "wall",
        "wall x 2 slots / task",
        "vs local",
        "median task (worker)",
    ):
        table.add_column(column, justify="right")
    for name, row in (("local, 2 workers (reference)", local), ("ray, 2 nodes x 1 CPU", ray)):
        table.add_row(
            name,
            f"{row['resolved']}/{row['tasks']}",
            f"{row['wall']:.1f} s",
            f"{row['wall'] * 2 / count:.2f} s",
            f"{row['wall'] / local['wall']:.2f}x",
            f"{row['task_s']:.2f} s",
        )
    Console().print(table)
    extra = (ray["wall"] - local["wall"]) * 2 / count
    Console().print(
        f"Ray's overhead per task: {extra:.2f} s of a task slot (includes the driver's and the "
        "workers' start, over this small batch)"
    )


if __name__ == "__main__":
    main()
