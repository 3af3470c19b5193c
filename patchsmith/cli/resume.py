"""`patchsmith resume RUN_DIR`: go on with a `fix` run that was cut off (crash, kill, lost connection).

A fresh worktree of the same repository at the run's recorded base, plus the last recorded diff, gives back
the workspace; the trajectory gives back the chat history and the working memory (agent/resume.py); the live
model goes on from there and the run ends as `fix` does: the diff, then the question whether to apply it.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rich.console import Console

from ..agent.config import RunConfig
from ..agent.events import RunControl
from ..agent.models import make_model
from ..agent.resume import Resumption, load_resumption
from ..agent.runner import run_agent
from ..errors import UserError
from ..tools.seed import SeedRecord, restore_patch
from .common import add_finish_options, agent_worktree, resolve_repo
from .console import ConsoleApprover, ConsoleObserver
from .fix import SEED_FILE, _run_tui, console_asker, offer_patch
from .options import Section, build_configs, config_options
from .sandboxing import open_sandbox

# Every agent option may be given again; what is not given stays as the run was started.
RESUME = Section(RunConfig, "agent (default: as the run was started)")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("resume", help="continue a fix run that was cut off, from its trajectory",
                       description=__doc__)
    p.add_argument("run_dir", help="the run folder (holding trajectory.jsonl) of the run to continue")
    p.add_argument("--repo", help="the Git repository (default: the one the run was started in)")
    add_finish_options(p)
    config_options(p, RESUME)
    p.set_defaults(func=run)


def resumed_config(point: Resumption, args: argparse.Namespace) -> RunConfig:
    recorded: dict[str, Any] = {k: v for k, v in point.header.config.items() if k in RunConfig.model_fields}
    (config,) = build_configs(args, Section(RunConfig, RESUME.title, defaults=recorded))
    assert isinstance(config, RunConfig)
    return config


def run(args: argparse.Namespace) -> int:
    console = Console(highlight=False)
    point = load_resumption(Path(args.run_dir))
    config = resumed_config(point, args)
    issue = point.problem_statement
    if not issue.strip():
        raise UserError(f"{point.path}: the header records no problem statement; start a new run with fix")
    repo = args.repo or point.header.task.get("repo_path")
    if not repo:
        raise UserError(f"{point.path} does not record its repository; pass --repo PATH")
    base = point.base_commit
    if not base:
        raise UserError(f"{point.path} does not record the commit its worktree started from (a run made before "
                        "resume existed); start a new run with fix")
    root = resolve_repo(str(repo))
    model = make_model(config)  # fails early, before any worktree exists, on a bad --model
    out = point.path.parent.resolve()
    seed_file = out / SEED_FILE
    seed = SeedRecord(commit=base, head=point.header.task.get("head"),
                      patch=seed_file.read_bytes().decode("utf-8", "surrogateescape") if seed_file.is_file() else "")
    with agent_worktree(root, at=seed) as seeded:
        try:
            restore_patch(seeded.root, point.last_diff)
        except ValueError as exc:
            raise UserError(f"cannot rebuild the run's workspace in {root}: {exc}") from None
        workspace, sandbox = open_sandbox(seeded.root, seeded.base, config, read_only=config.mode == "read-only",
                                          repo=seeded.user_root)
        console.print(f"resumed from step {len(point.steps)} of {out}")
        with sandbox:
            if args.tui:
                outcome = _run_tui(issue, workspace, config, out, model, resume=point)
            else:
                outcome = run_agent(issue, workspace, config, out, model=model, resume=point,
                                    observer=ConsoleObserver(console, args.verbose),
                                    approver=ConsoleApprover(console), control=RunControl(),
                                    asker=console_asker(console, config))  # the same tools as the run had
    return offer_patch(console, outcome, root, out, yes=args.yes,
                       no_apply=args.no_apply or config.mode == "read-only")
