"""The files tools look at: tracked plus untracked-but-not-ignored, as git sees them."""

from __future__ import annotations

from pathlib import Path

from .git import run_git


def listed_files(root: Path) -> list[str]:
    """Root-relative paths of tracked and untracked non-ignored files that exist now (deleted ones and
    submodule directories left out), sorted."""
    out = run_git(root, "ls-files", "-z", "--cached", "--others", "--exclude-standard").stdout
    seen = sorted({p for p in out.split("\0") if p})
    return [p for p in seen if (root / p).is_file() or (root / p).is_symlink()]


def ignored(root: Path, rel_paths: list[str]) -> set[str]:
    """Which of these root-relative paths git ignores (one `git check-ignore` for the lot)."""
    if not rel_paths:
        return set()
    proc = run_git(root, "check-ignore", "--stdin", "-z", input="\0".join(rel_paths) + "\0", check=False)
    return {p for p in proc.stdout.split("\0") if p}
