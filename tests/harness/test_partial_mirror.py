"""A mirror that lacks some blobs (the library's mirrors leave out their largest files) still checks out."""

from __future__ import annotations

from pathlib import Path

import pytest
from harness_helpers import git

from patchsmith.harness.repos import RepoError, RepoSource, checkout


def test_checkout_leaves_out_only_the_files_whose_blobs_are_absent(tmp_path: Path) -> None:
    repo = tmp_path / "mirror"
    repo.mkdir()
    git(repo, "init", "-q")
    (repo / "code.py").write_text("x = 1\n")
    (repo / "data").mkdir()
    (repo / "data" / "big.dat").write_text("large data\n" * 100)
    git(repo, "add", "-A")
    git(repo, "-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "c")
    head = git(repo, "rev-parse", "HEAD")
    blob = git(repo, "rev-parse", "HEAD:data/big.dat")
    (repo / ".git" / "objects" / blob[:2] / blob[2:]).unlink()  # as a partial mirror lacks it
    ws = checkout(RepoSource("local", repo), head, tmp_path / "ws")
    assert (ws / "code.py").read_text() == "x = 1\n" and not (ws / "data" / "big.dat").exists()
    with pytest.raises(RepoError, match="is not in"):
        checkout(RepoSource("local", repo), "f" * 40, tmp_path / "ws2")
