"""best-of-3 through the local pool, and through Ray with and without each attempt a Ray task of its own.

    python benchmarks/bench_ray_attempts.py [--instances ID ...] [--strategy best-of-3]

Starts a two-node Ray cluster on loopback only (2 nodes x 1 CPU, one environment cache shared with the
driver, warmed by one local run), then runs `patchsmith run scenarios/ --model scripted --strategy
best-of-3` over the scenarios with scripted best-of-3 replies three ways, each into a fresh output folder:
`--executor local --workers 2` (the reference), `--executor ray` (each attempt its own Ray task) and
`--executor ray --no-ray-attempts` (attempts in threads inside their task's Ray task). What the attempts'
tasks cost over keeping them together is shipping the task again, a checkout and the environment per
attempt, and the attempt folders coming back; what they buy is N attempts spread over the cluster's CPUs
instead of one task slot.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_ray_scenarios import timed_run  # noqa: E402
from raycluster import LoopbackCluster  # noqa: E402

WITH_REPLIES = ["patchsmith__confparse-1", "patchsmith__textkit-1", "patchsmith__tinyqs-1"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", nargs="+", default=WITH_REPLIES)
    parser.add_argument("--strategy", default="best-of-3")
    args = parser.parse_args()
    tasks = ROOT / "scenarios"
    common = ["--strategy", args.strategy, "--instances", *args.instances]
    with tempfile.TemporaryDirectory(prefix="bench-ray-attempts-") as tmp:
        cache = Path(tmp) / "cache"
        env = {"PATCHSMITH_CACHE_DIR": str(cache)}
        with LoopbackCluster(cache=cache) as cluster:
            on_ray = ["--executor", "ray", "--ray-address", cluster.address, "-c", "ray_memory_mb=64"]
            timed_run(cluster, tasks, Path(tmp) / "warm", env, *common, "--workers", "2")
            rows = {
                "local, 2 workers (reference)": timed_run(
                    cluster, tasks, Path(tmp) / "local", env, *common, "--workers", "2"
                ),
                "ray, each attempt a Ray task": timed_run(cluster, tasks, Path(tmp) / "ray", env, *common, *on_ray),
                "ray, attempts inside the task": timed_run(
                    cluster, tasks, Path(tmp) / "inside", env, *common, *on_ray, "--no-ray-attempts"
                ),
            }
    show(rows, args.strategy)


def show(rows: dict[str, dict], strategy: str) -> None:
    reference = next(iter(rows.values()))
    table = Table(title=f"{reference['tasks']} scenarios, --strategy {strategy}, --model scripted, cached envs")
    for column in ("executor", "resolved", "wall", "vs local", "median task (end to end)"):
        table.add_column(column, justify="right")
    for name, row in rows.items():
        table.add_row(
            name,
            f"{row['resolved']}/{row['tasks']}",
            f"{row['wall']:.1f} s",
            f"{row['wall'] / reference['wall']:.2f}x",
            f"{row['task_s']:.2f} s",
        )
    Console().print(table)


if __name__ == "__main__":
    main()
