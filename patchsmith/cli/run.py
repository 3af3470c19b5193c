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
from ..harness.config import HarnessConfig
from ..harness.pipeline import Harness
from ..harness.report import build_report, print_report, write_outputs
from ..harness.tasks import load_tasks, select
from .harness_options import HARNESS, add_harness_options
from .options import Section, build_configs, config_options

# The agent runs unattended in the harness (full-auto), in the harness's sandbox (one --sandbox for both).
# Memory is off in harness runs unless asked for (--memory): it changes what the agent knows.
AGENT = Section(RunConfig, "agent", hidden=("sandbox",), fixed={"mode": "full-auto"}, defaults={"memory": False})


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("run", help="run the agent on SWE-bench-style tasks and score the patches",
                                   description=__doc__ + " With --model scripted, each scenario's own replies.")
    parser.add_argument("tasks", type=Path, help="SWE-bench dataset file (.jsonl/.json/.parquet) or scenarios folder")
    add_harness_options(parser)
    config_options(parser, AGENT, HARNESS)
    parser.set_defaults(func=run_run)


def run_run(args: argparse.Namespace) -> int:
    config, harness_config = build_configs(args, AGENT, HARNESS)
    assert isinstance(config, RunConfig) and isinstance(harness_config, HarnessConfig)
    config = config.model_copy(update={"sandbox": harness_config.sandbox})
    harness = Harness.from_config(harness_config)
    tasks = select(load_tasks(args.tasks), args.instances)
    if config.model == "scripted":
        missing = [t.instance_id for t in tasks if t.replies is None]
        if missing:
            raise UserError(f"--model scripted uses each scenario's replies.jsonl, and {missing[0]} has none "
                            f"({len(missing)} task(s) without one); give --model scripted:FILE or a real model")
    model_name = config.model if config.model != "scripted" else "patchsmith-scripted"
    # Absolute: git runs with -C in other folders, where a relative path means something else.
    default = Path("runs") / f"run-{args.tasks.stem or 'tasks'}-{model_name.replace('/', '_').replace(':', '_')}"
    output = (args.output or default).resolve()
    agent = make_agent(config, harness.sandbox_factory, harness.spec_config)
    console = Console(stderr=True)
    console.print(f"running {len(tasks)} task(s) with {config.model} -> {output}")

    def job(task, task_dir):
        return harness.process(task, task_dir, model_name=f"patchsmith/{model_name}", agent=agent)

    start = time.monotonic()
    results = run_batch(tasks, job, output, workers=harness_config.workers, console=console,
                        show_progress=not args.no_progress, retry_errors=harness_config.retry_errors)
    report = build_report(tasks, results, run_info={"command": "run", "model": config.model,
                                                     "wall_s": time.monotonic() - start})
    write_outputs(output, report, tasks, f"patchsmith/{model_name}")
    print_report(report, Console(), title=f"run: {config.model}")
    console.print(f"report: {output / 'report.json'}")
    return 0
