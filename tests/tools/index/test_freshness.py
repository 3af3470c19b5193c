"""The cheap "has the working tree changed?" check behind every index lookup must never miss a change."""

from __future__ import annotations

import os
import time
from pathlib import Path

from patchsmith.tools.index.freshness import WorktreeWatch
from patchsmith.tools.index.repo import RepoIndex

from .conftest import git


def make_repo(tmp_path: Path) -> Path:
    root = tmp_path / "r"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "a.py").write_text("def alpha():\n    return 1\n")
    (root / ".gitignore").write_text("build/\n*.log\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "init")
    return root


def changed(watch: WorktreeWatch, before: tuple) -> bool:
    return watch.fingerprint() != before


def test_every_kind_of_change_is_seen(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    watch = WorktreeWatch(root)
    fp = watch.fingerprint()
    assert watch.fingerprint() == fp  # nothing changed, nothing seen

    # (change, whether it changes what the index is built from): empty directories and ignored files do not
    steps = [
        (lambda: (root / "pkg" / "a.py").write_text("def alpha():\n    return 2\n"), True),  # tracked edit
        (lambda: (root / "pkg" / "new.py").write_text("x = 1\n"), True),  # untracked file in a tracked dir
        (lambda: (root / "pkg" / "new.py").write_text("x = 22\n"), True),  # untracked file edited
        (lambda: (root / "fresh").mkdir(), False),  # an empty new directory...
        (lambda: (root / "fresh" / "b.py").write_text("y = 1\n"), True),  # ...filled later
        (lambda: (root / "fresh" / "deep").mkdir(), False),
        (lambda: (root / "fresh" / "deep" / "c.py").write_text("z = 1\n"), True),
        (lambda: (root / "pkg" / "run.log").write_text("ignored\n"), False),
        (lambda: (root / ".gitignore").write_text("build/\n"), True),  # edits a tracked file, un-ignores run.log
        (lambda: (root / "pkg" / "run.log").write_text("now seen\n"), True),
        (lambda: (root / "pkg" / "new.py").unlink(), True),  # untracked file deleted
        (lambda: (root / "pkg" / "a.py").unlink(), True),  # tracked file deleted
        (lambda: git(root, "add", "-A"), True),  # staging rewrites the git index
    ]
    for i, (step, visible) in enumerate(steps):
        step()
        assert changed(watch, fp) == visible, f"step {i}"
        fp = watch.fingerprint()
        assert watch.fingerprint() == fp, f"step {i} keeps looking changed"


def test_ignored_files_change_nothing(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    (root / "build").mkdir()
    watch = WorktreeWatch(root)
    fp = watch.fingerprint()
    (root / "build" / "out.py").write_text("generated = 1\n")
    (root / "pkg" / "run.log").write_text("log\n")  # an ignored file in a watched directory: listed afresh
    assert watch.fingerprint() == fp  # the listing is redone, the fingerprint is the same


def test_lookups_see_a_file_created_in_a_directory_made_earlier(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    index = RepoIndex.open(root, tmp_path / "cache")
    try:
        (root / "newpkg").mkdir()
        assert index.find_symbol("beta")[0] == [] or not index.find_symbol("beta")[1]
        time.sleep(0.01)
        (root / "newpkg" / "mod.py").write_text("def beta():\n    return 2\n")
        index.refresh()
        rows, exact = index.find_symbol("beta")
        assert exact and rows[0].path == "newpkg/mod.py"
        os.utime(root / "newpkg" / "mod.py")
        assert index.refresh() is not None  # a touched untracked file is looked at again
    finally:
        index.close()
