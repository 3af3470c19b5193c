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


# As astropy 5.2's IERS table: the package reads a data file at import, and downloads it when it is absent.
READS_TABLE = ("from pathlib import Path\n\nTABLE = Path(__file__).parent.parent / 'data' / 'eopc04.table'\n"
               "if not TABLE.exists():\n    raise RuntimeError(f'downloading {TABLE.name}: no network')\n")


def test_a_run_that_needs_a_file_the_mirror_lacks_is_a_repository_error(tmp_path: Path) -> None:
    """astropy-14995 on this machine's mirror: the IERS table's blob is absent, so conftest's import tries a
    download and nothing runs. Not the code's fault nor the environment's: an error naming the file."""
    from harness_helpers import GOLD, make_repo, task_row

    from patchsmith.harness.pipeline import Harness
    from patchsmith.harness.tasks import task_from_row

    repo = tmp_path / "repos" / "acme__calc"  # a clone with loose objects, one of which goes missing
    make_repo(repo)
    (repo / "tests" / "conftest.py").write_text(READS_TABLE)
    (repo / "data").mkdir()
    (repo / "data" / "eopc04.table").write_text("1962 0.0\n" * 200)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "data table")
    blob = git(repo, "rev-parse", "HEAD:data/eopc04.table")
    (repo / ".git" / "objects" / blob[:2] / blob[2:]).unlink()
    harness = Harness(repos_dir=tmp_path / "repos", cache_dir=tmp_path / "cache", allow_clone=False, timeout=60)
    result = harness.process(task_from_row(task_row(git(repo, "rev-parse", "HEAD"))), tmp_path / "t", patch=GOLD)
    assert result["status"] == "error" and result["error_kind"] == "repository", result["reason"]
    assert "lacks 1 file(s)" in result["reason"] and "data/eopc04.table" in result["reason"], result["reason"]
