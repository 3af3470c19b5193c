from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from patchsmith.tools import search as search_mod
from patchsmith.tools.search import search_files, search_tool
from patchsmith.tools.workspace import Workspace

from .conftest import git, make_repo, write

BACKENDS = ["git-grep", pytest.param("ripgrep", marks=pytest.mark.skipif(shutil.which("rg") is None,
                                                                         reason="ripgrep not installed"))]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("PATCHSMITH_SEARCH_BACKEND", request.param)
    return request.param


@pytest.fixture
def sws(tmp_path: Path) -> Workspace:
    root = make_repo(tmp_path / "r", {
        "src/pkg/util.py": "def helper():\n    return 'needle'\n",
        "src/pkg/core.py": "import util\n\nx = util.helper()  # needle here\n",
        "src/app.js": "const needle = 1;\n",
        "tests/test_core.py": "def test_needle():\n    assert True\n",
        "docs/notes.txt": "a needle in a haystack\n[brackets] and (parens) needle.*\n",
        ".github/ci.yml": "name: needle\n",
        "data.bin": b"needle\x00\x01\x02",
        ".gitignore": "build/\n",
    })
    write(root, {"build/gen.py": "needle = 'ignored'\n", "scratch.py": "needle = 'untracked'\n"})
    return Workspace(root=root, base=git(root, "rev-parse", "HEAD").strip())


def paths(obs) -> list[str]:
    return sorted({m["path"] for m in obs.data["matches"]})


def test_literal_search_groups_by_file_over_tracked_and_untracked(sws: Workspace, backend: str) -> None:
    obs = search_tool(sws, {"pattern": "needle"})
    assert obs.ok and obs.data["backend"] == backend
    assert paths(obs) == [".github/ci.yml", "docs/notes.txt", "scratch.py", "src/app.js", "src/pkg/core.py",
                          "src/pkg/util.py", "tests/test_core.py"]  # no build/ (ignored), no data.bin (binary)
    assert obs.text.startswith("Found 8 matches in 7 files for 'needle' (literal):")
    assert "docs/notes.txt\n  1: a needle in a haystack\n  2: [brackets] and (parens) needle.*" in obs.text
    assert {"path": "src/pkg/core.py", "line": 3, "text": "x = util.helper()  # needle here"} in obs.data["matches"]


def test_literal_is_default_and_regex_is_opt_in(sws: Workspace, backend: str) -> None:
    literal = search_tool(sws, {"pattern": "needle.*"})
    assert paths(literal) == ["docs/notes.txt"] and literal.data["total_matches"] == 1
    assert search_tool(sws, {"pattern": "[brackets]"}).data["total_matches"] == 1
    regex = search_tool(sws, {"pattern": r"def \w+\(\)", "regex": True})
    assert paths(regex) == ["src/pkg/util.py", "tests/test_core.py"]
    look = search_tool(sws, {"pattern": r"(?<=const )needle", "regex": True})
    assert paths(look) == ["src/app.js"]


def test_path_directory_file_and_globs(sws: Workspace, backend: str) -> None:
    assert paths(search_tool(sws, {"pattern": "needle", "path": "src/pkg"})) == ["src/pkg/core.py",
                                                                                   "src/pkg/util.py"]
    assert paths(search_tool(sws, {"pattern": "needle", "path": "src/app.js"})) == ["src/app.js"]
    assert paths(search_tool(sws, {"pattern": "needle", "path": "*.py"})) == [
        "scratch.py", "src/pkg/core.py", "src/pkg/util.py", "tests/test_core.py"]
    assert paths(search_tool(sws, {"pattern": "needle", "path": "src/**/u*.py"})) == ["src/pkg/util.py"]
    assert paths(search_tool(sws, {"pattern": "needle", "path": "*.{js,yml}"})) == [".github/ci.yml", "src/app.js"]
    assert paths(search_tool(sws, {"pattern": "needle", "path": "src/*"})) == [
        "src/app.js", "src/pkg/core.py", "src/pkg/util.py"]


def test_both_backends_give_identical_results(sws: Workspace) -> None:
    if shutil.which("rg") is None:
        pytest.skip("ripgrep not installed")
    for pattern, path, regex in [("needle", None, False), ("needle", "*.py", False), ("e.d", "src", True),
                                 ("needle", "src/**/*.py", False), ("nothing-here", None, False)]:
        a = search_files(sws.root, pattern, path, regex, backend="git-grep")
        b = search_files(sws.root, pattern, path, regex, backend="ripgrep")
        assert a.files == b.files and a.total == b.total, (pattern, path)


def test_no_matches_and_errors_teach(sws: Workspace, backend: str) -> None:
    none = search_tool(sws, {"pattern": "zzz-not-there"})
    assert none.ok and none.text.startswith("No matches for 'zzz-not-there'") and none.data["matches"] == []
    bad = search_tool(sws, {"pattern": "(unclosed", "regex": True})
    assert not bad.ok and "search failed" in bad.error and "regex=false" in bad.error
    assert "does not exist" in search_tool(sws, {"pattern": "x", "path": "nope/dir"}).error
    assert "outside the repository" in search_tool(sws, {"pattern": "x", "path": "../"}).error
    assert "empty" in search_tool(sws, {"pattern": ""}).error
    assert "one line" in search_tool(sws, {"pattern": "a\nb"}).error
    assert "bad arguments" in search_tool(sws, {"query": "x"}).error


def test_backend_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PATCHSMITH_SEARCH_BACKEND", raising=False)
    assert search_mod.backend_name() == "git-grep"
    monkeypatch.setenv("PATCHSMITH_SEARCH_BACKEND", "auto")
    assert search_mod.backend_name() == ("ripgrep" if shutil.which("rg") else "git-grep")
    monkeypatch.setenv("PATCHSMITH_SEARCH_BACKEND", "ripgrep")
    monkeypatch.setenv("PATH", "/nonexistent")  # asked for ripgrep but it is not installed: git grep
    assert search_mod.backend_name() == "git-grep"


def test_pattern_starting_with_dash_is_a_pattern(sws: Workspace, backend: str) -> None:
    write(sws.root, {"flags.txt": "run with --verbose please\n"})
    obs = search_tool(sws, {"pattern": "--verbose"})
    assert obs.ok and paths(obs) == ["flags.txt"]


def test_caps_and_counts_of_what_was_left_out(tmp_path: Path, backend: str) -> None:
    files = {f"m{i:03d}.txt": "hit\n" * 30 for i in range(80)}
    root = make_repo(tmp_path / "many", files)
    ws = Workspace(root=root, base="HEAD")
    obs = search_tool(ws, {"pattern": "hit"})
    assert obs.data["total_matches"] == 2400 and obs.data["total_files"] == 80
    shown = obs.data["matches"]
    assert len(shown) == 200 and len({m["path"] for m in shown}) == 8  # 25 lines per file, 200 lines in all
    assert "[... 5 more matches in this file]" in obs.text
    assert "[2200 more matches in 72 more files not shown; narrow the search" in obs.text


def test_long_lines_are_trimmed(sws: Workspace, backend: str) -> None:
    write(sws.root, {"min.js": "var a='" + "x" * 5000 + "needle';\n"})
    obs = search_tool(sws, {"pattern": "needle", "path": "min.js"})
    line = next(x for x in obs.text.splitlines() if x.startswith("  1: "))
    assert len(line) < 260 and line.endswith("[...]")
