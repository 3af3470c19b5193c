"""Snapshots go to the workspace's own store, and big files stay out of patches (their size and blob id
are named instead), without losing the other edits."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from patchsmith.tools.seed import apply_back, remove_worktree, seed_worktree

from .conftest import make_repo


def _size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def test_scratch_files_never_grow_the_users_repository(tmp_path: Path) -> None:
    user = make_repo(tmp_path / "user", {"a.txt": "alpha\n"})
    (user / "untracked.bin").write_bytes(os.urandom(3 * 1024 * 1024))  # the user's own, never theirs to pay
    before = _size(user / ".git")
    seeded = seed_worktree(user, tmp_path / "ws")
    ws = seeded.workspace()
    scratch = seeded.root / "scratch.bin"
    for i in range(3):  # written, snapshotted, changed, snapshotted, deleted
        scratch.write_bytes(os.urandom(20 * 1024 * 1024 + i))
        ws.diff()
    scratch.unlink()
    (seeded.root / "a.txt").write_text("alpha edited\n")
    patch = ws.diff()
    remove_worktree(user, seeded.root)
    assert apply_back(user, patch).applied
    grown = _size(user / ".git") - before
    assert grown < 64 * 1024, f"the user's .git grew by {grown} bytes"
    assert (user / "a.txt").read_text() == "alpha edited\n"
    assert subprocess.run(["git", "-C", str(user), "fsck", "--no-dangling"], capture_output=True).returncode == 0


def test_big_files_stay_out_of_the_patch_and_the_text_edits_stay_in(tmp_path: Path) -> None:
    user = make_repo(tmp_path / "user", {"a.txt": "alpha\n", "big.dat": "small at first\n"})
    seeded = seed_worktree(user, tmp_path / "ws")
    ws = seeded.workspace()
    (seeded.root / "a.txt").write_text("alpha edited\n")
    (seeded.root / "big.dat").write_bytes(os.urandom(6 * 1024 * 1024))  # a tracked file that became big
    (seeded.root / "new.bin").write_bytes(os.urandom(2 * 1024 * 1024))  # a new big binary
    (seeded.root / "medium.bin").write_bytes(os.urandom(64 * 1024))  # a small binary still goes in
    patch = ws.diff()
    assert len(patch) < 512 * 1024
    assert "+alpha edited" in patch and "diff --git a/medium.bin" in patch and "GIT binary patch" in patch
    for name in ("big.dat", "new.bin"):
        blob = subprocess.run(["git", "hash-object", str(seeded.root / name)], capture_output=True,
                              text=True).stdout.strip()
        size = (seeded.root / name).stat().st_size
        assert f"{name} ({size} bytes, git blob {blob})" in patch
        assert f"diff --git a/{name}" not in patch
    remove_worktree(user, seeded.root)
    assert apply_back(user, patch).applied  # the notes do not stop the rest from applying
    assert (user / "a.txt").read_text() == "alpha edited\n" and (user / "medium.bin").stat().st_size == 64 * 1024
    assert (user / "big.dat").read_text() == "small at first\n" and not (user / "new.bin").exists()


def test_a_2_gib_file_does_not_kill_the_snapshot(tmp_path: Path) -> None:
    user = make_repo(tmp_path / "user", {"a.txt": "alpha\n"})
    seeded = seed_worktree(user, tmp_path / "ws")
    ws = seeded.workspace()
    (seeded.root / "a.txt").write_text("alpha edited\n")
    with open(seeded.root / "huge.bin", "wb") as fh:  # sparse: 2 GiB on paper, nothing on disk
        fh.truncate(2 * 1024 ** 3)
    for _ in range(2):  # every step snapshots; the second must not read the file again either
        patch = ws.diff()
        assert "+alpha edited" in patch and "huge.bin (2147483648 bytes, sha256 of its first and last MiB " in patch
        assert len(patch) < 64 * 1024
    remove_worktree(user, seeded.root)
