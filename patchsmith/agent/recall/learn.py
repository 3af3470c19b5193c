"""What a finished run teaches: facts (how the tests ran, where tests live) and one lesson.

Everything comes from what the agent itself saw and did (its trajectory and its final patch); nothing from
a task's hidden fields, which the agent never has. No model call: the lesson is a record, not a guess.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from ..trajectory import Step

TEST_COMMAND = re.compile(r"^\s*(?:\S+=\S+\s+)*(?:python\d*(?:\.\d+)?\s+-m\s+)?"
                          r"(pytest|py\.test|tox|nox|npm\s+(?:run\s+)?test|yarn\s+test|pnpm\s+test|go\s+test"
                          r"|cargo\s+test|make\s+(?:test|check)|unittest|jest|vitest|mocha)\b")
ISSUE_CHARS = 200
HUNK = re.compile(r"^@@ [^@]* @@ ?(.*)$")


@dataclass
class Learned:
    facts: list[tuple[str, list[str]]] = field(default_factory=list)  # (text, files)
    lesson: tuple[str, list[str]] | None = None


def patch_files(patch: str) -> list[str]:
    seen: list[str] = []
    for line in patch.splitlines():
        if line.startswith("+++ b/") and (path := line[6:].strip()) not in seen:
            seen.append(path)
    return seen


def decisive_change(patch: str, max_hunks: int = 3) -> str:
    """Where each hunk landed (the enclosing def/class git names) and its first added line."""
    out, current, where = [], "", ""
    for line in patch.splitlines():
        if line.startswith("+++ b/"):
            current = line[6:].strip()
        elif (m := HUNK.match(line)) is not None:
            where = m.group(1).strip()
        elif line.startswith("+") and not line.startswith("+++") and _is_code(line[1:]) and where is not None:
            label = f"{current}" + (f" in `{where[:60]}`" if where else "")
            out.append(f"{label}: `{line[1:].strip()[:100]}`")
            where = None  # one line per hunk
            if len(out) >= max_hunks:
                break
    return "; ".join(out)


def _is_code(line: str) -> bool:
    """A changed line worth quoting: not blank, not a comment or a docstring line."""
    text = line.strip()
    return bool(text) and not text.startswith(("#", '"""', "'''", "//", "*", "/*"))


def title_of(issue: str) -> str:
    """The issue's first line (its title), extended by what follows when it is too short to say much."""
    lines = [ln.strip() for ln in issue.splitlines() if ln.strip()]
    title = lines[0] if lines else ""
    if len(title) < 40:
        title = " ".join(lines)
    return title[:ISSUE_CHARS].rstrip(" .") + "."


def _test_facts(steps: Iterable[Step]) -> list[tuple[str, list[str]]]:
    facts: list[tuple[str, list[str]]] = []
    seen: set[str] = set()
    for step in steps:
        if step.action is None:
            continue
        data = step.observation.data or {}
        command = ""
        if step.action.tool == "run_tests" and data.get("collected_ok") and data.get("command"):
            command = str(data["command"])
        elif (step.action.tool == "bash" and data.get("exit_code") == 0
              and TEST_COMMAND.match(str(data.get("command", "")))):
            command = str(data["command"])
        if command and command not in seen:
            seen.add(command)
            facts.append((f"Tests ran successfully with: `{command[:200]}`", []))
    return facts[:2]


def _layout_facts(steps: Iterable[Step], edited: list[str]) -> list[tuple[str, list[str]]]:
    test_files: list[str] = []
    for step in steps:
        for t in (step.observation.data or {}).get("tests", []) if step.action and \
                step.action.tool == "run_tests" else []:
            path = str(t.get("id", "")).split("::")[0]
            if path.endswith(".py") and path not in test_files:
                test_files.append(path)
    facts = []
    for src in edited:
        if "test" in src:
            continue
        pkg = str(PurePosixPath(src).parent)
        near = [t for t in test_files if PurePosixPath(src).stem in t] or test_files[:2]
        if near:
            facts.append((f"Tests for `{pkg}/` code (e.g. {src}) are in {', '.join(near[:2])}", [src, *near[:2]]))
    return facts[:2]


def learn(issue: str, steps: list[Step], patch: str, exit_reason: str, *, checks_passed: bool | None,
          reflection: str | None = None) -> Learned:
    """Facts and a lesson from one run. `checks_passed` is the run's own verdict (its last test run, or the
    harness's score in a run that was scored); `reflection` is a lesson the model wrote (reflexion)."""
    files = patch_files(patch)
    title = title_of(issue)
    learned = Learned(facts=_test_facts(steps) + _layout_facts(steps, files))
    if files and checks_passed:
        text = f"Task: {title} Fixed in {', '.join(files)}. Decisive change: {decisive_change(patch)}."
    else:
        tried = f"; edited {', '.join(files)}" if files else "; no edit was kept"
        text = (f"Task: {title} The attempt did not succeed (ended: {exit_reason}, {len(steps)} steps{tried})."
                + (f" Lesson: {reflection.strip()[:400]}" if reflection else ""))
    learned.lesson = (text, files)
    return learned
