"""`patchsmith memory` from the command line, on a real repository and a real store."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from patchsmith.agent.recall.repo import repo_key
from patchsmith.agent.recall.store import MemoryItem, MemoryStore


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "patchsmith", "memory", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    for args in (["init", "-q"], ["commit", "-q", "--allow-empty", "-m", "root"]):
        subprocess.run(["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@t", *args], check=True)
    return root


def test_list_search_show_forget_export_import(repo: Path, tmp_path: Path) -> None:
    store_path = tmp_path / "mem.sqlite"
    store = MemoryStore(store_path)
    key = repo_key(repo)
    a = store.add(MemoryItem(repo=key, kind="lesson", text="Task: leap years wrong. Fixed in dates.py",
                             origin="run abc (task t-1)", files=["dates.py"], created_at=1.0))
    store.add(MemoryItem(repo="other-repo", kind="lesson", text="not ours", origin="x", created_at=1.0))
    s = ["--store", str(store_path)]
    out = cli(*s, "list", cwd=repo)
    assert out.returncode == 0 and "leap years" in out.stdout and "not ours" not in out.stdout
    assert "leap years" in cli(*s, "search", "leap year bug", cwd=repo).stdout
    shown = json.loads(cli(*s, "show", str(a), cwd=repo).stdout)
    assert shown["files"] == ["dates.py"] and shown["origin"] == "run abc (task t-1)"
    export = tmp_path / "out.jsonl"
    assert cli(*s, "export", str(export), cwd=repo).returncode == 0
    assert cli(*s, "forget", str(a), cwd=repo).stdout.strip() == "forgot 1 item"
    assert "leap years" not in cli(*s, "list", cwd=repo).stdout
    assert "imported 1 of 1" in cli(*s, "import", str(export), cwd=repo).stdout
    assert "leap years" in cli(*s, "list", cwd=repo).stdout


@pytest.mark.parametrize("argv, message", [
    (["show", "999"], "no memory item 999"),
    (["forget"], "name the ids to forget"),
    (["import", "/nonexistent/file.jsonl"], "cannot read"),
])
def test_bad_input_is_one_line(repo: Path, tmp_path: Path, argv: list[str], message: str) -> None:
    out = cli("--store", str(tmp_path / "m.sqlite"), *argv, cwd=repo)
    assert out.returncode == 2 and message in out.stderr and "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1
