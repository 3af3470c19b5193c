"""Benchmark: the decisive-step search — evaluations used against steps, on the scenarios and on real SWE-bench tasks.

    python benchmarks/bench_credit.py [--scenarios scenarios/] [--dataset ../shared/swebench/lite-test.jsonl]
                                      [--real pallets__flask-4045 pallets__flask-4992]
                                      [--repos-dir /work/.mirror]

For each task: a recorded run (`patchsmith run --credit`), then `credit`'s answer checked against the
reference measured in the same run: scoring the workspace of every step that changed it, with the same
evaluator. Reported: steps, change points, evaluations bisection used, evaluations scoring every change point
took, the log2 bound, and whether both name the same step.

What the runs are (no model is in this benchmark): the scenarios run their own scripted replies. The real tasks
are SWE-bench Lite instances on their real repositories and environments, run by a *scripted* reply file this
benchmark writes from the task's reference patch: it explores, makes a wrong edit (a comment, no fix), undoes
it, applies the reference change, then goes on exploring and edits once more before submitting. It is a fixture
for the search (how many evaluations, which step), not an agent's result; that the run resolves says nothing.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from patchsmith.agent.trajectory import read_trajectory  # noqa: E402
from patchsmith.harness.credit import change_points, harness_probe  # noqa: E402
from patchsmith.harness.pipeline import Harness  # noqa: E402
from patchsmith.harness.tasks import Task, load_tasks, select  # noqa: E402

console = Console(width=200)
REAL = ["pallets__flask-4045", "pallets__flask-4992"]  # gradable here (requests-2317 needs the network, pytest tags)


def hunks(patch: str) -> list[tuple[str, str, str, int]]:
    """(path, old text, new text, first old line) of each hunk of a unified diff."""
    out, path, old, new, start = [], "", [], [], 0
    for line in patch.splitlines() + ["@@"]:
        if line.startswith("@@") or line.startswith("diff --git"):
            if old or new:
                out.append((path, "\n".join(old) + "\n", "\n".join(new) + "\n", start))
            old, new = [], []
            if line.startswith("@@ -"):
                start = int(line[4:].split(",")[0].split(" ")[0])
        elif line.startswith("+++ b/"):
            path = line[6:]
        elif line.startswith(("---", "+++", "index ")):
            continue
        elif line.startswith("-"):
            old.append(line[1:])
        elif line.startswith("+"):
            new.append(line[1:])
        elif line.startswith(" ") or line == "":
            old.append(line[1:])
            new.append(line[1:])
    return out


def scripted_replies(task: Task) -> list[dict]:
    """A run of ~20 steps over the task's real repository: explore, a wrong edit undone, the reference change,
    more exploring and one more (harmless) edit, submit. Written from the reference patch: a fixture."""
    parts = hunks(task.patch)
    path, old, new, start = parts[0]
    indent = old.splitlines()[-1][: len(old.splitlines()[-1]) - len(old.splitlines()[-1].lstrip())]
    wrong = old.replace(old.splitlines()[0], old.splitlines()[0] + f"\n{indent}# check this branch first", 1)
    view = {"command": "view", "path": path, "view_range": [max(1, start - 30), start + 30]}
    steps = [("Find the module the report points at.", "find_file", {"pattern": Path(path).name}),
             ("Read the code around the suspect lines.", "str_replace_editor", view),
             ("Where else is this used?", "bash", {"command": f"grep -rn 'def ' {path} | head -20"}),
             ("Look at the history of the file.", "bash", {"command": f"git log --oneline -3 -- {path}"}),
             ("Mark the branch to check (a first, wrong attempt: it changes nothing).", "str_replace_editor",
              {"command": "str_replace", "path": path, "old_str": old, "new_str": wrong}),
             ("That is no fix; look at the tests of this module.", "bash", {"command": "git ls-files | grep -i test | head -30"}),
             ("Undo the marker.", "str_replace_editor", {"command": "str_replace", "path": path, "old_str": wrong,
                                                         "new_str": old}),
             ("Read the code again.", "str_replace_editor", view)]
    for p, o, n, _ in parts:
        steps.append(("Make the change.", "str_replace_editor", {"command": "str_replace", "path": p, "old_str": o,
                                                                 "new_str": n}))
    steps += [("Check the change.", "bash", {"command": "git diff --stat"}),
              ("Read the surrounding code once more.", "str_replace_editor", view),
              ("Any other caller to adjust?", "bash", {"command": f"git grep -n '{Path(path).stem}' | head -10"}),
              ("Note why the change is there.", "str_replace_editor",
               {"command": "insert", "path": path, "insert_line": 1, "new_str": "# (see the fix below)\n"}),
              ("Look at the diff.", "bash", {"command": "git diff"}),
              ("Anything else changed?", "bash", {"command": "git status --short"}),
              ("Read the top of the file.", "str_replace_editor", {"command": "view", "path": path,
                                                                   "view_range": [1, 20]}),
              ("Done.", "submit", {})]
    return [{"thought": t, "tool": tool, "args": args} for t, tool, args in steps]


def patchsmith(*args: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "patchsmith", *args], capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise SystemExit(f"patchsmith {' '.join(args[:3])} failed:\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")


def every_change(harness: Harness, task: Task, trajectory: Path, work: Path) -> tuple[int | None, int, int]:
    """The reference: score every change point's workspace. (first passing step, evaluations, steps)."""
    steps = read_trajectory(trajectory).steps
    probe = harness_probe(harness, task, work)
    points = change_points(steps)
    first = next((i for i, patch in points if probe(i, patch).passes), None)
    return first, len(points), len(steps)


def credit_rows(run_dir: Path, tasks: list[Task], harness: Harness, label: str) -> list[tuple]:
    report = json.loads((run_dir / "report.json").read_text())
    rows = []
    for task in tasks:
        credit = report["tasks"][task.instance_id].get("credit") or {}
        trajectory = run_dir / "tasks" / task.instance_id / "agent" / "trajectory.jsonl"
        with console.status(f"{task.instance_id}: scoring every change point (the reference)…"):
            first, changes, steps = every_change(harness, task, trajectory, run_dir / "brute" / task.instance_id)
        rows.append((label, task.instance_id, report["tasks"][task.instance_id].get("resolved"), steps, changes,
                     credit.get("evaluations"), changes, math.ceil(math.log2(max(changes, 1))) + 1,
                     credit.get("step"), first, credit.get("kind")))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", type=Path, default=ROOT / "scenarios")
    parser.add_argument("--dataset", type=Path, default=ROOT.parent.parent / "shared" / "swebench" / "lite-test.jsonl")
    parser.add_argument("--real", nargs="*", default=REAL)
    parser.add_argument("--repos-dir", type=Path, default=Path("/work/.mirror"))
    parser.add_argument("--output", type=Path, default=None, help="keep the runs here (default: a temp folder)")
    args = parser.parse_args()
    out = args.output or Path(tempfile.mkdtemp(prefix="bench-credit-"))
    rows = []
    with console.status("scenarios: scripted runs with --credit…"):
        patchsmith("run", str(args.scenarios), "--model", "scripted", "--credit", "--output", str(out / "scenarios"))
    rows += credit_rows(out / "scenarios", load_tasks(args.scenarios), Harness(), "scenario")
    if args.real and args.dataset.is_file():
        real = select(load_tasks(args.dataset), args.real)
        harness = Harness(repos_dir=args.repos_dir, allow_clone=False)
        for task in real:
            replies = out / f"{task.instance_id}.replies.jsonl"
            replies.write_text("".join(json.dumps(r) + "\n" for r in scripted_replies(task)))
            with console.status(f"{task.instance_id}: scripted run on the real repository, with --credit…"):
                patchsmith("run", str(args.dataset), "--instances", task.instance_id, "--model", f"scripted:{replies}",
                           "--credit", "--repos-dir", str(args.repos_dir), "--no-clone",
                           "--output", str(out / task.instance_id))
            rows += credit_rows(out / task.instance_id, [task], harness, "Lite, scripted")
    table = Table(title="decisive step: bisection against scoring every change point (same evaluator, same run)")
    for name in ("tasks", "task", "resolved", "steps", "change points", "evaluations (bisect)",
                 "evaluations (every change)", "log2 bound", "decisive step", "first passing (every change)", "kind"):
        table.add_column(name, justify="left" if name in ("tasks", "task", "kind") else "right")
    for r in rows:
        table.add_row(r[0], r[1], "yes" if r[2] else "no", str(r[3]), str(r[4]), str(r[5]), str(r[6]), str(r[7]),
                      "–" if r[8] is None else str(r[8] + 1), "–" if r[9] is None else str(r[9] + 1), str(r[10]))
    console.print(table)
    console.print("scenario: the scenario's own scripted replies; Lite, scripted: a real SWE-bench Lite task (its repository,"
                  " environment and tests) run by replies written from its reference patch (see the top of this file)")
    resolved = [r for r in rows if r[2]]
    agree = sum(r[8] == r[9] for r in resolved)
    used, every = sum(r[5] or 0 for r in resolved), sum(r[6] for r in resolved)
    console.print(f"resolved runs: {len(resolved)}; the same step as scoring every change point: {agree}/{len(resolved)}; "
                  f"evaluations {used} against {every} (every change point) and {sum(r[3] for r in resolved)} "
                  f"(every step): {used / max(every, 1):.2f}× / {used / max(sum(r[3] for r in resolved), 1):.2f}×")
    console.print(f"runs kept in {out}")


if __name__ == "__main__":
    main()
