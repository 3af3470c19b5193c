"""`patchsmith credit RUN_DIR --tasks TASKS`: the decisive step of each recorded run (see harness/credit.py)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from ..errors import UserError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "credit", help="find each run's decisive step: the first whose workspace passes FAIL_TO_PASS (and keeps PASS_TO_PASS)",
        description="For each task of a `patchsmith run` output folder, score the workspace the recorded steps left "
                    "(bisecting: about log2(steps) evaluations for a resolved run) and name the earliest step that "
                    "already passes the task's FAIL_TO_PASS tests without breaking PASS_TO_PASS; for an unresolved run, the step with the fewest "
                    "failing target tests. Writes tasks/<id>/credit.json and adds it to report.json.")
    parser.add_argument("run_dir", type=Path, help="the output folder of `patchsmith run`")
    parser.add_argument("--tasks", type=Path, required=True, help="the tasks the run used (dataset file or scenarios)")
    add_credit_options(parser)
    parser.set_defaults(func=run)


def add_credit_options(parser: argparse.ArgumentParser, standalone: bool = True) -> None:
    if standalone:
        from .harness_options import HARNESS, add_harness_options
        from .options import config_options

        add_harness_options(parser)
        config_options(parser, HARNESS)
    parser.add_argument("--credit-budget", type=int, default=16,
                        help="most evaluations for an unresolved run (its workspaces are sampled evenly beyond)")


def credit_dir(run_dir: Path, tasks: list, harness, budget: int, console: Console) -> list:
    from ..harness.batch import safe_name
    from ..harness.credit import add_to_report, credit_task

    report_path = run_dir / "report.json"
    if not report_path.is_file():
        raise UserError(f"{run_dir}: no report.json here; pass the output folder of `patchsmith run`")
    try:
        report = json.loads(report_path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise UserError(f"{report_path}: not valid JSON ({exc})") from None
    rows = report.get("tasks") or {}
    todo = [t for t in tasks if (run_dir / "tasks" / safe_name(t.instance_id)).is_dir()]
    if not todo:
        raise UserError(f"{run_dir}: none of these tasks ran here (no tasks/<id> folders)")
    credits = []
    with Progress(console=console, transient=True) as progress:
        bar = progress.add_task("finding decisive steps", total=len(todo))
        for task in todo:
            row = rows.get(task.instance_id) or {}
            attempts = (row.get("agent") or {}).get("attempts") or [] if isinstance(row, dict) else []
            credits.append(credit_task(harness, task, run_dir / "tasks" / safe_name(task.instance_id),
                                       bool(row.get("resolved")), budget, attempts))
            progress.advance(bar)
    add_to_report(report_path, credits)
    return credits


def credit_table(credits: list) -> Table:
    table = Table(title="decisive steps")
    for name in ("task", "outcome", "decisive step", "kind", "F2P failing there", "P2P failing there", "steps",
                 "changes", "evaluations", "steps after"):
        table.add_column(name, justify="left" if name in ("task", "outcome", "kind") else "right")
    for c in credits:
        at = next((p for p in c.probes if p.step == c.step), None)
        table.add_row(c.instance_id, "resolved" if c.resolved else "unresolved",
                      "–" if c.step is None else str(c.step + 1), c.kind + (" (sampled)" if c.sampled else ""),
                      "–" if at is None else str(at.fail_to_pass_failing),
                      "–" if at is None else str(at.pass_to_pass_failing),
                      str(c.steps), str(c.changes), str(c.evaluations), str(c.after))
        for a in c.attempts:  # a strategy's attempts, under their task
            table.add_row(f"  attempt {a['number']}" + (" (chosen)" if a["chosen"] else ""),
                          "resolved" if a["resolved"] else "unresolved", "–" if a["step"] is None else str(a["step"] + 1),
                          a["kind"], "", "", str(a["steps"]), "", str(a["evaluations"]), str(a["after"]))
    return table


def run(args: argparse.Namespace) -> int:
    from ..harness.tasks import load_tasks, select
    from .harness_options import harness_from_args

    if args.credit_budget < 2:
        raise UserError("--credit-budget must be at least 2")
    harness, _ = harness_from_args(args)
    tasks = select(load_tasks(args.tasks), args.instances)
    console = Console(stderr=True)
    credits = credit_dir(args.run_dir.resolve(), tasks, harness, args.credit_budget, console)
    Console().print(credit_table(credits))
    return 0
