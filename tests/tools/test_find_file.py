from __future__ import annotations

from pathlib import Path

import pytest

from patchsmith.tools.find_file import find_file_tool
from patchsmith.tools.globs import expand_braces, glob_match
from patchsmith.tools.workspace import Workspace

from .conftest import make_repo, write


@pytest.fixture
def fws(tmp_path: Path) -> Workspace:
    root = make_repo(tmp_path / "r", {
        "src/util.py": "", "src/core/util_str.py": "", "src/core/deep/utils.py": "", "lib/util.py": "",
        "tests/test_util.py": "", "tests/unit/test_core.py": "", "setup.py": "", "README.md": "",
        ".gitignore": "*.log\nvenv/\n", "removed.py": "",
    })
    (root / "removed.py").unlink()  # tracked but deleted: not a file any more
    write(root, {"new_module.py": "", "debug.log": "", "venv/lib/util.py": ""})
    return Workspace(root=root, base="HEAD")


def found(ws: Workspace, pattern: str) -> list[str]:
    obs = find_file_tool(ws, {"pattern": pattern})
    assert obs.ok, obs.text
    return obs.data["files"]


def test_exact_name_and_path_ending(fws: Workspace) -> None:
    assert found(fws, "util.py") == ["lib/util.py", "src/util.py"]  # not venv/ (ignored)
    assert found(fws, "src/util.py") == ["src/util.py"]
    assert found(fws, "core/util_str.py") == ["src/core/util_str.py"]
    assert found(fws, "new_module.py") == ["new_module.py"]  # untracked files are included
    assert found(fws, "removed.py") == []


def test_globs(fws: Workspace) -> None:
    assert found(fws, "*.py") == ["lib/util.py", "new_module.py", "setup.py", "src/core/deep/utils.py",
                                  "src/core/util_str.py", "src/util.py", "tests/test_util.py",
                                  "tests/unit/test_core.py"]
    assert found(fws, "test_*") == ["tests/test_util.py", "tests/unit/test_core.py"]
    assert found(fws, "src/**/util*") == ["src/core/deep/utils.py", "src/core/util_str.py", "src/util.py"]
    assert found(fws, "tests/*.py") == ["tests/test_util.py"]
    assert found(fws, "*.{md,log}") == ["README.md"]  # debug.log is ignored


def test_fuzzy_fallback_and_no_match(fws: Workspace) -> None:
    obs = find_file_tool(fws, {"pattern": "UTIL_S"})
    assert obs.ok and obs.data["files"] == ["src/core/util_str.py"] and "contain it" in obs.text
    none = find_file_tool(fws, {"pattern": "*.rs"})
    assert none.ok and none.text.startswith("No files match '*.rs'") and none.data["total"] == 0


def test_bad_patterns(fws: Workspace) -> None:
    assert "empty" in find_file_tool(fws, {"pattern": "  "}).error
    assert "`..`" in find_file_tool(fws, {"pattern": "../*.py"}).error
    assert "bad arguments" in find_file_tool(fws, {}).error


def test_results_are_capped_with_count(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "many", {f"pkg/m{i:03d}.py": "" for i in range(130)})
    obs = find_file_tool(Workspace(root=root, base="HEAD"), {"pattern": "*.py"})
    assert obs.data["total"] == 130 and len(obs.data["files"]) == 100
    assert "[... 30 more files not shown" in obs.text


@pytest.mark.parametrize(("pattern", "path", "leading", "expected"), [
    ("*.py", "a/b/c.py", False, True),
    ("*.py", "a/b/c.pyc", False, False),
    ("src/*.py", "src/a/b.py", False, False),
    ("src/**/b.py", "src/b.py", False, True),
    ("src/**/b.py", "src/x/y/b.py", False, True),
    ("src/*", "src/a/b.py", True, True),
    ("src/*", "src/a/b.py", False, False),
    ("test_?.py", "t/test_1.py", False, True),
    ("[ab]*.txt", "b1.txt", False, True),
    ("[!ab]*.txt", "b1.txt", False, False),
    ("./docs/*.md", "docs/x.md", False, True),
])
def test_glob_semantics(pattern: str, path: str, leading: bool, expected: bool) -> None:
    assert glob_match(pattern, path, leading_dirs=leading) is expected


def test_brace_expansion() -> None:
    assert expand_braces("*.{js,ts}") == ["*.js", "*.ts"]
    assert expand_braces("{a,b}/{c,d}") == ["a/c", "a/d", "b/c", "b/d"]
    assert expand_braces("x{y}") == ["x{y}"] and expand_braces("x{y") == ["x{y"]
