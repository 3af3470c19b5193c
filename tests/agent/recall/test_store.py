"""The cross-run memory: storing, masking, forgetting, the time wall, retrieval within a budget."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from patchsmith.agent.recall.repo import repo_key
from patchsmith.agent.recall.retrieve import recall, render_recalled
from patchsmith.agent.recall.store import MemoryItem, MemoryStore

DAY = 86400.0


@pytest.fixture
def store(tmp_path: Path) -> MemoryStore:
    return MemoryStore(tmp_path / "mem.sqlite")


def item(text: str, created: float, kind: str = "lesson", files: list[str] | None = None,
         repo: str = "r1") -> MemoryItem:
    return MemoryItem(repo=repo, kind=kind, text=text, origin="test", files=files or [], created_at=created)


def test_add_list_show_forget_round_trip(store: MemoryStore) -> None:
    a = store.add(item("Fixed the parser in parse.py", 1 * DAY, files=["parse.py"]))
    b = store.add(item("Tests ran with `pytest -q`", 2 * DAY, kind="fact"))
    assert a and b and a != b
    assert store.add(item("Fixed the parser in parse.py", 3 * DAY)) is None  # same text: stored once
    assert [i.text for i in store.items("r1")] == ["Fixed the parser in parse.py", "Tests ran with `pytest -q`"]
    assert store.get(a).files == ["parse.py"]
    assert store.forget([a]) == 1
    assert store.get(a) is None and len(store.items("r1")) == 1
    assert store.forget(repo="r1", everything=True) == 1 and store.items("r1") == []


def test_secrets_are_masked_before_storing(store: MemoryStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MY_SERVICE_TOKEN", "tok-value-that-is-secret")
    store.add(item("export OPENAI_API_KEY=sk-abcdefghijklmnopqrstuvwx then ran tok-value-that-is-secret; "
                   "password: hunter2hunter2 and ghp_0123456789abcdefghijABCDEFGHIJ", DAY),
              secrets=["custom-known-secret"])
    store.add(item("the key custom-known-secret was needed", DAY), secrets=["custom-known-secret"])
    text = " ".join(i.text for i in store.items("r1"))
    for leaked in ("sk-abcdefghijklmnopqrstuvwx", "tok-value-that-is-secret", "hunter2hunter2",
                   "ghp_0123456789abcdefghijABCDEFGHIJ", "custom-known-secret"):
        assert leaked not in text
    assert "***" in text and "was needed" in text


def test_recall_ranks_by_issue_and_respects_the_time_wall(store: MemoryStore) -> None:
    store.add(item("Task: date parsing fails on leap years. Fixed in dates.py", 1 * DAY, files=["dates.py"]))
    store.add(item("Task: colour output broken on Windows. Fixed in term.py", 2 * DAY, files=["term.py"]))
    store.add(item("Task: leap year again in dates.py for February", 10 * DAY, files=["dates.py"]))
    store.add(item("Tests ran successfully with: `pytest -q tests`", 1 * DAY, kind="fact"))
    store.add(item("Task: leap years in another repository", 1 * DAY, repo="r2"))
    got = recall(store, "r1", "Parsing a leap year date raises ValueError", before=5 * DAY)
    texts = [r.item.text for r in got]
    assert texts[0].startswith("Task: date parsing fails on leap years")
    assert not any("February" in t for t in texts), "an item created after the task must not be recalled"
    assert not any("another repository" in t for t in texts)
    assert any(t.startswith("Tests ran") for t in texts), "facts come along even without a lexical match"
    assert all("colour" not in t for t in texts), "an unrelated lesson is not recalled"
    lines = render_recalled(got, now=6 * DAY)
    assert "5 days ago" in lines[0] and "from test" in lines[0] and "dates.py" in lines[0]


def test_recall_stays_within_its_token_budget(store: MemoryStore) -> None:
    for n in range(50):
        store.add(item(f"Task {n}: parser bug number {n} " + "detail " * 40, n * DAY))
    got = recall(store, "r1", "parser bug", budget=300)
    assert 0 < len(got) and sum(len(r.line()) for r in got) // 4 <= 300


def test_export_import_keeps_items(store: MemoryStore, tmp_path: Path) -> None:
    store.add(item("a lesson", DAY, files=["x.py"]))
    other = MemoryStore(tmp_path / "other.sqlite")
    assert other.import_items(store.export("r1")) == 1
    assert other.import_items(store.export("r1")) == 0
    assert [(i.text, i.files, i.created_at) for i in other.items("r1")] == [("a lesson", ["x.py"], DAY)]


def test_clones_and_worktrees_share_a_repository_key(tmp_path: Path) -> None:
    def git(cwd: Path, *args: str) -> str:
        return subprocess.run(["git", "-C", str(cwd), "-c", "user.name=t", "-c", "user.email=t@t", *args],
                              check=True, capture_output=True, text=True).stdout

    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    (repo / "a.txt").write_text("a\n")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "first")
    (repo / "a.txt").write_text("b\n")
    git(repo, "commit", "-qam", "second")
    git(tmp_path, "clone", "-q", str(repo), "clone")
    git(repo, "worktree", "add", "-q", str(tmp_path / "wt"))
    keys = {repo_key(repo), repo_key(tmp_path / "clone"), repo_key(tmp_path / "wt")}
    assert len(keys) == 1 and None not in keys
    (tmp_path / "plain").mkdir()
    assert repo_key(tmp_path / "plain") is None
