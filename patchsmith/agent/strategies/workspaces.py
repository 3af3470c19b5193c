"""Fresh workspaces for attempts: a checkout of the primary workspace's base commit whose store borrows the
primary's objects (nothing big is copied, and a sandbox that sees the primary's mirrors sees this one's), set
up by the front end (sandbox, environment), removed afterwards."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ...tools.workspace import Workspace
from ...tools.workstore import clone_workspace, remove_workspace

ATTEMPT_IDENTITY = {"user.email": "attempt@patchsmith.invalid", "user.name": "patchsmith attempt"}
# dest -> (workspace over dest, a function closing what it opened)
Setup = Callable[[Path], tuple[Workspace, Callable[[], None]]]


def clone_at(src: Path, commit: str, dest: Path) -> Path:
    """`dest`: a detached checkout of `commit`, from `src` (any repository or workspace holding it), with
    its git metadata in a store of its own (tools.gitstore), never read from src's or dest's `.git`."""
    return clone_workspace(src, commit, dest, ATTEMPT_IDENTITY)


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
                remove_workspace(dest)
