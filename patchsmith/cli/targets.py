"""What `inspect` and `export` are pointed at: a trajectory file (ours, SWE-agent, mini-swe-agent), a run
folder holding one, or a batch folder of runs. Both commands take the same two positionals and open them
here, so a bad path is the same one-line error in each."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import PatchsmithError, UserError

if TYPE_CHECKING:
    from ..tui.importers import RunFolder, RunSummary
    from ..tui.model import RunModel


def add_run_arguments(parser: argparse.ArgumentParser, first: str, other_help: str) -> None:
    parser.add_argument(first, type=Path, help="a trajectory file, or a run/batch output folder")
    parser.add_argument("other", type=Path, nargs="?", help=other_help)


@contextmanager
def readable(path: Path) -> Iterator[None]:
    """Turn what reading `path` can raise into one UserError naming it (our own errors pass as they are)."""
    if not path.exists():
        raise UserError(f"{path}: no such file or folder; pass a trajectory file or a run output folder")
    try:
        yield
    except PatchsmithError:
        raise  # already one line (a TrajectoryFormatError is also a ValueError: it must not fall below)
    except (OSError, UnicodeError) as exc:
        raise UserError(f"{path}: cannot read it ({exc.__class__.__name__}: {exc})") from None
    except ValueError as exc:
        raise UserError(f"{path}: not a readable trajectory ({str(exc).splitlines()[0]})") from None


def open_run(path: Path, task: str | None = None) -> RunModel:
    """One run: a trajectory, a folder holding one, or (with `task`, or when it holds one) a batch's task."""
    from ..tui.importers import find_trajectory, read_folder
    from ..tui.model import open_model

    with readable(path):
        if path.is_dir():
            path = find_trajectory(path) or _one_task(path, read_folder(path).runs, task)
        return open_model(path)


def _one_task(path: Path, runs: list[RunSummary], task: str | None) -> Path:
    match = [r for r in runs if task in (None, r.task)]
    if len(match) != 1:
        names = ", ".join(r.task for r in runs[:10]) or "none"
        raise UserError(f"{path}: pick one task with --task (tasks here: {names})")
    return match[0].path


def open_target(path: Path) -> RunModel | RunFolder:
    """A RunModel for a trajectory (or a folder holding one run), a RunFolder for a batch; UserError otherwise."""
    from ..tui.importers import find_trajectory, read_folder
    from ..tui.model import open_model

    with readable(path):
        if path.is_dir():
            if (folder := read_folder(path)).runs:
                return folder
            if (own := find_trajectory(path)) is None:
                raise UserError(
                    f"{path}: no runs here (expected subfolders with trajectory.jsonl, or a trajectory file)"
                )
            path = own
        return open_model(path)
