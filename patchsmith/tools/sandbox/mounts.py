"""Host paths a sandbox must show besides the workspace itself."""

from __future__ import annotations

from pathlib import Path


def git_mounts(root: Path) -> list[tuple[Path, bool]]:
    """For a linked worktree (`.git` is a file), its git dirs as (path, writable), outermost first.

    The worktree's own gitdir (index, HEAD) is writable so `git status`/`git diff`/`git add` work inside; the
    shared repository (objects, refs: the user's own repo) is read-only, so nothing in the sandbox can change
    the user's branches or history. A normal clone (`.git` is a folder) needs nothing extra.
    """
    dotgit = Path(root) / ".git"
    if not dotgit.is_file():
        return []
    try:
        line = dotgit.read_text().strip()
    except OSError:
        return []
    if not line.startswith("gitdir:"):
        return []
    gitdir = Path(line.split(":", 1)[1].strip())
    gitdir = (gitdir if gitdir.is_absolute() else Path(root) / gitdir).resolve()
    if not gitdir.is_dir():
        return []
    common = gitdir
    commondir_file = gitdir / "commondir"
    if commondir_file.is_file():
        raw = Path(commondir_file.read_text().strip())
        common = (raw if raw.is_absolute() else gitdir / raw).resolve()
    mounts = [(common, False)] if common != gitdir and common.is_dir() else []
    return [*mounts, (gitdir, True)]
