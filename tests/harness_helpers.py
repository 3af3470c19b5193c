"""Tiny SWE-bench-style tasks made by the tests themselves: a real git repo, a gold patch, a test_patch."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

CALC = "def add(a, b):\n    return a - b\n\n\ndef mul(a, b):\n    return a * b\n"
TESTS = ("import pytest\n\nfrom pkg.calc import mul\n\n\ndef test_mul():\n    assert mul(2, 3) == 6\n\n\n"
         "@pytest.mark.parametrize('word', ['a b', 'c'])\ndef test_words(word):\n    assert mul(word, 1) == word\n")

GOLD = """diff --git a/pkg/calc.py b/pkg/calc.py
--- a/pkg/calc.py
+++ b/pkg/calc.py
@@ -1,5 +1,5 @@
 def add(a, b):
-    return a - b
+    return a + b
\x20
\x20
 def mul(a, b):
"""

# A wrong fix that breaks mul: fixes FAIL_TO_PASS but fails PASS_TO_PASS.
REGRESSION = """diff --git a/pkg/calc.py b/pkg/calc.py
--- a/pkg/calc.py
+++ b/pkg/calc.py
@@ -1,6 +1,6 @@
 def add(a, b):
-    return a - b
+    return a + b
\x20
\x20
 def mul(a, b):
-    return a * b
+    return a * b + 0 if isinstance(a, int) else None
"""

TEST_PATCH = """diff --git a/tests/test_calc.py b/tests/test_calc.py
--- a/tests/test_calc.py
+++ b/tests/test_calc.py
@@ -1,6 +1,6 @@
 import pytest
\x20
-from pkg.calc import mul
+from pkg.calc import add, mul
\x20
\x20
 def test_mul():
@@ -10,3 +10,7 @@ def test_mul():
 @pytest.mark.parametrize('word', ['a b', 'c'])
 def test_words(word):
     assert mul(word, 1) == word
+
+
+def test_add():
+    assert add(2, 3) == 5
"""


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, text=True).stdout.strip()


def make_repo(root: Path) -> str:
    """A two-commit repository; returns the base commit (HEAD)."""
    (root / "pkg").mkdir(parents=True)
    (root / "tests").mkdir()
    git(root, "init", "-q")
    git(root, "config", "user.email", "t@example.invalid")
    git(root, "config", "user.name", "t")
    (root / "pkg" / "__init__.py").write_text("")
    (root / "pkg" / "calc.py").write_text(CALC.replace("a * b", "a * b  # todo"))
    git(root, "add", "-A")
    git(root, "commit", "-qm", "first")
    (root / "pkg" / "calc.py").write_text(CALC)
    (root / "tests" / "test_calc.py").write_text(TESTS)
    git(root, "add", "-A")
    git(root, "commit", "-qm", "second")
    return git(root, "rev-parse", "HEAD")


def task_row(base: str, instance_id: str = "acme__calc-1", repo: str = "acme/calc", **extra) -> dict:
    row = {"instance_id": instance_id, "repo": repo, "base_commit": base, "patch": GOLD, "test_patch": TEST_PATCH,
           "problem_statement": "add() subtracts instead of adding", "hints_text": "", "version": "1.0",
           "environment_setup_commit": base, "created_at": "2024-01-01",
           # As the official exports write them: JSON-encoded strings. `test_words[a` is an id cut at its space.
           "FAIL_TO_PASS": json.dumps(["tests/test_calc.py::test_add"]),
           "PASS_TO_PASS": json.dumps(["tests/test_calc.py::test_mul", "tests/test_calc.py::test_words[a",
                                       "tests/test_calc.py::test_words[c]"])}
    row.update(extra)
    return row


def make_scenario(folder: Path, base_repo: Path, base: str, name: str = "calc-1", **extra) -> Path:
    """A scenario folder: task.json, repo.bundle, replies.jsonl (as the scenarios branch lays them out)."""
    task_dir = folder / name
    task_dir.mkdir(parents=True)
    git(base_repo, "bundle", "create", str(task_dir / "repo.bundle"), "--all")
    (task_dir / "task.json").write_text(json.dumps(task_row(base, instance_id=name, repo="local/calc", **extra)))
    (task_dir / "replies.jsonl").write_text(json.dumps({"tool": "submit", "args": {}}) + "\n")
    return task_dir
