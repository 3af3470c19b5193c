"""Snapshots pinning the main screens (fixed terminal size; test data has fixed times and no paths)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from patchsmith.tui.importers import load_any
from patchsmith.tui.inspector import InspectorApp, open_model

from .builders import write_run

SIZE = (120, 36)


async def _wait_indexed(pilot) -> None:
    model = pilot.app.screen.query_one("RunView").model
    for _ in range(1500):  # up to 30 s: a loaded machine (the whole suite on 2 cores) is slow to index
        if model.indexed:
            break
        await pilot.pause(0.02)
    assert model.indexed, "the background indexer did not finish"
    await pilot.pause()
    await pilot.pause()


@pytest.fixture
def run_file(tmp_path: Path) -> Path:
    return write_run(tmp_path / "trajectory.jsonl", extra=4)


def test_run_screen(snap_compare, run_file: Path) -> None:
    assert snap_compare(InspectorApp(open_model(run_file)), terminal_size=SIZE, press=["j", "j"],
                        run_before=_wait_indexed)


def test_edit_step_as_diff(snap_compare, run_file: Path) -> None:
    assert snap_compare(InspectorApp(open_model(run_file)), terminal_size=SIZE, press=["j", "j", "j"],
                        run_before=_wait_indexed)


def test_patch_view(snap_compare, run_file: Path) -> None:
    assert snap_compare(InspectorApp(open_model(run_file)), terminal_size=SIZE, press=["G", "d"],
                        run_before=_wait_indexed)


def test_help(snap_compare, run_file: Path) -> None:
    assert snap_compare(InspectorApp(open_model(run_file)), terminal_size=SIZE, press=["question_mark"],
                        run_before=_wait_indexed)


def test_runs_table(snap_compare, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write_run(Path("runs/zeta__1/trajectory.jsonl"), instance_id="zeta__1", extra=5)
    write_run(Path("runs/alpha__2/trajectory.jsonl"), instance_id="alpha__2", exit_reason="max_steps")
    write_run(Path("runs/mid__3/trajectory.jsonl"), instance_id="mid__3", cut=True)
    Path("runs/report.json").write_text(json.dumps({"zeta__1": {"resolved": True}, "alpha__2": {"resolved": False}}))
    assert snap_compare(InspectorApp(load_any(Path("runs"))), terminal_size=SIZE, run_before=_wait_details)


async def _wait_details(pilot, keys: tuple[str, ...] = ()) -> None:
    for _ in range(1500):
        if pilot.app.screen.details_done:
            break
        await pilot.pause(0.02)
    assert pilot.app.screen.details_done, "the runs' details were never read"
    await pilot.pause()
    if keys:
        await pilot.press(*keys)
        await pilot.pause()


def test_batch_summary(snap_compare, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write_run(Path("runs/zeta__1/trajectory.jsonl"), instance_id="zeta__1", extra=5)
    write_run(Path("runs/alpha__2/trajectory.jsonl"), instance_id="alpha__2", exit_reason="max_steps")
    write_run(Path("runs/mid__3/trajectory.jsonl"), instance_id="mid__3", cut=True)
    Path("runs/report.json").write_text(json.dumps({"zeta__1": {"resolved": True}, "alpha__2": {"resolved": False}}))

    async def summary(pilot) -> None:
        await _wait_details(pilot, ("S",))

    assert snap_compare(InspectorApp(load_any(Path("runs"))), terminal_size=(120, 48), run_before=summary)


def test_runs_table_with_strategy_attempts(snap_compare, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from .test_batch import _strategy_batch

    monkeypatch.chdir(tmp_path)
    _strategy_batch(Path("."))
    assert snap_compare(InspectorApp(load_any(Path("batch"))), terminal_size=(170, 20), run_before=_wait_details)


def test_live_view_asking_for_approval(snap_compare, tmp_path: Path) -> None:
    from patchsmith.agent.events import ApprovalRequest
    from patchsmith.agent.trajectory import Header
    from patchsmith.tui.dialogs import ApprovalScreen
    from patchsmith.tui.live import LiveApp

    from .builders import PROBLEM, scripted_steps

    def start(observer, approver, control) -> str:
        observer.on_header(Header(task={"instance_id": "demo__live-1", "problem_statement": PROBLEM}))
        for step in scripted_steps()[:4]:
            observer.on_step(step)
        decision = approver.decide(ApprovalRequest(tool="bash", args={"command": "pytest -x tests"},
                                                   preview="pytest -x tests", reason="ask mode: commands need approval"))
        return "approved" if decision.approved else "denied"

    async def wait_for_prompt(pilot) -> None:
        for _ in range(300):
            if isinstance(pilot.app.screen, ApprovalScreen):
                break
            await pilot.pause(0.02)
        await pilot.pause(0.3)  # the throttled chart redraw

    assert snap_compare(LiveApp(start), terminal_size=SIZE, run_before=wait_for_prompt)
