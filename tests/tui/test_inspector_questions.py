"""The inspector shows `ask_user` steps as questions and answers: who asked, the answer, where it came from.

The trajectory is written by the real controller (scripted replies, `--clarify hints` answering from a
task's hints_text), then browsed with Textual's Pilot."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from patchsmith.agent.config import RunConfig
from patchsmith.agent.runner import run_agent
from patchsmith.tools.workspace import Workspace
from patchsmith.tui.detail import DetailView
from patchsmith.tui.inspector import InspectorApp, open_model
from patchsmith.tui.step_list import StepList

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from repos import BUGGY_CALC, make_repo  # noqa: E402

pytestmark = pytest.mark.anyio
HINTS = "Maintainer: mean([]) must raise ValueError, as statistics.mean does.\n\nThe docs build is slow."
REPLIES = [
    {"thought": "Read the code.", "tool": "str_replace_editor", "args": {"command": "view", "path": "calc/stats.py"}},
    {"thought": "The issue does not say what an empty list should give.", "tool": "ask_user",
     "args": {"question": "What should mean([]) do for an empty list?", "choices": ["raise ValueError", "return 0"]}},
    {"thought": "And the colour?", "tool": "ask_user", "args": {"question": "Which colour scheme for zebras?"}},
    {"thought": "Fix the divisor.", "tool": "str_replace_editor", "args": {
        "command": "str_replace", "path": "calc/stats.py", "old_str": "sum(values) / (len(values) - 1)",
        "new_str": "sum(values) / len(values)"}},
    {"thought": "Done.", "tool": "submit", "args": {}},
]


def flat(text: str) -> str:
    """The pane's text without the box's borders and line breaks (the pane wraps at its width)."""
    return " ".join(text.replace("│", " ").split())


@pytest.fixture
def asked(tmp_path: Path) -> Path:
    repo = make_repo(tmp_path / "calc", BUGGY_CALC)
    script = tmp_path / "replies.jsonl"
    script.write_text("".join(json.dumps(r) + "\n" for r in REPLIES), encoding="utf-8")
    config = RunConfig(model=f"scripted:{script}", mode="full-auto", clarify="hints", localize=False)
    outcome = run_agent("mean() is wrong", Workspace(root=repo, base="HEAD"), config, tmp_path / "run",
                        task={"instance_id": "calc-1", "hints_text": HINTS},
                        attempt={"number": 2, "parent": 1, "strategy": "reflexion"})
    assert outcome.exit_reason == "submitted"
    return outcome.trajectory_path


async def test_question_steps_show_who_asked_the_answer_and_its_source(asked: Path) -> None:
    model = open_model(asked)
    app = InspectorApp(model)
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(200):
            if model.indexed:
                break
            await pilot.pause(0.02)
        steps = app.screen.query_one(StepList)
        detail = app.screen.query_one(DetailView)
        await pilot.press("a")  # the next question
        await pilot.pause()
        assert steps.current == 1
        shown = flat(detail.plain_text())
        assert "question and answer" in shown
        assert "asked by the agent (model scripted:replies.jsonl, attempt 2 of reflexion)" in shown
        assert "What should mean([]) do for an empty list?" in shown and "2. return 0" in shown
        assert "answer from the task's hints_text (run --clarify hints)" in shown
        assert "mean([]) must raise ValueError" in shown and "docs build" not in shown
        assert "after 2 steps" in shown
        await pilot.press("a")
        await pilot.pause()
        assert steps.current == 2
        shown = flat(detail.plain_text())
        assert "Which colour scheme for zebras?" in shown
        assert "hints_text (run --clarify hints): nothing relevant" in shown
        assert "(no answer: the agent was told to decide and say so)" in shown
        await pilot.press("a")  # wraps around to the first question
        await pilot.pause()
        assert steps.current == 1
        # An ordinary step is drawn as before: the call, not a question box.
        await pilot.press("g")
        await pilot.pause()
        assert "question and answer" not in detail.plain_text() and "▶ str_replace_editor" in detail.plain_text()
        # The step list marks the questions so they can be found at a glance.
        rows = [steps.render_line(y).text for y in range(4)]
        assert [("? " in r and "ask_user" in r) for r in rows] == [False, True, True, False]


async def test_a_run_without_questions_says_so(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "calc", BUGGY_CALC)
    script = tmp_path / "replies.jsonl"
    script.write_text("".join(json.dumps(r) + "\n" for r in (REPLIES[0], REPLIES[-1])), encoding="utf-8")
    outcome = run_agent("mean() is wrong", Workspace(root=repo, base="HEAD"),
                        RunConfig(model=f"scripted:{script}", mode="full-auto", localize=False), tmp_path / "run")
    model = open_model(outcome.trajectory_path)
    app = InspectorApp(model)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("a")
        await pilot.pause()
        assert "no questions in these steps" in str(app.screen.query_one("#status").content)
