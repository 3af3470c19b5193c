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
from ..errors import ConfigError, UserError
from ..tools.git import GitError
from ..tools.workstore import check_out
from .common import agent_worktree, resolve_repo
from .console import ConsoleApprover, ConsoleObserver, show_patch
from .options import Section, build_configs, config_options
from .sandboxing import open_sandbox

# What a replay offers; full-auto by default, which needs an isolating sandbox.
REPLAY = Section(RunConfig, "replay", only=("sandbox", "mode"), defaults={"mode": "full-auto"})
RECORDED = ("test_command", "observation_budget", "command_timeout")  # settings that shape observations


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("replay", help="re-execute a recorded run and check that the same patch results")
    p.add_argument("trajectory", help="a trajectory.jsonl (or a run folder holding one)")
    p.add_argument("--repo", default=".", help="the Git repository to replay against (default: here)")
    p.add_argument("--output", help="run folder for the replay's own trajectory")
    p.add_argument("--at-base", action="store_true",
                   help="replay from the recorded base commit instead of the repository's current state")
    p.add_argument("--verbose", action="store_true")
    config_options(p, REPLAY)
    p.set_defaults(func=run)


def replay_config(args: argparse.Namespace, original: dict, path: Path, steps: int) -> RunConfig:
    """The recorded run's settings that shape what the tools return, this invocation's sandbox and mode,
    and the replayed model with room for every recorded step."""
    recorded = {k: original[k] for k in RECORDED if original.get(k) is not None}
    section = Section(RunConfig, REPLAY.title, only=REPLAY.only, defaults={**REPLAY.defaults, **recorded},
                      fixed={"model": f"replay:{path}", "max_steps": steps + 1,
                             "memory": False})  # a replay re-runs a past run: it teaches nothing new
    (config,) = build_configs(args, section)
    assert isinstance(config, RunConfig)
    if config.mode == "read-only":
        raise ConfigError("replay cannot run in read-only mode: the recorded edits must be made again",
                          hint="use --mode ask, auto-edit or full-auto")
    return config


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
    except ValueError as exc:  # read_trajectory's ValueError names the file and the bad line
        raise UserError(str(exc)) from None
    config = replay_config(args, recorded.header.config or {}, path, len(recorded.steps))
    root = resolve_repo(args.repo)
    model = make_model(config)
    out = (Path(args.output).expanduser() if args.output else new_run_dir("replay")).resolve()
    with agent_worktree(root) as seeded:
        base = seeded.base
        if args.at_base:
            recorded_base = recorded.header.task.get("base_commit")
            if not recorded_base:
                raise UserError("the trajectory records no base commit; replay without --at-base")
            try:
                check_out(seeded.root, recorded_base)
            except GitError as exc:
                raise UserError(f"cannot check out the recorded base commit: {exc}") from None
            base = recorded_base
        workspace, sandbox = open_sandbox(seeded.root, base, config, repo=root)
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
