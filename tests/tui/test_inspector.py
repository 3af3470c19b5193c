"""The inspector driven by Textual's Pilot: keys, search, filter, errors, patch view, folders."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from rich.console import Console
from textual.widgets import DataTable, Static

from patchsmith.tui.detail import DetailView
from patchsmith.tui.importers import load_any
from patchsmith.tui.inspector import InspectorApp, RunScreen, open_model
from patchsmith.tui.model import RunModel
from patchsmith.tui.run_view import RunView
from patchsmith.tui.runs import RunsScreen
from patchsmith.tui.step_list import StepList

from .builders import write_run
from .test_importers import SWE_AGENT_TRAJ

SIZE = (120, 40)
pytestmark = pytest.mark.anyio


def text_of(static: Static) -> str:
    """What a Static shows, as plain text (its content may be any Rich renderable)."""
    content = static.content
    if isinstance(content, str):
        return content
    console = Console(width=110, record=True, file=io.StringIO())
    console.print(content)
    return console.export_text()


def _detail(app: InspectorApp) -> str:
    return app.screen.query_one(DetailView).plain_text()


def _view(app: InspectorApp) -> RunView:
    return app.screen.query_one(RunView)


async def _indexed(pilot, model: RunModel) -> None:
    for _ in range(100):
        if model.indexed:
            break
        await pilot.pause(0.02)
    await pilot.pause()


async def test_move_search_filter_errors_and_patch(tmp_path: Path) -> None:
    model = open_model(write_run(tmp_path / "t.jsonl", extra=20))
    app = InspectorApp(model)
    async with app.run_test(size=SIZE) as pilot:
        await _indexed(pilot, model)
        view = _view(app)
        steps = app.screen.query_one(StepList)
        assert view.current == 0 and "Find where durations are parsed." in _detail(app)
        await pilot.press("j", "j")
        assert view.current == 2
        assert "tests/test_durations.py::test_minutes" in _detail(app)  # failing test list
        await pilot.press("k")
        assert view.current == 1
        await pilot.press("G")
        assert view.current == len(model) - 1 and "Submit the fix." in _detail(app)
        await pilot.press("g")
        assert view.current == 0
        # search, then n / N through the hits
        await pilot.press("slash", *"needle", "enter")
        assert view.hits == [6, 13, 20]  # extra steps 0, 7 and 14 mention needle_N
        assert view.current == 6 and "hit 1/3" in text_of(app.screen.query_one("#status", Static))
        await pilot.press("n")
        assert view.current == 13
        await pilot.press("N", "N")
        assert view.current == 20  # wraps around
        # next error: the failing tests (2) and the NameError (4)
        await pilot.press("g", "e")
        assert view.current == 2
        await pilot.press("e")
        assert view.current == 4 and "NameError" in _detail(app)
        # filter by tool: pick run_tests in the dialog
        await pilot.press("f")
        await pilot.pause()
        options = [str(o.prompt) for o in app.screen.query_one("OptionList").options]
        assert options[0].startswith("all tools") and any(o.startswith("run_tests (2)") for o in options)
        run_tests_at = next(i for i, o in enumerate(options) if o.startswith("run_tests"))
        for _ in range(run_tests_at):
            await pilot.press("down")
        await pilot.press("enter")
        await pilot.pause()
        assert steps.rows == [2, len(model) - 2]
        await pilot.press("G")
        assert view.current == len(model) - 2
        await pilot.press("f", "home", "enter")  # "all tools" is first
        await pilot.pause()
        assert len(steps.rows) == len(model)
        # the patch view: patch after step 4 is the first edit; after step 6 both; the evaluation
        await pilot.press("g", "j", "j", "j", "j", "d")
        text = _detail(app)
        assert "Patch after step 5" in text and "int(minutes) * 60" in text and "hours = int(h)" not in text.split("Final patch")[0]
        assert "FAIL_TO_PASS: 1 passed, 0 failed" in text and "RESOLVED" in text
        await pilot.press("j", "j")
        assert "hours = int(h) * 3600" in _detail(app).split("Final patch")[0]
        await pilot.press("k", "d")
        assert view.current == 5 and "thought" in _detail(app)
        # the edit is shown as a diff built from old_str/new_str
        assert "+    hours = int(h) * 3600" in _detail(app)
        await pilot.press("question_mark")
        await pilot.pause()
        assert "jump to the next step with an error" in text_of(app.screen.query_one("#help-text", Static))
        await pilot.press("escape")
        await pilot.press("q")
    assert app.return_code == 0


async def test_mouse_selects_a_step(tmp_path: Path) -> None:
    app = InspectorApp(open_model(write_run(tmp_path / "t.jsonl")))
    async with app.run_test(size=SIZE) as pilot:
        steps = app.screen.query_one(StepList)
        for _ in range(500):  # wait for the first layout; under load it can take a moment
            if steps.region.height > 4:
                break
            await pilot.pause(0.02)
        await pilot.click(StepList, offset=(5, 3))
        assert _view(app).current == 3 and steps.has_focus


async def test_incomplete_file_says_so(tmp_path: Path) -> None:
    model = open_model(write_run(tmp_path / "cut.jsonl", cut=True))
    assert model.incomplete and len(model) == 8
    app = InspectorApp(model)
    async with app.run_test(size=SIZE):
        assert "incomplete" in text_of(app.screen.query_one("#totals", Static))


async def test_folder_table_sort_filter_open_and_back(tmp_path: Path) -> None:
    write_run(tmp_path / "zeta__1" / "trajectory.jsonl", instance_id="zeta__1", extra=5)
    write_run(tmp_path / "alpha__2" / "trajectory.jsonl", instance_id="alpha__2", exit_reason="max_steps")
    write_run(tmp_path / "mid__3" / "trajectory.jsonl", instance_id="mid__3", cut=True)
    (tmp_path / "report.json").write_text(json.dumps({"zeta__1": {"resolved": True}, "alpha__2": {"resolved": False}}))
    folder = load_any(tmp_path)
    app = InspectorApp(folder)
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, RunsScreen)
        table = app.screen.query_one(DataTable)

        def tasks() -> list[str]:
            return [str(table.get_row_at(r)[0]) for r in range(table.row_count)]

        assert tasks() == ["alpha__2", "mid__3", "zeta__1"]
        await pilot.click(DataTable, offset=(12, 0))  # the "resolved" header
        await pilot.pause()
        assert app.screen.sort_column == "resolved" and tasks()[-1] == "zeta__1"
        await pilot.press("s")  # next column: steps
        assert tasks()[-1] == "zeta__1" and app.screen.sort_column == "steps"
        await pilot.press("r")
        assert tasks()[0] == "zeta__1"
        await pilot.press("slash", *"max_st", "enter")
        assert tasks() == ["alpha__2"]
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, RunScreen)
        assert "alpha__2" in text_of(app.screen.query_one("#totals", Static))
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, RunsScreen)
        await pilot.press("q")
    assert app.return_code == 0


async def test_imported_swe_agent_trajectory_opens(tmp_path: Path) -> None:
    path = tmp_path / "demo.traj"
    path.write_text(json.dumps(SWE_AGENT_TRAJ))
    app = InspectorApp(open_model(path))
    async with app.run_test(size=SIZE) as pilot:
        assert "[swe-agent]" in text_of(app.screen.query_one("#totals", Static))
        await pilot.press("j", "j")
        assert "return int(round(x))" in _detail(app)


async def test_long_run_renders_lazily(tmp_path: Path) -> None:
    """A long run opens without parsing every step for display: only visible rows are built."""
    model = open_model(write_run(tmp_path / "long.jsonl", extra=3000))
    app = InspectorApp(model)
    async with app.run_test(size=SIZE) as pilot:
        assert len(model._cache) < 60  # rows on screen plus the detail, not 3,008 steps
        await pilot.press("G")
        assert _view(app).current == len(model) - 1
        assert len(model._cache) < 120
