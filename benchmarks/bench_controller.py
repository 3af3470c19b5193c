"""Controller overhead per step (everything but the model and the tool), early and late in a long run.

    python benchmarks/bench_controller.py [--steps 520]

A scripted model drives a real seeded worktree (as `fix` makes it) of a repository of --files files for N steps with realistic observation sizes; every step
records `overhead_s` (prompt building, memory, condensation, permission checks, trajectory writing).
The reference is the same run's own early steps: overhead must not grow with the step count. It rises
a little until the history reaches its ceiling (40 turns, around step 40) and is flat after that.
Target: under 5 ms a step at step 10 and at step 500.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from pydantic import BaseModel
from rich.console import Console
from rich.table import Table

from patchsmith.agent.config import RunConfig
from patchsmith.agent.models import ListModel
from patchsmith.agent.models.scripted import entry_to_reply
from patchsmith.agent.runner import run_agent
from patchsmith.agent.trajectory import read_trajectory
from patchsmith.tools.base import Tool
from patchsmith.tools.note import note_tool
from patchsmith.tools.observation import Observation
from patchsmith.tools.seed import seed_worktree
from patchsmith.tools.workspace import Workspace

OBSERVATION = "\n".join(f"{i:6d}\t    value = compute(items[{i}], scale=factor) + offset  # line {i}"
                        for i in range(60))  # ~4 KB, like a file view


class ViewArgs(BaseModel):
    path: str


class WriteArgs(BaseModel):
    path: str
    text: str


def _view(ws: Workspace, a: ViewArgs) -> Observation:
    return Observation(text=OBSERVATION, data={"path": a.path})


def _write(ws: Workspace, a: WriteArgs) -> Observation:
    ws.resolve(a.path).write_text(a.text)
    return Observation(text=f"edited {a.path}", data={"diff": f"--- a/{a.path}\n+++ b/{a.path}\n+{a.text}"})


TOOLS = [Tool("str_replace_editor", "view", ViewArgs, _view),
         Tool("write", "write", WriteArgs, _write, mutates=True), note_tool]


def replies(n: int) -> list:
    out = []
    for i in range(n):
        if i % 10 == 9:
            entry = {"thought": f"edit {i}", "tool": "write", "args": {"path": "f.txt", "text": f"v{i}\n"}}
        elif i % 25 == 0:
            entry = {"thought": "remember", "tool": "note", "args": {"text": f"fact {i}"}}
        else:
            entry = {"thought": f"Looking at part {i} of the module to find where the value is computed.",
                     "tool": "str_replace_editor", "args": {"path": f"src/m{i % 40}.py"}}
        out.append(entry_to_reply(entry, i))
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=520)
    parser.add_argument("--files", type=int, default=2000, help="files in the benchmark repository")
    args = parser.parse_args()
    console = Console(width=150)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "repo"
        root.mkdir()
        subprocess.run(["git", "init", "-q", str(root)], check=True)
        (root / "f.txt").write_text("v\n")
        for i in range(args.files):  # a repository of some size: each step's snapshot walks it
            (root / "src" / f"d{i % 50}").mkdir(parents=True, exist_ok=True)
            (root / "src" / f"d{i % 50}" / f"m{i}.py").write_text(OBSERVATION[: 400 + i % 800])
        subprocess.run(["git", "-C", str(root), "-c", "user.name=b", "-c", "user.email=b@b", "add", "-A"], check=True)
        subprocess.run(["git", "-C", str(root), "-c", "user.name=b", "-c", "user.email=b@b", "commit", "-qm", "i"],
                       check=True)
        # The agent's worktree as `fix` makes it (seeded, with whatever git store the code gives it).
        seeded = seed_worktree(root, Path(tmp) / "worktree")
        ws = seeded.workspace()
        config = RunConfig(mode="full-auto", max_steps=args.steps, repeat_limit=10**6)
        with console.status(f"running {args.steps} scripted steps"):
            outcome = run_agent("benchmark", ws, config, Path(tmp) / "out",
                                model=ListModel("bench", replies(args.steps)), tools=TOOLS)
        traj = read_trajectory(outcome.trajectory_path)
    steps = traj.steps

    def window(center: int, width: int = 20) -> tuple[float, float]:
        chunk = steps[max(0, center - width // 2): center + width // 2]
        over = [s.timing.overhead_s * 1000 for s in chunk]
        with_diff = [(s.timing.overhead_s + s.timing.diff_s) * 1000 for s in chunk]
        return statistics.median(over), statistics.mean(with_diff)

    early, early_d = window(10)
    mid, mid_d = window(100)
    late, late_d = window(500) if len(steps) > 505 else window(len(steps) - 10)
    table = Table(title=f"controller overhead per step ({len(steps)} steps, exit {outcome.exit_reason})")
    for col in ("measure", "step ~10 (ms)", "step ~100 (ms)", "step ~500 (ms)", "ratio 500/10", "ratio 500/100",
                "target"):
        table.add_column(col, justify="right")
    table.add_row("controller overhead (median)", f"{early:.2f}", f"{mid:.2f}", f"{late:.2f}", f"{late / early:.2f}x",
                  f"{late / mid:.2f}x", "< 5 ms")
    table.add_row("overhead + git diff after edits (mean)", f"{early_d:.2f}", f"{mid_d:.2f}", f"{late_d:.2f}",
                  f"{late_d / early_d:.2f}x", f"{late_d / mid_d:.2f}x", "(reported)")
    snaps = [s.timing.diff_s * 1000 for s in steps if s.timing.diff_s]
    if snaps:
        table.add_row(f"snapshot (ws.diff) per step, median of {len(snaps)}", "", "", "",
                      "", "", f"{statistics.median(snaps):.1f} ms")
    console.print(table)
    ok = late < 5.0 and early < 5.0
    console.print("[green]within target[/]" if ok else "[red]over target[/]")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
