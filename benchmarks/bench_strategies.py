"""best-of-N in parallel workspaces against N sequential react runs, and what the strategy machinery adds
to each attempt.

    python benchmarks/bench_strategies.py [--tasks scenarios/] [--ids ID ...] [--n 4]

For each scenario (scripted replies, so every attempt does the same work): `best-of-N` (N attempts in
parallel fresh clones, then selection) against N `react` runs one after another, each from its own fresh
checkout, both through `Harness.process` as `patchsmith run` does. Wall time is the agent part of each task
(`timing.agent_s`; scoring excluded). Reference: the N sequential react runs, measured in the same run.
Target: best-of-N at least 1.5x faster than N sequential runs on 2 cores (the attempts wait on the model and
on test subprocesses, so they overlap).

The added cost per attempt: a fresh workspace (clone at the base commit, environment set-up, removal),
measured directly; selection (baseline and candidates'
regression tests, the vote) divided by N; and, for the scorer, scoring every attempt (pass@k, oracle).
Each is shown against the mean attempt's own run time.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from patchsmith.agent.config import RunConfig  # noqa: E402
from patchsmith.agent.strategies import clone_at  # noqa: E402
from patchsmith.harness.agent_job import make_agent  # noqa: E402
from patchsmith.harness.evaluate import default_sandbox_factory  # noqa: E402
from patchsmith.harness.pipeline import Harness  # noqa: E402
from patchsmith.harness.repos import checkout, find_source  # noqa: E402
from patchsmith.harness.tasks import load_tasks, select  # noqa: E402

DEFAULT_IDS = ["patchsmith__textkit-1", "patchsmith__confparse-1", "patchsmith__tinyqs-1"]


def agent_time(harness: Harness, task, strategy: str, folder: Path) -> dict:  # noqa: ANN001
    agent = make_agent(RunConfig(model="scripted", strategy=strategy, mode="full-auto"), harness.sandbox_factory,
                       harness.spec_config)
    result = harness.process(task, folder, agent=agent)
    assert result["status"] != "error", result["reason"]
    return result


def clone_time(harness: Harness, task, tmp: Path, reps: int = 5) -> float:  # noqa: ANN001
    source = find_source(task, None, harness.cache_dir)
    primary = checkout(source, task.base_commit, tmp / "primary")
    times = []
    for i in range(reps):
        t0 = time.monotonic()
        dest = clone_at(primary, task.base_commit, tmp / f"clone-{i}")
        shutil.rmtree(dest)
        times.append(time.monotonic() - t0)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=Path, default=ROOT / "scenarios")
    parser.add_argument("--ids", nargs="+", default=DEFAULT_IDS)
    parser.add_argument("--n", type=int, default=4)
    args = parser.parse_args()
    os.environ.setdefault("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")  # the scenarios need no plugins
    tasks = select(load_tasks(args.tasks), args.ids)
    tmp = Path(tempfile.mkdtemp(prefix="bench-strategies-"))
    harness = Harness(cache_dir=tmp / "cache", sandbox_factory=default_sandbox_factory("local"))
    console = Console(width=max(150, Console().width))
    table = Table(title=f"best-of-{args.n} (parallel) vs {args.n} sequential react runs: agent wall time")
    for col in ("task", f"{args.n} x react", f"best-of-{args.n}", "speed-up", "attempt (mean)", "clone+cleanup",
                "selection / N", "added / attempt", "scoring / attempt"):
        table.add_column(col, justify="left" if col == "task" else "right")
    ratios = []
    for task in tasks:
        agent_time(harness, task, "react", tmp / "warm" / task.instance_id)  # environment and index caches
        sequential = sum(agent_time(harness, task, "react", tmp / f"react-{i}" / task.instance_id)["timing"]["agent_s"]
                         for i in range(args.n))
        best = agent_time(harness, task, f"best-of-{args.n}", tmp / "best" / task.instance_id)
        rows = best["agent"]["attempts"]
        attempt = statistics.mean(a["wall_s"] for a in rows)
        record = Path(best["agent"]["record"])
        selection = json.loads(record.read_text())["selection"]["wall_s"] / args.n
        clone = clone_time(harness, task, tmp / "clones" / task.instance_id)
        added = clone + selection
        scoring = best["agent"].get("attempt_scoring_s", 0.0) / args.n
        ratio = sequential / best["timing"]["agent_s"]
        ratios.append(ratio)
        table.add_row(task.instance_id, f"{sequential:.1f}s", f"{best['timing']['agent_s']:.1f}s", f"{ratio:.2f}x",
                      f"{attempt:.2f}s", f"{clone:.3f}s", f"{selection:.2f}s",
                      f"{added:.2f}s ({100 * added / attempt:.0f}%)", f"{scoring:.2f}s")
    console.print(table)
    console.print(f"median speed-up {statistics.median(ratios):.2f}x (target >= 1.5x); cores: {os.cpu_count()}, "
                  f"load average {os.getloadavg()[0]:.1f}")
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
