"""`patchsmith fix "issue"`: run the agent on the user's repository in a separate worktree, then offer the patch."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rich.console import Console

from ..agent.config import RunConfig
from ..agent.events import Asker, RunControl
from ..agent.models import make_model
from ..agent.paths import new_run_dir
from ..agent.runner import RunOutcome, run_agent
from ..agent.trajectory import ExitReason
from ..errors import UserError
from ..tools.seed import SeededWorkspace, apply_back, seed_record
from .common import add_finish_options, agent_worktree, read_issue, resolve_repo
from .console import (
    ConsoleApprover,
    ConsoleAsker,
    ConsoleObserver,
    ask_yes_no,
    show_confidence,
    show_patch,
    shown,
)
from .options import Section, build_configs, config_options
from .sandboxing import open_sandbox

FIX = Section(RunConfig, "agent")
SEED_FILE = "seed.diff"  # the user's uncommitted state the run started from (see remember_seed)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("fix", help="fix an issue in a Git repository",
                       description="Run the agent on an issue in a separate worktree of your repository; your "
                                   "working tree is untouched until you accept the patch.")
    p.add_argument("issue", nargs="?", help="the issue text")
    p.add_argument("--issue-file", help="read the issue text from a file")
    p.add_argument("--repo", default=".", help="the Git repository (default: the current directory)")
    p.add_argument("--output", help="run folder for trajectory.jsonl and patch.diff (default: under the data dir)")
    add_finish_options(p)
    config_options(p, FIX)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    console = Console(stderr=False, highlight=False)
    (config,) = build_configs(args, FIX)
    assert isinstance(config, RunConfig)
    issue = read_issue(args.issue, args.issue_file)
    root = resolve_repo(args.repo)
    read_only = config.mode == "read-only"
    model = make_model(config)  # fails early, before any worktree exists, on a bad --model
    out = (Path(args.output).expanduser() if args.output else new_run_dir("fix")).resolve()
    if (out / "trajectory.jsonl").exists():
        raise UserError(f"{out} already holds a run; continue it with `patchsmith resume {out}`, or choose another "
                        "--output")
    with agent_worktree(root) as seeded:
        workspace, sandbox = open_sandbox(seeded.root, seeded.base, config, read_only=read_only, repo=root)
        hints = None if config.localize else []  # None: the controller ranks the code itself
        task = remember_seed(seeded, out)
        with sandbox:
            if config.strategy != "react":
                outcome = _run_strategy(issue, seeded, workspace, config, out, model, hints, console, args.verbose)
            elif args.tui:
                outcome = _run_tui(issue, workspace, config, out, model, hints=hints, task=task)
            else:
                outcome = run_agent(issue, workspace, config, out, model=model, hints=hints, task=task,
                                    observer=ConsoleObserver(console, args.verbose),
                                    approver=ConsoleApprover(console), control=RunControl(),
                                    asker=console_asker(console, config))
    return offer_patch(console, outcome, root, out, yes=args.yes, no_apply=args.no_apply or read_only)


def console_asker(console: Console, config: RunConfig) -> ConsoleAsker | None:
    """Someone can answer at the console unless the run is full-auto with no terminal on stdin."""
    if config.mode == "full-auto" and not sys.stdin.isatty():
        return None
    return ConsoleAsker(console)


def remember_seed(seeded: SeededWorkspace, out: Path) -> dict[str, str | None]:
    """Where the worktree started, for `patchsmith resume`: the seed and its parent in the header, the patch
    between them (your uncommitted and untracked files) in the run folder, so the seed can be made again."""
    out.mkdir(parents=True, exist_ok=True)
    (out / SEED_FILE).write_bytes(seed_record(seeded).patch.encode("utf-8", "surrogateescape"))
    return {"repo_path": str(seeded.user_root), "base_commit": seeded.base, "head": seeded.head}


def offer_patch(console: Console, outcome: RunOutcome, root: Path, out: Path, *, yes: bool, no_apply: bool) -> int:
    """The end of a fix (or a resumed one): show the diff and apply it to the user's tree if they say so."""
    console.print(f"run folder: {out}")
    if outcome.exit_reason == ExitReason.MODEL_ERROR:
        raise UserError(f"{outcome.error or 'the model failed'}; once the endpoint works, go on with "
                        f"`patchsmith resume {out}`")
    if not outcome.patch.strip():
        console.print("[yellow]The agent made no changes.[/]")
        return 1
    show_confidence(console, outcome.confidence, outcome.unsure)
    show_patch(console, outcome.patch, outcome.unsure)
    if no_apply:
        console.print(f"patch written to {out / 'patch.diff'}; not applied")
        return 0
    if yes or (sys.stdin.isatty() and ask_yes_no(console, f"Apply this patch to {root}?")):
        result = apply_back(root, outcome.patch, save_dir=out)
        if not result.applied:
            raise UserError(f"the patch did not apply to {root}: {result.message}; it is saved in "
                            f"{result.patch_file or out / 'patch.diff'}")
        console.print(f"[green]patch applied to {shown(str(root))}[/]")
    else:
        console.print(f"not applied; the patch is in {out / 'patch.diff'}")
    return 0


def _run_tui(issue, workspace, config, out, model, **kwargs):  # noqa: ANN001, ANN003, ANN202 - thin glue
    from ..tui.live import run_live

    # The live view is its own Asker: a person is there to answer.
    return run_live(lambda observer, approver, control: run_agent(
        issue, workspace, config, out, model=model, observer=observer, approver=approver, control=control,
        asker=approver if isinstance(approver, Asker) else None, **kwargs))


def _run_strategy(issue, seeded, workspace, config, out, model, hints, console, verbose):  # noqa: ANN001, ANN202
    """A strategy other than react: more attempts in fresh worktrees of the seeded state, each in its own
    sandbox; the chosen attempt's patch comes back like a single run's (measured against the same seed)."""
    from ..agent.runner import RunOutcome
    from ..agent.strategies import CloneWorkspaces, TaskContext, make_strategy, parse_budget, run_strategy
    from ..agent.trajectory import Totals

    def setup(dest: Path):  # noqa: ANN202 - (workspace, close)
        ws, closer = open_sandbox(dest, seeded.base, config, read_only=config.mode == "read-only",
                                  repo=seeded.user_root)
        return ws, lambda: closer.__exit__(None, None, None)

    ctx = TaskContext(problem_statement=issue, workspace=workspace, config=config, output_dir=out, model=model,
                      workspaces=CloneWorkspaces(seeded.root, seeded.base, out / "workspaces", setup), hints=hints,
                      observer=ConsoleObserver(console, verbose), approver=ConsoleApprover(console),
                      asker=console_asker(console, config),
                      control=RunControl(), budget=parse_budget(config.budget_per_task))
    result = run_strategy(make_strategy(config.strategy, config), ctx)
    final, totals = result.final, result.totals()
    for a in result.attempts:
        console.print(f"attempt {a.number} ({a.strategy}): {a.verdict or a.exit_reason}: {a.why}", highlight=False)
    console.print(f"strategy record: {result.record_path}")
    return RunOutcome(exit_reason=final.exit_reason if final else ExitReason.BUDGET, patch=result.patch,
                      totals=Totals(steps=totals["steps"], prompt_tokens=totals["prompt_tokens"],
                                    completion_tokens=totals["completion_tokens"], cost=totals["cost"]),
                      trajectory_path=Path(final.trajectory) if final else out / "strategy.json",
                      error=final.error if final else "the budget allowed no attempt")

