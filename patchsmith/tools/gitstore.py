"""Where a workspace's own git metadata lives: a store beside the workspace, never inside it.

A workspace patchsmith creates (the agent's worktree in `fix`, a harness checkout) gets a git dir of its own
at `<parent>/.<name>.patchsmith-git`: HEAD, index, config and an object store whose alternates point at the
source repository's objects (never the reverse, so snapshots never grow the user's repository). No sandbox
binds it writable (a sandbox's writable area is the workspace itself), so what host-side git reads there is
what patchsmith wrote. The `.git` folder inside the workspace is the agent's own to use and to break; host
git never reads it. This module only names paths and reads the files patchsmith wrote; it runs no git.
"""

from __future__ import annotations

import os
from pathlib import Path

SUFFIX = ".patchsmith-git"
MARKER = "patchsmith-workspace"  # holds the workspace's path: a store serves exactly one workspace
ORIGIN = "patchsmith-origin"  # the source repository's common dir (a stable key for caches)
# Highest-precedence attributes: whatever .gitattributes the agent writes, no filter, diff or merge driver
# and no encoding conversion applies on the host (eol/text handling stays as the repository says).
ATTRIBUTES = "* !filter !diff !merge !ident !working-tree-encoding\n"
MAX_ALTERNATE_DEPTH = 5  # as git itself follows


def canonical(root: Path) -> Path:
    """`root` absolute with its parent's symlinks resolved but not its own (the agent could make the
    workspace itself a symlink; its store's place must not follow that)."""
    absolute = Path(os.path.abspath(root))
    return absolute.parent.resolve() / absolute.name


def store_path(root: Path) -> Path:
    root = canonical(root)
    return root.parent / f".{root.name}{SUFFIX}"


def store_dir(root: Path) -> Path | None:
    """The store of workspace `root`, or None when `root` is not a workspace patchsmith made."""
    path = store_path(root)
    try:
        owner = (path / MARKER).read_text().strip()
    except OSError:
        return None
    return path if owner == str(canonical(root)) else None


def origin(store: Path) -> Path:
    try:
        return Path((store / ORIGIN).read_text().strip())
    except OSError:
        return store


def object_dirs(store: Path) -> list[Path]:
    """The store's object directory and every one it borrows from (alternates, followed as git does)."""
    found: list[Path] = []
    todo = [(store / "objects", 0)]
    while todo:
        objects, depth = todo.pop(0)
        objects = objects.resolve()
        if objects in found or not objects.is_dir() or depth > MAX_ALTERNATE_DEPTH:
            continue
        found.append(objects)
        try:
            lines = (objects / "info" / "alternates").read_text().splitlines()
        except OSError:
            continue
        for line in lines:
            line = line.strip()
            if line and not line.startswith("#"):
                alt = Path(line)
                todo.append((alt if alt.is_absolute() else objects / alt, depth + 1))
    return found
