"""`patchsmith inspect PATH [PATH_B]`: browse a trajectory (ours, SWE-agent, mini-swe-agent) or a folder of runs;
with two, see them side by side, aligned step by step."""

from __future__ import annotations

import argparse

from ..errors import UserError
from .targets import add_run_arguments, open_target


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "inspect", help="browse a run step by step in a terminal UI (two runs: side by side)",
        description="Browse a trajectory (patchsmith JSONL, SWE-agent .traj, mini-swe-agent JSON) or a run/batch "
                    "output folder step by step. With two trajectories (or two batch folders of the same tasks), "
                    "compare them aligned step by step. Press ? inside for the keys.")
    add_run_arguments(parser, "path", "a second run to compare with the first")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..tui.importers import RunFolder

    target = open_target(args.path)
    if args.other is not None:
        other = open_target(args.other)
        if isinstance(target, RunFolder) != isinstance(other, RunFolder):
            raise UserError("compare two trajectories, or two batch folders of the same tasks (not one of each)")
        if isinstance(target, RunFolder) and isinstance(other, RunFolder):
            common = {r.task for r in target.runs} & {r.task for r in other.runs}
            if not common:
                raise UserError(f"{args.path} and {args.other} have no task in common to compare")
        target = (target, other)
    from patchsmith.tui.inspector import run_inspector

    run_inspector(target)  # type: ignore[arg-type]
    return 0
