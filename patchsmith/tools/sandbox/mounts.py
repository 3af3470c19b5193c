"""Host paths a sandbox must show besides the workspace itself."""

from __future__ import annotations

from pathlib import Path

from ..gitstore import object_dirs, store_dir


def git_mounts(root: Path) -> list[tuple[Path, bool]]:
    """Git directories outside `root` that git inside the sandbox needs, as (path, writable).

    A workspace patchsmith made (tools.gitstore): the object directories its store borrows, read-only (the
    agent's own `.git` inside the workspace borrows them). Nothing is read from the workspace for that, so
    a `.git` the agent rewrote cannot make a later sandbox mount a host path.

    A linked worktree made by hand (`.git` is a file): its own gitdir writable, so `git status`/`git add`
    work inside, and the shared repository read-only, so nothing in the sandbox can change the user's
    branches or history; only when the gitdir really is that worktree's entry in the repository it names.
    A normal clone (`.git` is a folder) needs nothing extra.
    """
    store = store_dir(root)
    if store is not None:
        return [(path, False) for path in object_dirs(store)]
    return _linked_worktree_mounts(Path(root))


def _linked_worktree_mounts(root: Path) -> list[tuple[Path, bool]]:
    dotgit = root / ".git"
    if not dotgit.is_file() or dotgit.is_symlink():
        return []
    try:
        line = dotgit.read_text().strip()
    except OSError:
        return []
    if not line.startswith("gitdir:"):
        return []
    gitdir = Path(line.split(":", 1)[1].strip())
    gitdir = (gitdir if gitdir.is_absolute() else root / gitdir).resolve()
    try:
        common = (gitdir / (gitdir / "commondir").read_text().strip()).resolve()
        back = Path((gitdir / "gitdir").read_text().strip()).resolve()
    except OSError:
        return []
    # gitdir must be <common>/worktrees/<name> of a real repository, and that entry must name this worktree
    if gitdir.parent != common / "worktrees" or back != (root / ".git").resolve() or not (common / "objects").is_dir():
        return []
    return [(common, False), (gitdir, True)]
