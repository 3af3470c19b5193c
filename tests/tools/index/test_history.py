"""The version-history signal: commit messages of the commits that touched a file."""

from __future__ import annotations

import subprocess
from pathlib import Path

from patchsmith.tools.index.history import commit_messages_by_file
from patchsmith.tools.index.localize import localize

from .conftest import git


def commit(root: Path, files: dict[str, str], message: str) -> None:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)


def test_messages_by_file_newest_first_and_skip_the_seed_commit(tmp_path: Path) -> None:
    root = tmp_path / "r"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    commit(root, {"a.py": "x = 1\n", "b.py": "y = 1\n"}, "first: add a and b")
    commit(root, {"a.py": "x = 2\n"}, "second: change a\n\nwith a body line")
    commit(root, {"b.py": "y = 2\n"}, "patchsmith seed: HEAD plus the working tree's uncommitted changes")
    got = commit_messages_by_file(root)
    assert got["a.py"] == ["second: change a\nwith a body line", "first: add a and b"]
    assert got["b.py"] == ["first: add a and b"]
    assert commit_messages_by_file(root, max_commits=1) == {}  # the newest commit is the skipped seed


def test_messages_tolerate_no_commits_and_non_utf8(tmp_path: Path) -> None:
    root = tmp_path / "r"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    assert commit_messages_by_file(root) == {}  # no HEAD yet: empty, not an error
    (root / "caf\u00e9.py").write_text("z = 1\n")
    git(root, "add", "-A")
    subprocess.run(["git", "-C", str(root), "-c", "i18n.commitEncoding=latin-1", "-c", "user.name=t",
                    "-c", "user.email=t@example.invalid", "commit", "-q", "-F", "-"],
                   input="r\xe9sum\xe9 of the fix".encode("latin-1"), check=True)
    got = commit_messages_by_file(root)
    assert list(got) == ["caf\u00e9.py"]  # an unquoted path, as `ls-files` lists it
    assert "sum" in got["caf\u00e9.py"][0]


def test_past_commit_messages_lift_a_file_whose_code_shares_no_words(tmp_path: Path) -> None:
    root = tmp_path / "r"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    # Neither file shares a word with the issue; only the history of `engine.py` talks about the symptom.
    commit(root, {"clock.py": "def tick(now):\n    return now\n",
                  "engine.py": "def step(state):\n    return state + 1\n"}, "initial import")
    issue = "Rounding of negative durations is wrong in the timer summary"

    def order() -> list[str]:
        return [h.path for h in localize(root, issue, top_k=5, cache_dir=tmp_path / "cache")]

    assert order().index("clock.py") < order().index("engine.py")  # a tie, broken by path
    for i in range(3):
        commit(root, {"engine.py": f"def step(state):\n    return state + {i + 2}\n"},
               f"Fix rounding of negative durations in timer ({i})")
    hits = localize(root, issue, top_k=5, cache_dir=tmp_path / "cache")
    assert hits[0].path == "engine.py"
    assert "past commits read like the issue" in hits[0].reasons
