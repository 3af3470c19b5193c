"""`patchsmith replay TRAJECTORY --repo PATH`: re-execute the recorded actions and compare the patches."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console

from ..agent.config import RunConfig
from ..agent.models import make_model
from ..agent.paths import new_run_dir
from ..agent.runner import run_agent
from ..agent.trajectory import read_trajectory
from ..errors import UserError
from ..tools.git import GitError, run_git
from .common import agent_worktree, resolve_repo
from .console import ConsoleApprover, ConsoleObserver, show_patch
from .sandboxing import open_sandbox


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("replay", help="re-execute a recorded run and check that the same patch results")
    p.add_argument("trajectory", help="a trajectory.jsonl (or a run folder holding one)")
    p.add_argument("--repo", default=".", help="the Git repository to replay against (default: here)")
    p.add_argument("--output", help="run folder for the replay's own trajectory")
    p.add_argument("--sandbox", default="auto", help="where commands run: local, bwrap, docker or auto")
    p.add_argument("--mode", choices=["ask", "auto-edit", "full-auto"], default="full-auto",
                   help="approvals while replaying (default full-auto, which needs an isolating sandbox)")
    p.add_argument("--at-base", action="store_true",
                   help="replay from the recorded base commit instead of the repository's current state")
    p.add_argument("--verbose", action="store_true")
    p.set_defaults(func=run)


def normalize(patch: str) -> str:
    """Compare patches by what they change, not by index lines or trailing whitespace."""
    keep = [ln.rstrip() for ln in patch.splitlines() if not ln.startswith("index ")]
    return "\n".join(keep).strip()


def run(args: argparse.Namespace) -> int:
    console = Console(highlight=False)
    path = Path(args.trajectory).expanduser()
    if path.is_dir():
        path = path / "trajectory.jsonl"
    if not path.is_file():
        raise UserError(f"trajectory not found: {path}")
    try:
        recorded = read_trajectory(path)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    root = resolve_repo(args.repo)
    original = recorded.header.config or {}
    config = RunConfig(model=f"replay:{path}", mode=args.mode, sandbox=args.sandbox,
                       max_steps=len(recorded.steps) + 1,
                       test_command=original.get("test_command"),
                       observation_budget=original.get("observation_budget", 12_000),
                       command_timeout=original.get("command_timeout", 120.0))
    model = make_model(config)
    out = (Path(args.output).expanduser() if args.output else new_run_dir("replay")).resolve()
    with agent_worktree(root) as seeded:
        base = seeded.base
        if args.at_base:
            recorded_base = recorded.header.task.get("base_commit")
            if not recorded_base:
                raise UserError("the trajectory records no base commit; replay without --at-base")
            try:
                run_git(seeded.root, "checkout", "-q", "--detach", recorded_base)
            except GitError as exc:
                raise UserError(f"cannot check out the recorded base commit: {exc}") from None
            base = recorded_base
        workspace, sandbox = open_sandbox(seeded.root, base, config)
        with sandbox:
            outcome = run_agent(recorded.header.task.get("problem_statement", ""), workspace, config, out,
                                model=model, task=recorded.header.task, approver=ConsoleApprover(console),
                                observer=ConsoleObserver(console, args.verbose))
    expected = recorded.result.patch if recorded.result else (recorded.patch_at(len(recorded.steps) - 1))
    same = normalize(expected) == normalize(outcome.patch)
    console.print(f"replayed {outcome.totals.steps} of {len(recorded.steps)} recorded steps; "
                  f"exit {outcome.exit_reason}; run folder {out}")
    if same:
        console.print("[green]same patch: the replay reproduced the recorded result[/]")
        return 0
    console.print("[red]different patch[/]: recorded vs replayed")
    show_patch(console, expected or "(empty)")
    show_patch(console, outcome.patch or "(empty)")
    return 1
