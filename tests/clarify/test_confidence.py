"""`submit` says how sure it is: shown at the apply prompt (a real terminal, tmux) with unsure hunks marked,
carried into report.json, and turned into calibration figures (checked here on hand-made results)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "cli"))
from repos import BUGGY_CALC, make_repo  # noqa: E402
from test_terminal import Pane, pane_run  # noqa: E402, F401  (the tmux fixture)

from patchsmith.cli.console import mark_unsure  # noqa: E402
from patchsmith.harness.calibration import calibration, calibration_png, report_calibration  # noqa: E402
from patchsmith.harness.compare import compare, load_run  # noqa: E402
from patchsmith.tools.submit import submit_tool  # noqa: E402
from patchsmith.tools.workspace import Workspace  # noqa: E402

EDIT = {"thought": "Fix the divisor.", "tool": "str_replace_editor", "args": {
    "command": "str_replace", "path": "calc/stats.py", "old_str": "sum(values) / (len(values) - 1)",
    "new_str": "sum(values) / len(values)"}}
SUBMIT = {"thought": "Done, but the empty case worries me.", "tool": "submit", "args": {
    "confidence": 0.4, "unsure": [{"file": "calc/stats.py", "start": 1, "end": 50, "why": "mean([]) still divides by zero"},
                                  {"file": "calc/other.py", "start": 3, "end": 4, "why": "not touched at all"}]}}


def test_apply_prompt_shows_confidence_and_marks_the_unsure_hunk(pane_run) -> None:  # noqa: F811
    pane, repo, out = pane_run([EDIT, SUBMIT], "--mode", "auto-edit")
    screen = pane.wait_for("Apply this patch")
    assert "agent's confidence: 0.40" in screen, screen
    assert "unsure calc/stats.py:1-50 — mean([]) still divides by zero" in screen
    lines = screen.splitlines()
    mark = next(i for i, line in enumerate(lines) if "# UNSURE (lines 1-50): mean([]) still divides by zero" in line)
    assert lines[mark + 1].lstrip().startswith("@@")  # the marker sits right above the hunk it concerns
    assert "# UNSURE (lines 3-4)" not in screen  # a part matching no hunk is listed, not marked
    pane.send("n")
    pane.wait_for("EXITED:")
    step = [json.loads(x) for x in (out / "trajectory.jsonl").read_text().splitlines() if '"submit"' in x][-1]
    assert step["observation"]["data"]["confidence"] == 0.4
    assert step["observation"]["data"]["unsure"][0]["why"] == "mean([]) still divides by zero"
    assert "# UNSURE" not in (out / "patch.diff").read_text()  # the marks are for the eye, not the patch


def test_submit_validates_confidence(tmp_path: Path) -> None:
    ws = Workspace(root=make_repo(tmp_path / "calc", BUGGY_CALC), base="HEAD")
    bad = submit_tool(ws, {"confidence": 1.5})
    assert not bad.ok and "confidence" in bad.text
    good = submit_tool(ws, {"confidence": 0.9})
    assert good.ok and good.data["confidence"] == 0.9 and "unsure" not in good.data
    assert "confidence" not in submit_tool(ws, {}).data  # optional: old replies still submit


def test_mark_unsure_uses_new_file_line_ranges() -> None:
    patch = ("diff --git a/f.py b/f.py\n--- a/f.py\n+++ b/f.py\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n"
             "@@ -20,2 +20,3 @@\n x\n+y\n z\n")
    marked = mark_unsure(patch, [{"file": "f.py", "start": 21, "end": 21, "why": "y?"}])
    lines = marked.splitlines()
    assert lines.count("# UNSURE (lines 21-21): y?") == 1
    assert lines[lines.index("# UNSURE (lines 21-21): y?") + 1].startswith("@@ -20,2")


HAND = [(0.9, True), (0.95, True), (0.85, False), (0.1, False), (0.15, True), (0.5, True), (0.55, False)]


def test_calibration_figures_on_hand_made_results() -> None:
    cal = calibration(HAND)
    top, low, mid = cal["buckets"][4], cal["buckets"][0], cal["buckets"][2]
    assert (top["runs"], top["resolved"]) == (3, 2) and top["resolved_rate"] == pytest.approx(2 / 3)
    assert top["mean_confidence"] == pytest.approx(0.9)
    assert (low["runs"], low["resolved"], low["resolved_rate"]) == (2, 1, 0.5)
    assert (mid["runs"], mid["resolved"]) == (2, 1) and mid["mean_confidence"] == pytest.approx(0.525)
    assert cal["buckets"][1]["runs"] == 0 and cal["buckets"][1]["resolved_rate"] is None
    brier = sum((c - r) ** 2 for c, r in HAND) / len(HAND)
    assert cal["brier"] == pytest.approx(brier) and cal["brier"] == pytest.approx(2.02 / 7)  # 0.01+0.0025+0.7225+0.01+0.7225+0.25+0.3025
    ece = (3 * abs(2 / 3 - 0.9) + 2 * abs(0.5 - 0.125) + 2 * abs(0.5 - 0.525)) / 7
    assert cal["ece"] == pytest.approx(ece)
    assert calibration([(1.0, True)])["buckets"][4]["runs"] == 1  # 1.0 falls in the top bucket


def test_report_and_compare_calibration_per_strategy(tmp_path: Path) -> None:
    rows = [{"instance_id": f"t{i}", "resolved": r, "agent": {"confidence": c}} for i, (c, r) in enumerate(HAND)]
    rows.append({"instance_id": "none", "resolved": True, "agent": {"confidence": None}})
    cal = report_calibration(rows)
    assert cal["runs_with_confidence"] == 7 and cal["runs_without_confidence"] == 1
    assert cal["brier"] == pytest.approx(calibration(HAND)["brier"])
    for name, keep in (("a", HAND), ("b", [(0.9, True), (0.2, False)])):
        (tmp_path / name).mkdir()
        tasks = {f"t{i}": {"instance_id": f"t{i}", "resolved": r, "agent": {"confidence": c}}
                 for i, (c, r) in enumerate(keep)}
        (tmp_path / name / "report.json").write_text(json.dumps({"run": {"strategy": name}, "tasks": tasks}))
    data = compare([load_run(tmp_path / "a"), load_run(tmp_path / "b")])
    per = data["groups"]["all"]["strategies"]
    assert per["a"]["calibration"]["brier"] == pytest.approx(calibration(HAND)["brier"])
    assert per["b"]["calibration"]["brier"] == pytest.approx((0.01 + 0.04) / 2)
    png = calibration_png({k: v["calibration"] for k, v in per.items()}, tmp_path / "cal.png")
    assert png is not None and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert calibration_png({"x": calibration([])}, tmp_path / "none.png") is None
