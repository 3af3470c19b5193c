from __future__ import annotations

from pathlib import Path

import pytest

from patchsmith.tools.git import GitError
from patchsmith.tools.index import build
from patchsmith.tools.index.build import git_blob_sha, update_index
from patchsmith.tools.index.repo import RepoIndex
from patchsmith.tools.index.store import default_cache_dir

from .conftest import git


def test_first_build_parses_every_language_and_counts_skips(repo: Path, cache: Path) -> None:
    stats = update_index(repo)
    assert stats.parsed == stats.files and stats.reused == 0
    assert stats.skipped["unknown-language"] == 1  # README.md
    assert stats.skipped["symlink"] == 1
    assert stats.skipped["too-large"] == 1
    assert stats.skipped["minified"] == 1
    assert stats.skipped["binary"] == 1
    assert stats.skipped["not-utf8"] == 1
    assert stats.parse_errors == 1  # pkg/broken.py: kept, its good definitions too
    assert Path(stats.db_path).parent == cache
    index = RepoIndex(repo)
    names = {r.qualified for r in index.store.all_symbols(index.key)}
    for expected in ("Parser", "Parser.parse", "Parser.Inner.deep", "helper", "ok", "Widget.render", "mount",
                     "unmount", "Shape.area", "Square.area", "Id", "Server.Serve", "main", "Cache.get", "build",
                     "Main.main", "buf_len", "buf", "geo.Vec", "geo.Vec.norm"):
        assert expected in names, expected
    assert not (repo / ".patchsmith").exists()
    assert git(repo, "status", "--porcelain") == ""  # nothing written into the repository


def test_second_run_reuses_everything(repo: Path, cache: Path) -> None:
    first = update_index(repo)
    second = update_index(repo)
    assert second.parsed == 0
    assert second.reused == second.files == first.files
    assert second.symbols == first.symbols


def test_one_file_edit_reparses_only_that_file(repo: Path, cache: Path) -> None:
    update_index(repo)
    core = repo / "pkg" / "core.py"
    core.write_text(core.read_text() + "\n\ndef added_later():\n    return 1\n")
    stats = update_index(repo)
    assert stats.parsed == 1
    rows, exact = RepoIndex(repo).find_symbol("added_later")
    assert exact and rows[0].path == "pkg/core.py" and rows[0].line > 15
    # staging the edit changes nothing more: the blob id is the same
    git(repo, "add", "pkg/core.py")
    assert update_index(repo).parsed == 0


def test_untracked_and_deleted_files(repo: Path, cache: Path) -> None:
    update_index(repo)
    (repo / "pkg" / "fresh.py").write_text("def brand_new():\n    pass\n")
    (repo / "pkg" / "util.py").unlink()
    stats = update_index(repo)
    assert stats.parsed == 1
    index = RepoIndex(repo)
    assert index.find_symbol("brand_new")[1]
    assert not index.find_symbol("tokenize_file")[1]


def test_worktrees_of_one_repository_share_the_cache(repo: Path, cache: Path, tmp_path: Path) -> None:
    update_index(repo)
    other = tmp_path / "wt2"
    git(repo, "worktree", "add", "-q", "--detach", str(other))
    stats = update_index(other)
    assert stats.parsed == 0 and stats.files > 10


def test_corrupt_cache_is_rebuilt(repo: Path, cache: Path) -> None:
    db = Path(update_index(repo).db_path)
    for suffix in ("-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    db.write_bytes(b"this is not a database" * 100)
    stats = update_index(repo)
    assert stats.rebuilt
    assert stats.parsed > 10
    assert RepoIndex(repo).find_symbol("Parser")[1]


def test_truncated_cache_is_rebuilt(repo: Path, cache: Path) -> None:
    db = Path(update_index(repo).db_path)
    for suffix in ("-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    data = db.read_bytes()
    db.write_bytes(data[:100] + b"\xff" * 5000 + data[5100:])  # header kept, pages torn
    stats = update_index(repo)
    assert stats.symbols > 10
    assert update_index(repo).parsed == 0


def test_cache_dir_argument_and_default(repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PATCHSMITH_CACHE_DIR", raising=False)
    assert "patchsmith" in str(default_cache_dir())
    stats = update_index(repo, tmp_path / "elsewhere")
    assert Path(stats.db_path).parent == tmp_path / "elsewhere"


def test_not_a_git_repository(tmp_path: Path, cache: Path) -> None:
    with pytest.raises(GitError):
        update_index(tmp_path)


def test_blob_ids_match_git(repo: Path) -> None:
    data = (repo / "pkg" / "core.py").read_bytes()
    assert git_blob_sha(data) == git(repo, "rev-parse", "HEAD:pkg/core.py").strip()


def test_parallel_and_serial_builds_agree(repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(build, "_POOL_MIN_BYTES", 0)  # take the process-pool path with small files
    for i in range(40):
        (repo / "gen").mkdir(exist_ok=True)
        (repo / "gen" / f"m{i}.py").write_text(f"class C{i}:\n    def m(self):\n        pass\n" + "x = [1, 2, 3]\n" * 20)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "more")
    pooled = update_index(repo, tmp_path / "c1", workers=2)
    serial = update_index(repo, tmp_path / "c2", workers=1)
    assert pooled.parsed == serial.parsed and pooled.symbols == serial.symbols


def test_pathological_comment_runs_do_not_hang(repo: Path, cache: Path) -> None:
    # thousands of comment lines after an indented block make tree-sitter-python quadratic (minutes)
    (repo / "commented.py").write_text("class Late:\n    def m(self):\n        pass\n" + "# note\n" * 20_000
                                       + "def after():\n    pass\n")
    stats = update_index(repo)
    assert stats.skipped["parse-timeout"] == 0
    index = RepoIndex(repo)
    assert index.find_symbol("after")[0][0].line == 20_004
    assert index.find_symbol("Late.m")[1]
