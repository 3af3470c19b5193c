"""`patchsmith run TASKS`: run the agent on SWE-bench-style tasks (or a scenarios folder) and score them."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from rich.console import Console

from ..agent.config import RunConfig
from ..errors import UserError
from ..harness.agent_job import check_model
from ..harness.batch import ensure_writable, result_path, run_batch
from ..harness.config import HarnessConfig
from ..harness.executors import make_executor
from ..harness.jobs import HarnessJob
from ..harness.report import build_report, exit_status, print_report, write_outputs
from ..harness.tasks import load_tasks, select
from .harness_options import HARNESS, add_harness_options, open_harness
from .options import Section, build_configs, config_options

# The agent runs unattended in the harness (full-auto), in the harness's sandbox (one --sandbox for both).
# Memory is off in harness runs unless asked for (--memory): it changes what the agent knows.
AGENT = Section(RunConfig, "agent", hidden=("sandbox",), fixed={"mode": "full-auto"}, defaults={"memory": False})


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("run", help="run the agent on SWE-bench-style tasks and score the patches",
                                   description=__doc__ + " With --model scripted, each scenario's own replies.")
    parser.add_argument("tasks", type=Path, help="SWE-bench dataset file (.jsonl/.json/.parquet) or scenarios folder")
    add_run_options(parser)
    parser.set_defaults(func=run_run)


def add_run_options(parser: argparse.ArgumentParser) -> None:
    """What a batch run takes (shared with `compare`, which can run the strategies it compares)."""
    add_harness_options(parser)
    parser.add_argument("--strategies", metavar="A,B,C",
                        help="several strategies, each run into OUTPUT/<strategy>, then compared (e.g. "
                             "direct,react,reflexion,best-of-3); see `patchsmith compare`")
    if not any("--cutoff" in a.option_strings for a in parser._actions):
        parser.add_argument("--cutoff", metavar="YYYY-MM-DD",
                            help="with --strategies: every figure for tasks created before and after this date")
    config_options(parser, AGENT, HARNESS)
    if not any("--credit" in a.option_strings for a in parser._actions):
        from .credit import add_credit_options

        parser.add_argument("--credit", action="store_true",
                            help="afterwards, find each run's decisive step (as `patchsmith credit`)")
        add_credit_options(parser, standalone=False)


def run_run(args: argparse.Namespace) -> int:
    config, harness_config = build_configs(args, AGENT, HARNESS)
    assert isinstance(config, RunConfig) and isinstance(harness_config, HarnessConfig)
    if not args.strategies:
        return run_strategy_batch(args, config, harness_config, args.output)[1]
    names = strategy_list(args.strategies)
    base = (args.output or default_output(args.tasks, config.model, "compare")).resolve()
    runs = [run_strategy_batch(args, config.model_copy(update={"strategy": RunConfig(strategy=s).strategy}),
                               harness_config, base / safe_label(s)) for s in names]
    from .compare import compare_folders

    compare_folders([folder for folder, _ in runs], base, cutoff=args.cutoff)
    return max(code for _, code in runs)


def strategy_list(text: str) -> list[str]:
    names = list(dict.fromkeys(s.strip() for s in text.split(",") if s.strip()))
    if not names:
        raise UserError("--strategies is empty; give e.g. direct,react,reflexion,best-of-3")
    for name in names:
        RunConfig(strategy=name)  # a typo fails before any task runs, with the known names
    return names


def safe_label(strategy: str) -> str:
    return strategy.replace(":", "_").replace("/", "_")


def default_output(tasks: Path, model: str, kind: str = "run") -> Path:
    model_name = model if model != "scripted" else "patchsmith-scripted"
    return Path("runs") / f"{kind}-{tasks.stem or 'tasks'}-{model_name.replace('/', '_').replace(':', '_')}"


def run_strategy_batch(args: argparse.Namespace, config: RunConfig, harness_config: HarnessConfig,
                       output: Path | None) -> tuple[Path, int]:
    """`config.strategy` over the tasks into `output`, scored and reported; returns the output folder and
    the exit code (1 when a task ended in an error)."""
    config = config.model_copy(update={"sandbox": harness_config.sandbox})
    harness = open_harness(harness_config)
    tasks = select(load_tasks(args.tasks), args.instances)
    if config.model == "scripted":
        missing = [t.instance_id for t in tasks if t.replies is None]
        if missing:
            raise UserError(f"--model scripted uses each scenario's replies.jsonl, and {missing[0]} has none "
                            f"({len(missing)} task(s) without one); give --model scripted:FILE or a real model")
    model_name = config.model if config.model != "scripted" else "patchsmith-scripted"
    # Absolute: git runs with -C in other folders, where a relative path means something else.
    output = (output or default_output(args.tasks, config.model)).resolve()
    ensure_writable(output)
    check_model(config, tasks)
    harness.preflight([t for t in tasks if not result_path(output, t.instance_id).exists()])
    job = HarnessJob(harness_config, harness.spec_config, f"patchsmith/{model_name}", agent_config=config,
                     harness=harness)
    job.built()  # the agent: a bad strategy fails now, before any task
    executor = make_executor(harness_config)
    console = Console(stderr=True)
    console.print(f"running {len(tasks)} task(s) with {config.model}, strategy {config.strategy} -> {output}"
                  + (" on Ray" if executor.name == "ray" else ""))

    start = time.monotonic()
    identity = {"command": "run", "model": config.model, "sandbox": harness_config.sandbox,
                **({"strategy": config.strategy} if getattr(config, "strategy", None) is not None else {})}
    results = run_batch(tasks, job, output, workers=harness_config.workers, console=console,
                        show_progress=not args.no_progress, retry_errors=harness_config.retry_errors,
                        identity=identity, resume_anyway=harness_config.resume_anyway,
                        fingerprints={t.instance_id: t.fingerprint() for t in tasks}, executor=executor)
    report = build_report(tasks, results, run_info={"command": "run", "model": config.model,
                                                     "strategy": config.strategy, "clarify": config.clarify,
                                                     "budget_per_task": config.budget_per_task,
                                                     "memory": config.memory, "instructions": config.instructions,
                                                     "wall_s": time.monotonic() - start})
    write_outputs(output, report, tasks, f"patchsmith/{model_name}")
    print_report(report, Console(), title=f"run: {config.model}, {config.strategy}")
    if getattr(args, "credit", False):
        from .credit import credit_dir, credit_table

        Console().print(credit_table(credit_dir(output, tasks, harness, args.credit_budget, console)))
    console.print(f"report: {output / 'report.json'}")
    code, why = exit_status(report)
    if why:
        console.print(why, highlight=False, soft_wrap=True)
    return output, code
