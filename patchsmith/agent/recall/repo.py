"""Which repository a memory belongs to: its root commit, shared by every clone and worktree of it."""

from __future__ import annotations

from pathlib import Path

from ...tools.git import GitError, run_git
from ..paths import data_dir


def repo_key(root: Path) -> str | None:
    """The repository's first root commit (sorted, so a history with several roots still gives one answer);
    None for a repository without commits or outside git."""
    try:
        roots = run_git(Path(root), "rev-list", "--max-parents=0", "HEAD").stdout.split()
    except GitError:
        return None
    return sorted(roots)[0] if roots else None


def default_store_path() -> Path:
    return data_dir() / "memory.sqlite"
