"""What resuming a cut-off run costs before its first new step: reading the trajectory back and rebuilding the
controller's chat history and working memory, for runs cut off after N steps.

    python benchmarks/bench_resume.py [--steps 50 500 2000]

Synthetic trajectories (benchmarks/trajgen.py, realistic observation sizes) without a result line, as a
kill leaves them. Reference, measured in the same run: `read_trajectory` of the same file (what the
inspector and `replay` pay to read it). Target: resuming costs at most 3x reading the same file, at every
length (it reads the file once and replays each step into history and memory once).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent))

from trajgen import build  # noqa: E402

from patchsmith.agent.config import RunConfig  # noqa: E402
from patchsmith.agent.models import ListModel  # noqa: E402
from patchsmith.agent.resume import load_resumption  # noqa: E402
from patchsmith.agent.runner import Controller, default_toolset  # noqa: E402
from patchsmith.agent.trajectory import TrajectoryWriter, read_trajectory  # noqa: E402
from patchsmith.tools.workspace import Workspace  # noqa: E402


def best_of(fn, repeat: int = 3) -> float:  # noqa: ANN001
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, nargs="+", default=[50, 500, 2000])
    args = parser.parse_args()
    table = Table(title="resume: read + restore vs read_trajectory (same file, best of 3)")
    for col in ("steps", "file MB", "read_trajectory s", "resume s", "ratio"):
        table.add_column(col, justify="right")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "repo"
        root.mkdir()
        subprocess.run(["git", "init", "-q", str(root)], check=True)
        ws = Workspace(root=root, base="HEAD")
        tools = default_toolset()
        for n in args.steps:
            run = Path(tmp) / f"run-{n}"
            path = build(run / "trajectory.jsonl", n, result=False)

            def resume(run: Path = run) -> None:
                point = load_resumption(run)
                ctl = Controller("fix it", ws, RunConfig(), ListModel("m", []), tools,
                                 TrajectoryWriter(Path(tmp) / "sink.jsonl"))
                point.restore(ctl)

            reference = best_of(lambda: read_trajectory(path))  # noqa: B023
            measured = best_of(resume)
            table.add_row(str(n), f"{path.stat().st_size / 1e6:.1f}", f"{reference:.3f}", f"{measured:.3f}",
                          f"{measured / reference:.2f}x")
    Console().print(table)


if __name__ == "__main__":
    main()
