"""Scheduling cost at scale: 1,000 trivial tasks through the Ray executor against the local pool.

    python benchmarks/bench_ray_scale.py [--tasks 1000]

Starts a two-node Ray cluster (one CPU each) on loopback only, in a network namespace made for the run, and
runs the same batch of trivial tasks (each writes one small file and returns a result) through `run_batch`
twice, each in a fresh driver process inside the namespace: the local pool with 2 workers (the reference) and
the Ray executor over both nodes. Reports wall time, per-task overhead and the driver's peak RSS. Target: the
driver is not the bottleneck at SWE-bench Full size (2,294 tasks): per-task overhead well under a real task's
minutes, driver memory well under 1 GiB.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from patchsmith.harness.batch import run_batch  # noqa: E402
from patchsmith.harness.executors import LocalExecutor  # noqa: E402
from patchsmith.harness.tasks import Task  # noqa: E402


@dataclass
class TrivialJob:
    """A task that does almost nothing, so what is measured is the executor (shipped by value to workers)."""

    token: str = ""

    def __call__(self, task: Task, task_dir: Path) -> dict:
        (task_dir / "log.txt").write_text(f"{task.instance_id}\n")
        return {"instance_id": task.instance_id, "repo": task.repo, "status": "resolved", "resolved": True}

    def portable(self) -> TrivialJob:
        return self

    def with_repos(self, repos_dir: Path) -> TrivialJob:
        return self

    def cache_key(self) -> str:
        return self.token


def driver(kind: str, count: int, output: Path, address: str) -> dict:
    """One batch in this process; what it took."""
    tasks = [
        Task(instance_id=f"synthetic__trivial-{i}", repo="synthetic/trivial", base_commit="0" * 40)
        for i in range(count)
    ]
    if kind == "ray":
        from patchsmith.harness.executors.ray import RayExecutor

        executor = RayExecutor(address, num_cpus=1, memory_mb=0)
        executor.connect()
    else:
        executor = LocalExecutor(2)
    start = time.monotonic()
    results = run_batch(tasks, TrivialJob(), output, executor=executor, show_progress=False)
    wall = time.monotonic() - start
    assert len(results) == count and len(list((output / "results").iterdir())) == count
    return {"wall": wall, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--inner", choices=["local", "ray"], help=argparse.SUPPRESS)
    parser.add_argument("--output", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--address", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inner:
        print(json.dumps(driver(args.inner, args.tasks, args.output, args.address)))
        return
    sys.path.insert(0, str(ROOT / "tests"))
    from raycluster import LoopbackCluster

    measured = {}
    with LoopbackCluster() as cluster, tempfile.TemporaryDirectory(prefix="bench-ray-") as tmp:
        for kind in ("local", "ray"):
            out = cluster.run(
                sys.executable,
                __file__,
                "--inner",
                kind,
                "--tasks",
                str(args.tasks),
                "--output",
                str(Path(tmp) / kind),
                "--address",
                cluster.address,
                timeout=3600,
                check=False,
            )
            if out.returncode:
                raise SystemExit(f"{kind} driver failed: {out.stderr[-3000:]}")
            measured[kind] = json.loads(out.stdout.strip().splitlines()[-1])
    show(measured, args.tasks)


def show(measured: dict, count: int) -> None:
    local, ray = measured["local"], measured["ray"]
    table = Table(title=f"{count} trivial tasks, 2 workers (local pool) vs 2 Ray nodes x 1 CPU, loopback")
    for column in ("executor", "wall", "per task", "per task vs local", "driver peak RSS", "RSS vs local"):
        table.add_column(column, justify="right")
    for name, row in (("local (reference)", local), ("ray", ray)):
        table.add_row(
            name,
            f"{row['wall']:.1f} s",
            f"{row['wall'] / count * 1000:.1f} ms",
            f"{row['wall'] / local['wall']:.2f}x",
            f"{row['rss_mb']:.0f} MiB",
            f"{row['rss_mb'] / local['rss_mb']:.2f}x",
        )
    Console().print(table)
    full = 2294 * ray["wall"] / count
    Console().print(
        f"at SWE-bench Full size (2,294 tasks) the Ray driver's own scheduling would take about "
        f"{full:.0f} s in all, against hours of task time"
    )


if __name__ == "__main__":
    main()
