"""Instruction files found the way the ecosystem writes them; what a run teaches."""

from __future__ import annotations

from pathlib import Path

from patchsmith.agent.recall.instructions import discover, for_path, render_files
from patchsmith.agent.recall.learn import decisive_change, learn, patch_files
from patchsmith.agent.trajectory import Action, ObservationRecord, Step


def write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)


def test_root_and_nested_instruction_files(tmp_path: Path) -> None:
    write(tmp_path, {"AGENTS.md": "Run tests with make test.", "CONVENTIONS.md": "Use tabs.",
                     ".github/copilot-instructions.md": "Be brief.", "src/api/AGENTS.md": "API code: no prints.",
                     "src/api/v2/AGENTS.md": "v2 uses async.", "src/CLAUDE.md": "src rules",
                     "node_modules/x/AGENTS.md": "ignored", "docs/readme.md": "not instructions"})
    (tmp_path / "src/link").mkdir()
    (tmp_path / "src/link/AGENTS.md").symlink_to("/etc/passwd")
    found = {f.path: f for f in discover(tmp_path)}
    assert set(found) == {"AGENTS.md", "CONVENTIONS.md", ".github/copilot-instructions.md", "src/api/AGENTS.md",
                          "src/api/v2/AGENTS.md", "src/CLAUDE.md"}
    assert found[".github/copilot-instructions.md"].scope == "" and found["src/api/AGENTS.md"].scope == "src/api"
    governing = [f.path for f in for_path(list(found.values()), "src/api/v2/handlers.py")]
    assert governing == ["src/CLAUDE.md", "src/api/AGENTS.md", "src/api/v2/AGENTS.md"]  # closest last
    assert for_path(list(found.values()), "src/apiary.py") == [found["src/CLAUDE.md"]]


def test_rendering_keeps_within_budget_and_names_paths(tmp_path: Path) -> None:
    write(tmp_path, {"AGENTS.md": "word " * 5000, "CONVENTIONS.md": "short"})
    text, shown = render_files(discover(tmp_path), budget=500)
    assert shown == ["AGENTS.md"] and "cut to fit" in text and len(text) < 500 * 4 + 200
    text, shown = render_files(discover(tmp_path), budget=8000)
    assert shown == ["AGENTS.md", "CONVENTIONS.md"] and '<instructions path="CONVENTIONS.md">' in text


PATCH = """diff --git a/pkg/dates.py b/pkg/dates.py
--- a/pkg/dates.py
+++ b/pkg/dates.py
@@ -10,3 +10,3 @@ def is_leap(year):
-    return year % 4 == 0
+    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
"""


def step(i: int, tool: str, args: dict, data: dict, ok: bool = True) -> Step:
    return Step(index=i, action=Action(tool=tool, args=args), observation=ObservationRecord(ok=ok, data=data))


def test_learn_from_a_successful_run() -> None:
    steps = [step(0, "bash", {"command": "ls"}, {"command": "ls", "exit_code": 0}),
             step(1, "bash", {"command": "python -m pytest -x"}, {"command": "python -m pytest -x", "exit_code": 1}),
             step(2, "run_tests", {}, {"command": "python -m pytest -rA tests/test_dates.py", "collected_ok": True,
                                       "tests": [{"id": "tests/test_dates.py::test_leap", "status": "passed"}]})]
    got = learn("is_leap is wrong for 1900\n\nmore text", steps, PATCH, "submitted", checks_passed=True)
    assert patch_files(PATCH) == ["pkg/dates.py"]
    assert "pkg/dates.py in `def is_leap(year):`" in decisive_change(PATCH)
    facts = [f for f, _ in got.facts]
    assert facts[0] == "Tests ran successfully with: `python -m pytest -rA tests/test_dates.py`"
    assert not any("pytest -x" in f for f in facts), "a failing command is not a fact"
    assert any("tests/test_dates.py" in f and "pkg/" in f for f in facts)
    text, files = got.lesson
    assert text.startswith("Task: is_leap is wrong for 1900 more text. Fixed in pkg/dates.py") and files == ["pkg/dates.py"]


def test_learn_from_a_failed_run_keeps_what_went_wrong() -> None:
    got = learn("crash", [step(0, "bash", {"command": "ls"}, {"exit_code": 0})], "", "max_steps",
                checks_passed=False, reflection="I edited the wrong module; the bug is in core.py.")
    text, files = got.lesson
    assert "did not succeed (ended: max_steps, 1 steps; no edit was kept)" in text
    assert "Lesson: I edited the wrong module" in text and files == []
