"""The two-run view: Pilot tests on real files (ours and an exported SWE-agent / mini-swe-agent one), a snapshot."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from patchsmith.agent.trajectory import read_trajectory
from patchsmith.tui.compare import CompareScreen, PairList, TaskPickScreen, workspace_diff
from patchsmith.tui.detail import DetailView
from patchsmith.tui.exporters import export_text
from patchsmith.tui.importers import read_folder
from patchsmith.tui.inspector import InspectorApp, open_model

from .builders import write_run

SIZE = (140, 40)


def _pair_runs(tmp_path: Path, fmt: str = "swe-agent") -> tuple[Path, Path]:
    a = write_run(tmp_path / "a" / "trajectory.jsonl", extra=2)
    traj = read_trajectory(a)
    traj.steps[3].action.args["path"] = "src/other.py"  # B edits another file at step 4 ...
    traj.steps[3].diff = traj.steps[3].diff.replace("durations.py", "other.py")
    traj.steps[5].diff = traj.steps[5].diff.replace("durations.py", "other.py")
    traj.result.patch = traj.steps[5].diff
    b = tmp_path / ("b.traj" if fmt == "swe-agent" else "b.traj.json")
    b.write_text(export_text(traj, fmt, secrets=[]))
    return a, b


async def _aligned(pilot) -> CompareScreen:
    screen = pilot.app.screen
    for _ in range(1500):
        if screen.aligned:
            break
        await pilot.pause(0.02)
    assert screen.aligned, "the alignment never finished"
    await pilot.pause()
    return screen


@pytest.mark.anyio
@pytest.mark.parametrize("fmt", ["swe-agent", "mini"])
async def test_divergence_workspace_and_patches(tmp_path: Path, fmt: str) -> None:
    a, b = _pair_runs(tmp_path, fmt)
    app = InspectorApp((open_model(a), open_model(b)))
    async with app.run_test(size=SIZE) as pilot:
        screen = await _aligned(pilot)
        pairs = screen.query_one(PairList)
        assert pairs.diverge == 3
        assert "diverge at pair 4" in str(screen.query_one("#compare-title").render())
        await pilot.press("x")
        await pilot.pause()
        assert pairs.cursor == 3
        left = screen.query_one("#detail-a", DetailView).plain_text()
        right = screen.query_one("#detail-b", DetailView).plain_text()
        assert "src/durations.py" in left and "src/other.py" in right
        await pilot.press("d")
        await pilot.pause()
        ws = screen.query_one("#detail-a", DetailView).plain_text()
        assert "Workspace after A step 4 → B step 4" in ws
        assert "+diff --git a/src/other.py" in ws and "-diff --git a/src/durations.py" in ws
        await pilot.press("P")
        await pilot.pause()
        assert "Final patches, A → B" in screen.query_one("#detail-a", DetailView).plain_text()
        await pilot.press("P", "g")
        await pilot.pause()
        assert "Step 1 of" in screen.query_one("#detail-a", DetailView).plain_text()


@pytest.mark.anyio
async def test_identical_runs_say_so(tmp_path: Path) -> None:
    a = write_run(tmp_path / "trajectory.jsonl", extra=1)
    app = InspectorApp((open_model(a), open_model(a)))
    async with app.run_test(size=SIZE) as pilot:
        screen = await _aligned(pilot)
        assert screen.query_one(PairList).diverge is None
        await pilot.press("x")
        await pilot.pause()
        assert "same steps throughout" in str(screen.query_one("#compare-status").render())
        assert workspace_diff("x", "x") == ""


@pytest.mark.anyio
async def test_two_batch_folders_pick_a_task(tmp_path: Path) -> None:
    for side, extra in (("A", 1), ("B", 3)):
        for name in ("demo__a-1", "demo__b-2"):
            write_run(tmp_path / side / "tasks" / name / "agent" / "trajectory.jsonl", extra=extra, instance_id=name)
    (tmp_path / "B" / "report.json").write_text(json.dumps({"resolved_ids": ["demo__b-2"]}))
    app = InspectorApp((read_folder(tmp_path / "A"), read_folder(tmp_path / "B")))
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, TaskPickScreen)
        await pilot.press("down", "enter")
        await pilot.pause()
        screen = await _aligned(pilot)
        assert isinstance(screen, CompareScreen)
        assert screen.a.header.task["instance_id"] == "demo__b-2"
        assert len(screen.b) == len(screen.a) + 2
        assert sum(p.kind == "only_b" for p in screen.query_one(PairList).pairs) == 2
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, TaskPickScreen)


def test_two_run_view_snapshot(snap_compare, tmp_path: Path) -> None:
    a, b = _pair_runs(tmp_path)

    async def ready(pilot) -> None:
        await _aligned(pilot)
        await pilot.press("x")
        await pilot.pause()

    assert snap_compare(InspectorApp((open_model(a), open_model(b))), terminal_size=SIZE, run_before=ready)
