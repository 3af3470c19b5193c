"""Fresh workspaces for attempts: a local clone of the primary workspace's repository at its base commit
(objects hard-linked, and any alternates kept, so nothing big is copied and a sandbox that sees the
primary's mirrors sees this clone's), set up by the front end (sandbox, environment), removed afterwards."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ...tools.git import run_git
from ...tools.workspace import Workspace

# dest -> (workspace over dest, a function closing what it opened)
Setup = Callable[[Path], tuple[Workspace, Callable[[], None]]]


def clone_at(src: Path, commit: str, dest: Path) -> Path:
    """`dest`: a detached checkout of `commit`, from `src` (any repository or worktree holding it)."""
    if dest.exists():
        shutil.rmtree(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    run_git(dest.parent, "clone", "--quiet", "--no-checkout", str(src), str(dest))
    run_git(dest, "-c", "advice.detachedHead=false", "checkout", "--quiet", "--force", "--detach", commit)
    run_git(dest, "config", "user.email", "attempt@patchsmith.invalid")
    run_git(dest, "config", "user.name", "patchsmith attempt")
    return dest


@dataclass
class CloneWorkspaces:
    src: Path
    base: str
    folder: Path  # attempts' checkouts go under here
    setup: Setup
    keep: bool = False

    @contextmanager
    def open(self, label: str) -> Iterator[Workspace]:
        dest = clone_at(self.src, self.base, Path(self.folder) / label)
        close: Callable[[], None] = lambda: None  # noqa: E731
        try:
            ws, close = self.setup(dest)
            yield ws
        finally:
            close()
            if not self.keep:
                shutil.rmtree(dest, ignore_errors=True)
