"""`patchsmith inspect PATH`: browse a trajectory (ours, SWE-agent, mini-swe-agent) or a folder of runs."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import UserError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "inspect", help="browse a run step by step in a terminal UI",
        description="Browse a trajectory (patchsmith JSONL, SWE-agent .traj, mini-swe-agent JSON) or a run/batch "
                    "output folder step by step. Press ? inside for the keys.")
    parser.add_argument("path", type=Path, help="a trajectory file, or a run/batch output folder")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    path: Path = args.path
    if not path.exists():
        raise UserError(f"{path}: no such file or folder; pass a trajectory file or a run output folder")
    from ..tui.importers import TrajectoryFormatError, find_trajectory, read_folder

    target: object = None
    try:
        if path.is_dir():
            folder = read_folder(path)
            if folder.runs:
                target = folder
            own = find_trajectory(path)
            if target is None and own is None:
                raise UserError(f"{path}: no runs here (expected subfolders with trajectory.jsonl, or a trajectory file)")
            path = own or path
        if target is None:
            # The CLI is the one place that starts a Textual app; the agent layer never imports it otherwise.
            from patchsmith.tui.inspector import open_model

            target = open_model(path)
    except TrajectoryFormatError as exc:
        raise UserError(str(exc)) from None
    except (OSError, UnicodeError) as exc:
        raise UserError(f"{path}: cannot read it ({exc.__class__.__name__}: {exc})") from None
    except ValueError as exc:
        raise UserError(f"{path}: not a readable trajectory ({str(exc).splitlines()[0]})") from None
    from patchsmith.tui.inspector import run_inspector

    run_inspector(target)  # type: ignore[arg-type]
    return 0
