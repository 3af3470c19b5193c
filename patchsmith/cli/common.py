"""Setup shared by the commands that run an agent on the user's repository (fix, replay)."""

from __future__ import annotations

import argparse
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..agent.paths import data_dir
from ..errors import UserError
from ..tools.git import GitError, repo_root
from ..tools.seed import SeededWorkspace, SeedRecord, remove_worktree, seed_worktree


def read_issue(text: str | None, issue_file: str | None) -> str:
    if issue_file:
        path = Path(issue_file)
        if not path.is_file():
            raise UserError(f"issue file not found: {path}")
        text = path.read_text(encoding="utf-8", errors="replace")
    if not text or not text.strip():
        raise UserError('the issue text is empty; pass it as an argument (patchsmith fix "...") or with --issue-file')
    return text.strip()


def resolve_repo(path: str) -> Path:
    """The top of the Git working tree at `path`, or a one-line error saying what to pass instead."""
    given = Path(path).expanduser()
    if not given.exists():
        raise UserError(f"{given} does not exist; pass --repo with a git repository path")
    return repo_root(given)  # a GitError says why it is not a repository


@contextmanager
def agent_worktree(root: Path, at: SeedRecord | None = None) -> Iterator[SeededWorkspace]:
    """A separate worktree of `root` seeded with its current state (or at `at`: a resumed run's seed);
    removed afterwards, whatever happens."""
    worktree = data_dir() / "worktrees" / uuid.uuid4().hex[:12]
    try:
        seeded = seed_worktree(root, worktree, at=at)
    except (GitError, ValueError) as exc:  # ValueError: e.g. a path git cannot take; say which repo failed
        raise UserError(f"cannot prepare a worktree of {root}: {exc}") from None
    try:
        yield seeded
    finally:
        remove_worktree(root, worktree)
        shutil.rmtree(worktree, ignore_errors=True)


def add_finish_options(p: argparse.ArgumentParser) -> None:
    """How a fix run (new or resumed) ends and is shown: the apply decision, the TUI, verbosity."""
    p.add_argument("--yes", action="store_true", help="apply the final patch without asking")
    p.add_argument("--no-apply", action="store_true", help="never apply the patch; only write patch.diff")
    p.add_argument("--tui", action="store_true", help="watch and steer the run in the terminal UI")
    p.add_argument("--verbose", action="store_true", help="print whole observations")
