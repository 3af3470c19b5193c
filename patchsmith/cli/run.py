"""`patchsmith run TASKS`: run the agent on SWE-bench-style tasks (or a scenarios folder) and score them."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from rich.console import Console

from ..agent.config import RunConfig
from ..errors import UserError
from ..harness.agent_job import make_agent
from ..harness.batch import run_batch
from ..harness.report import build_report, print_report, write_outputs
from ..harness.tasks import load_tasks, select
from .harness_options import add_harness_options, harness_from_args


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("run", help="run the agent on SWE-bench-style tasks and score the patches",
                                   description=__doc__)
    parser.add_argument("tasks", type=Path, help="SWE-bench dataset file (.jsonl/.json/.parquet) or scenarios folder")
    parser.add_argument("--model", default="scripted",
                        help="model NAME (OpenAI-compatible), scripted:FILE, replay:TRAJECTORY, or `scripted` "
                             "for each scenario's own replies")
    parser.add_argument("--base-url", help="OpenAI-compatible endpoint")
    parser.add_argument("--max-steps", type=int, default=None, help="step budget per task")
    parser.add_argument("--max-cost", type=float, default=None, help="dollar budget per task")
    parser.add_argument("--memory", action="store_true",
                        help="let tasks recall what earlier-created tasks of the same repository taught, and store "
                             "what they teach (off by default: it changes what the agent knows)")
    parser.add_argument("--no-instructions", action="store_true",
                        help="do not show the repositories' AGENTS.md / CLAUDE.md / CONVENTIONS.md files")
    parser.add_argument("--agent-timeout", type=float, default=None, help="wall-clock seconds per agent run")
    add_harness_options(parser)
    parser.set_defaults(func=run_run)


def run_run(args: argparse.Namespace) -> int:
    harness = harness_from_args(args)
    tasks = select(load_tasks(args.tasks), args.instances)
    if args.max_steps is not None and args.max_steps < 1:
        raise UserError("--max-steps must be at least 1")
    update = {"model": args.model, "base_url": args.base_url, "mode": "full-auto", "sandbox": args.sandbox,
              "memory": args.memory, "instructions": not args.no_instructions}
    if args.max_steps is not None:
        update["max_steps"] = args.max_steps
    if args.max_cost is not None:
        update["max_cost"] = args.max_cost
    if args.agent_timeout is not None:
        update["max_wall_s"] = args.agent_timeout
    if args.model == "scripted":
        missing = [t.instance_id for t in tasks if t.replies is None]
        if missing:
            raise UserError(f"--model scripted uses each scenario's replies.jsonl, and {missing[0]} has none "
                            f"({len(missing)} task(s) without one); give --model scripted:FILE or a real model")
    config = RunConfig(**update)
    model_name = args.model if args.model != "scripted" else "patchsmith-scripted"
    # Absolute: git runs with -C in other folders, where a relative path means something else.
    default = Path("runs") / f"run-{args.tasks.stem or 'tasks'}-{model_name.replace('/', '_').replace(':', '_')}"
    output = (args.output or default).resolve()
    agent = make_agent(config, harness.sandbox_factory, harness.spec_config)
    console = Console(stderr=True)
    console.print(f"running {len(tasks)} task(s) with {args.model} -> {output}")

    def job(task, task_dir):
        return harness.process(task, task_dir, model_name=f"patchsmith/{model_name}", agent=agent)

    start = time.monotonic()
    results = run_batch(tasks, job, output, workers=args.workers, console=console, show_progress=not args.no_progress,
                        retry_errors=args.retry_errors)
    report = build_report(tasks, results, run_info={"command": "run", "model": args.model,
                                                     "wall_s": time.monotonic() - start})
    write_outputs(output, report, tasks, f"patchsmith/{model_name}")
    print_report(report, Console(), title=f"run: {args.model}")
    console.print(f"report: {output / 'report.json'}")
    return 0
