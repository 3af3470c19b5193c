"""Has the working tree changed since the last look? Asked before every index lookup, so it must be cheap.

Tracked files: `git ls-files -m` (git compares each file's stat data with its index). Untracked files: listing
them walks every directory and matches ignore rules (two thirds of the cost on a 6,700-file tree), so the list
is reused while no directory that could hold one changed its mtime: creating, deleting or renaming an entry
changes its directory's mtime. Git's own untracked cache rests on the same fact.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..git import absolute_git_dir, run_git

Dirty = tuple[tuple[str, ...], tuple[str, ...]]  # (modified tracked files, untracked files), as git lists them


@dataclass(frozen=True)
class _Listing:
    index_sig: tuple[int, int]
    modified: tuple[str, ...]
    dirs_sig: tuple[int, ...]
    dirs: tuple[str, ...]  # absolute
    untracked: tuple[str, ...]


def _ancestors(paths: set[str]) -> set[str]:
    out = {""}
    for path in paths:
        parent = path.rpartition("/")[0]
        while parent and parent not in out:
            out.add(parent)
            parent = parent.rpartition("/")[0]
    return out


class WorktreeWatch:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._git_dir: Path | None = None
        self._last: _Listing | None = None
        self._tracked_dirs: tuple[tuple[int, int], set[str]] | None = None  # (index signature, directories)

    @staticmethod
    def _dirs_sig(dirs: tuple[str, ...]) -> tuple[int, ...]:
        sig = []
        stat = os.stat
        for d in dirs:  # absolute paths: thousands of directories, so no joins in the loop
            try:
                sig.append(stat(d).st_mtime_ns)
            except OSError:
                sig.append(-1)
        return tuple(sig)

    def _watched_dirs(self, index_sig: tuple[int, int], untracked: tuple[str, ...],
                      untracked_dirs: list[str]) -> tuple[str, ...]:
        """Directories a new untracked file could appear in: those holding tracked or untracked files, and
        every directory inside an untracked one (an empty new package is filled later)."""
        if self._tracked_dirs is None or self._tracked_dirs[0] != index_sig:
            # the tracked files change only with the git index; each first edit of a file lands here again
            tracked = run_git(self.root, "ls-files", "-z").stdout.split("\0")
            self._tracked_dirs = (index_sig, _ancestors({p for p in tracked if p}))
        dirs = self._tracked_dirs[1] | _ancestors(set(untracked))
        for top in untracked_dirs:
            for parent, subdirs, _ in os.walk(self.root / top):
                subdirs[:] = [s for s in subdirs if s != ".git"]
                dirs.add(os.path.relpath(parent, self.root))
        return tuple(os.path.join(self.root, d) if d else str(self.root) for d in sorted(dirs))

    @property
    def dirty(self) -> Dirty | None:
        """(modified tracked files, untracked files) as of the last fingerprint."""
        return (self._last.modified, self._last.untracked) if self._last else None

    def fingerprint(self) -> tuple:
        """Equal to the previous one exactly when no tracked file, untracked (not ignored) file or the git index
        changed (size or mtime)."""
        if self._git_dir is None:
            self._git_dir = absolute_git_dir(self.root)
        try:
            st = (self._git_dir / "index").stat()
            index_sig = (st.st_mtime_ns, st.st_size)
        except FileNotFoundError:
            index_sig = (0, 0)
        modified = tuple(p for p in run_git(self.root, "ls-files", "-z", "-m").stdout.split("\0") if p)
        last = self._last
        if last and last.index_sig == index_sig and last.modified == modified \
                and self._dirs_sig(last.dirs) == last.dirs_sig:
            untracked = last.untracked
        else:
            # Anything else changed (a .gitignore edit can un-ignore files too): list afresh.
            listed = run_git(self.root, "ls-files", "-z", "-o", "--exclude-standard", "--directory").stdout
            entries = [p for p in listed.split("\0") if p]
            untracked_dirs = [p.rstrip("/") for p in entries if p.endswith("/")]
            files = run_git(self.root, "ls-files", "-z", "-o", "--exclude-standard").stdout if untracked_dirs else listed
            untracked = tuple(p for p in files.split("\0") if p and not p.endswith("/"))
            dirs = self._watched_dirs(index_sig, untracked, untracked_dirs)
            self._last = _Listing(index_sig, modified, self._dirs_sig(dirs), dirs, untracked)
        sigs = []
        for path in modified + untracked:
            try:
                st = os.lstat(self.root / path)
                sigs.append((path, st.st_mtime_ns, st.st_size))
            except OSError:
                sigs.append((path, -1, -1))
        return index_sig, tuple(sorted(sigs))
