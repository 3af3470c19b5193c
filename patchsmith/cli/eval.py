"""`patchsmith eval PREDS --tasks TASKS`: score any system's SWE-bench predictions (or --gold / --empty)."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from ..errors import UserError
from ..harness.batch import ensure_writable, result_path, run_batch
from ..harness.executors import make_executor
from ..harness.jobs import HarnessJob
from ..harness.preds import Prediction, read_preds_counted
from ..harness.report import build_report, exit_status, print_report, write_outputs
from ..harness.tasks import load_tasks, select
from .harness_options import HARNESS, add_harness_options, harness_from_args
from .options import config_options


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("eval", help="score predictions (preds.jsonl) with the tasks' own tests",
                                   description=__doc__)
    parser.add_argument("preds", nargs="?", type=Path, help="preds.jsonl / preds.json (not with --gold/--empty)")
    parser.add_argument("--tasks", required=True, type=Path, help="SWE-bench dataset file or scenarios folder")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--gold", action="store_true", help="score the reference patches (should all resolve)")
    group.add_argument("--empty", action="store_true", help="score empty patches (should resolve none)")
    add_harness_options(parser)
    config_options(parser, HARNESS)
    parser.set_defaults(func=run_eval)


def _predictions(args: argparse.Namespace, tasks, all_ids: set[str], console: Console) -> tuple[str, dict[str, Prediction]]:
    if args.gold or args.empty:
        if args.preds is not None:
            raise UserError("give either a predictions file or --gold/--empty, not both")
        name = "gold" if args.gold else "empty"
        return name, {t.instance_id: Prediction(t.instance_id, t.patch if args.gold else "", name) for t in tasks}
    if args.preds is None:
        raise UserError("give a predictions file (preds.jsonl), or --gold / --empty")
    found, repeated = read_preds_counted(args.preds)
    if not found:
        raise UserError(f"{args.preds} holds no predictions; expected one JSON object per line with instance_id "
                        "and model_patch (SWE-bench preds.jsonl)")
    preds = {p.instance_id: p for p in found}
    known = {t.instance_id for t in tasks}
    if not known & preds.keys():
        raise UserError(f"{args.preds}: none of its instance ids are in {args.tasks}; wrong tasks file?")
    _warn_unmatched(console, args, sorted(preds.keys() - all_ids), repeated)
    name = next((p.model_name_or_path for p in preds.values() if p.model_name_or_path), args.preds.stem)
    return name, preds


def _warn_unmatched(console: Console, args: argparse.Namespace, unknown: list[str], repeated: dict[str, int]) -> None:
    """Predictions that will not be scored are said out loud, with counts, never dropped in silence."""
    if unknown:
        shown = ", ".join(unknown[:5]) + (", ..." if len(unknown) > 5 else "")
        console.print(f"[yellow]warning:[/] {len(unknown)} prediction(s) for instance ids not in "
                      f"{escape(str(args.tasks))} are ignored: {escape(shown)}", highlight=False)
    if repeated:
        extra = sum(repeated.values()) - len(repeated)
        shown = ", ".join(f"{k} ({n}x)" for k, n in sorted(repeated.items())[:5]) + (", ..." if len(repeated) > 5
                                                                                      else "")
        console.print(f"[yellow]warning:[/] {len(repeated)} instance id(s) appear more than once in "
                      f"{escape(str(args.preds))} ({extra} extra line(s)); the last one is scored: {escape(shown)}",
                      highlight=False)


def run_eval(args: argparse.Namespace) -> int:
    harness, config = harness_from_args(args)
    every = load_tasks(args.tasks)
    tasks = select(every, args.instances)
    console = Console(stderr=True)
    name, preds = _predictions(args, tasks, {t.instance_id for t in every}, console)
    # Absolute: git runs with -C in other folders, where a relative path means something else.
    output = (args.output or Path("runs") / f"eval-{name.replace('/', '_')}").resolve()
    ensure_writable(output)
    todo = [t for t in tasks if t.instance_id in preds]
    harness.preflight([t for t in todo if not result_path(output, t.instance_id).exists()])
    console.print(f"scoring {len(todo)} prediction(s) of {name} over {len(tasks)} task(s) -> {output}")

    job = HarnessJob(config, harness.spec_config, harness=harness, predictions={
        t.instance_id: (preds[t.instance_id].model_patch, preds[t.instance_id].model_name_or_path or name)
        for t in todo})

    start = time.monotonic()
    results = run_batch(todo, job, output, workers=config.workers, console=console, show_progress=not args.no_progress,
                        retry_errors=config.retry_errors, resume_anyway=config.resume_anyway,
                        identity={"command": "eval", "model": name, "sandbox": config.sandbox},
                        fingerprints={t.instance_id: t.fingerprint(preds[t.instance_id].model_patch) for t in todo},
                        executor=make_executor(config))
    report = build_report(tasks, results, submitted=set(preds) & {t.instance_id for t in tasks},
                          run_info={"command": "eval", "predictions": name, "wall_s": time.monotonic() - start})
    write_outputs(output, report, todo, name)
    print_report(report, Console(), title=f"eval: {name}")
    console.print(f"report: {output / 'report.json'}")
    code, why = exit_status(report)
    if why:
        console.print(why, highlight=False, soft_wrap=True)
    return code
