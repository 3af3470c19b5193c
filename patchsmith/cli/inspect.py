"""`patchsmith inspect PATH [PATH_B]`: browse a trajectory (ours, SWE-agent, mini-swe-agent) or a folder of runs;
with two, see them side by side, aligned step by step."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import UserError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "inspect", help="browse a run step by step in a terminal UI (two runs: side by side)",
        description="Browse a trajectory (patchsmith JSONL, SWE-agent .traj, mini-swe-agent JSON) or a run/batch "
                    "output folder step by step. With two trajectories (or two batch folders of the same tasks), "
                    "compare them aligned step by step. Press ? inside for the keys.")
    parser.add_argument("path", type=Path, help="a trajectory file, or a run/batch output folder")
    parser.add_argument("other", type=Path, nargs="?", help="a second run to compare with the first")
    parser.set_defaults(func=run)


def open_target(path: Path) -> object:
    """A RunModel for a trajectory (or a folder holding one run), a RunFolder for a batch; UserError otherwise."""
    if not path.exists():
        raise UserError(f"{path}: no such file or folder; pass a trajectory file or a run output folder")
    from ..tui.importers import TrajectoryFormatError, find_trajectory, read_folder

    try:
        if path.is_dir():
            folder = read_folder(path)
            own = find_trajectory(path)
            if folder.runs:
                return folder
            if own is None:
                raise UserError(f"{path}: no runs here (expected subfolders with trajectory.jsonl, or a trajectory file)")
            path = own
        # The CLI is the one place that starts a Textual app; the agent layer never imports it otherwise.
        from patchsmith.tui.model import open_model

        return open_model(path)
    except TrajectoryFormatError:
        raise  # a PatchsmithError already: cli/main.py prints it (and it must not fall into ValueError below)
    except (OSError, UnicodeError) as exc:
        raise UserError(f"{path}: cannot read it ({exc.__class__.__name__}: {exc})") from None
    except ValueError as exc:
        raise UserError(f"{path}: not a readable trajectory ({str(exc).splitlines()[0]})") from None


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
