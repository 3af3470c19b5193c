"""Real git repositories built per test in tmp_path."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from patchsmith.tools.workspace import Workspace

IDENTITY = ["-c", "user.name=Test", "-c", "user.email=test@example.invalid", "-c", "commit.gpgsign=false"]


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *IDENTITY, *args], check=True, capture_output=True,
                          text=True).stdout


def make_repo(root: Path, files: dict[str, str | bytes], commit: bool = True) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q", "-b", "main")
    write(root, files)
    if commit:
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", "initial")
    return root


def write(root: Path, files: dict[str, str | bytes]) -> None:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


@pytest.fixture(autouse=True)
def _fast_child_pytest(monkeypatch: pytest.MonkeyPatch) -> None:
    # pytest runs started by run_tests load no third-party plugins: same output format, a fraction of the time.
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo", {
        "src/app.py": "def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    return a - b\n",
        "src/util.py": "VALUE = 1\n",
        "README.md": "# demo\n",
    })


@pytest.fixture
def ws(repo: Path) -> Workspace:
    return Workspace(root=repo, base=git(repo, "rev-parse", "HEAD").strip())
