"""Other agents' trajectories (files written here in their formats) and run folders, read into our schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from patchsmith.agent.trajectory import Trajectory
from patchsmith.tui.importers import (
    RunFolder,
    TrajectoryFormatError,
    detect_format,
    load_any,
    read_folder,
    resolved_map,
)

from .builders import write_run

SWE_AGENT_TRAJ = {
    "environment": "swe_main",
    "trajectory": [
        {"action": "create reproduce.py\n", "observation": "[File: reproduce.py (1 lines total)]\r\n1:",
         "response": "Let's reproduce it first.\n\n```\ncreate reproduce.py\n```", "thought": "Let's reproduce it first.",
         "state": "{\"open_file\": \"n/a\", \"working_dir\": \"/repo\"}\n"},
        {"action": "python reproduce.py", "observation": "Traceback (most recent call last):\r\n  File \"reproduce.py\", "
         "line 1\r\nNameError: name 'x' is not defined", "response": "Run it.", "thought": "Run it.",
         "execution_time": "0.33", "state": {"open_file": "/repo/reproduce.py", "working_dir": "/repo"}},
        {"action": "str_replace_editor str_replace /repo/src/fields.py --old_str 'return int(x)' "
                   "--new_str 'return int(round(x))'",
         "observation": "The file /repo/src/fields.py has been edited.", "response": "", "thought": "Round it.",
         "state": "{'open_file': '/repo/src/fields.py', 'working_dir': '/repo'}"},
        {"action": "submit", "observation": "\r\ndiff --git a/src/fields.py b/src/fields.py\r\n", "thought": "Done."},
    ],
    "history": [
        {"role": "system", "content": "SETTING: you are an autonomous programmer", "agent": "main"},
        {"role": "user", "content": "demo problem", "agent": "main", "is_demo": True},
        {"role": "user", "content": [{"type": "text", "text": "TimeDelta serialization precision\r\nHi there!"}],
         "agent": "main", "message_type": "observation"},
    ],
    "info": {"exit_status": "submitted", "submission": "\r\ndiff --git a/src/fields.py b/src/fields.py\r\n+x\r\n",
             "model_stats": {"instance_cost": 0.25, "tokens_sent": 12000, "tokens_received": 300, "api_calls": 4}},
}

MINI_CURRENT = {
    "info": {"exit_status": "Submitted", "submission": "diff --git a/a.py b/a.py\n",
             "model_stats": {"instance_cost": 0.031, "api_calls": 3},
             "config": {"model": {"model_name": "gpt-test"}}},
    "messages": [
        {"role": "system", "content": "You are a helpful assistant."},
        {"role": "user", "content": "<pr_description>\nDivision by zero in calc()\n</pr_description>\nSolve it."},
        {"role": "assistant", "content": "Look at the file.\n\n```mswea_bash_command\ncat calc.py\n```",
         "extra": {"actions": [{"command": "cat calc.py"}], "cost": 0.01,
                   "response": {"usage": {"prompt_tokens": 900, "completion_tokens": 40}}}},
        {"role": "user", "content": "<returncode>0</returncode>\r\n<output>\r\ndef calc(a, b): return a / b\r\n</output>",
         "extra": {"returncode": 0}},
        {"role": "assistant", "content": [{"type": "text", "text": "Run it.\n\n```mswea_bash_command\npython calc.py\n```"}]},
        {"role": "tool", "tool_call_id": "t1",
         "content": "<returncode>1</returncode>\n<output>\nZeroDivisionError: division by zero\n</output>"},
        {"role": "assistant", "content": "Submit.\n\n```mswea_bash_command\necho COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT\n```"},
        {"role": "exit", "content": "Submitted", "extra": {"exit_status": "Submitted", "submission": "diff"}},
    ],
    "trajectory_format": "mini-swe-agent-1.1",
}

MINI_OLD = [
    {"role": "system", "content": "You are a helpful assistant."},
    {"role": "user", "content": "Please solve this issue: Blah blah"},
    {"role": "assistant", "content": "Here be some dummy command:\n```bash\necho 'hello world'\n```"},
    {"role": "user", "content": "<returncode>0</returncode>\n<output>\nhello world\n</output>"},
    {"role": "assistant", "content": "No action here, oops."},
    {"role": "user", "content": "Please always provide EXACTLY ONE action in triple backticks."},
]


def _write(tmp_path: Path, name: str, obj: object) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(obj, indent=2), encoding="utf-8")
    return path


def test_swe_agent_traj(tmp_path: Path) -> None:
    traj = load_any(_write(tmp_path, "pydicom__pydicom-1458.traj", SWE_AGENT_TRAJ))
    assert isinstance(traj, Trajectory)
    assert traj.header.source_format == "swe-agent"
    assert traj.header.task["instance_id"] == "pydicom__pydicom-1458"
    assert traj.header.task["problem_statement"].startswith("TimeDelta serialization precision\nHi there!")
    assert [s.action.tool for s in traj.steps] == ["create", "bash", "str_replace_editor", "submit"]
    assert traj.steps[0].state == {"open_file": "n/a", "working_dir": "/repo"}  # JSON string
    assert traj.steps[2].state["open_file"] == "/repo/src/fields.py"  # Python repr string
    assert traj.steps[1].observation.ok is False and "NameError" in (traj.steps[1].observation.error or "")
    assert "\r" not in traj.steps[1].observation.text
    assert traj.steps[1].timing.tool_s == pytest.approx(0.33)
    edit = traj.steps[2].action.args
    assert edit == {"command": "str_replace", "path": "/repo/src/fields.py", "old_str": "return int(x)",
                    "new_str": "return int(round(x))"}
    assert traj.result is not None and traj.result.exit_reason == "submitted"
    assert traj.result.patch.startswith("diff --git") and "\r" not in traj.result.patch
    assert traj.result.totals.prompt_tokens == 12000 and traj.result.totals.cost == pytest.approx(0.25)
    assert not traj.incomplete


def test_swe_agent_missing_fields(tmp_path: Path) -> None:
    traj = load_any(_write(tmp_path, "x.traj", {"trajectory": [{"action": "ls"}, "odd entry"]}))
    assert isinstance(traj, Trajectory)
    assert len(traj.steps) == 2 and traj.steps[1].action.args["command"] == "odd entry"
    assert traj.result is None and traj.incomplete


def test_mini_swe_agent_current_format(tmp_path: Path) -> None:
    path = _write(tmp_path, "task.traj.json", MINI_CURRENT)
    assert detect_format(path) == "mini-swe-agent"
    traj = load_any(path)
    assert isinstance(traj, Trajectory)
    assert traj.header.task["problem_statement"] == "Division by zero in calc()"
    assert traj.header.model == {"name": "gpt-test"}
    assert len(traj.steps) == 3
    first, second, third = traj.steps
    assert first.action.args["command"] == "cat calc.py" and first.thought == "Look at the file."
    assert first.usage.prompt_tokens == 900 and first.usage.cost == pytest.approx(0.01)
    assert first.observation.ok and "def calc" in first.observation.text and "\r" not in first.observation.text
    assert second.action.args["command"] == "python calc.py"  # content as a list of parts
    assert not second.observation.ok and second.observation.data == {"returncode": 1}
    assert third.action.tool == "submit"
    assert traj.result.exit_reason == "Submitted" and traj.result.totals.cost == pytest.approx(0.031)


def test_mini_swe_agent_old_bare_list(tmp_path: Path) -> None:
    traj = load_any(_write(tmp_path, "old.json", MINI_OLD))
    assert isinstance(traj, Trajectory)
    assert traj.header.source_format == "mini-swe-agent"
    assert [s.action.args["command"] if s.action else None for s in traj.steps] == ["echo 'hello world'", None]
    assert traj.steps[0].observation.data == {"returncode": 0}
    assert "EXACTLY ONE" in traj.steps[1].observation.text
    assert traj.result is None and not traj.incomplete  # old files simply have no result


def test_unknown_json_and_garbage_are_format_errors(tmp_path: Path) -> None:
    with pytest.raises(TrajectoryFormatError, match="not a patchsmith, SWE-agent or mini-swe-agent"):
        load_any(_write(tmp_path, "other.json", {"hello": "world"}))
    garbage = tmp_path / "garbage.txt"
    garbage.write_text("this is not json at all\n")
    with pytest.raises(TrajectoryFormatError, match="neither JSON Lines nor a JSON document"):
        load_any(garbage)


def test_own_jsonl_and_cut_off_file(tmp_path: Path) -> None:
    full = load_any(write_run(tmp_path / "full.jsonl"))
    assert isinstance(full, Trajectory) and not full.incomplete and len(full.steps) == 8
    cut = load_any(write_run(tmp_path / "cut.jsonl", cut=True))
    assert isinstance(cut, Trajectory) and cut.incomplete and len(cut.steps) == 8 and cut.result is None


def test_run_folder_with_report(tmp_path: Path) -> None:
    for name, exit_reason in (("a__1", "submitted"), ("b__2", "max_steps"), ("c__3", "submitted")):
        write_run(tmp_path / name / "trajectory.jsonl", instance_id=name, exit_reason=exit_reason, evaluation=None)
    write_run(tmp_path / "d__4" / "trajectory.jsonl", instance_id="d__4", cut=True)
    (tmp_path / "empty").mkdir()
    (tmp_path / "report.json").write_text(json.dumps(
        {"summary": {"resolved_instances": 1}, "tasks": {"a__1": {"resolved": True}, "b__2": {"resolved": False}}}))
    folder = load_any(tmp_path)
    assert isinstance(folder, RunFolder)
    by_task = {r.task: r for r in folder.runs}
    assert sorted(by_task) == ["a__1", "b__2", "c__3", "d__4"]
    assert by_task["a__1"].resolved is True and by_task["b__2"].resolved is False
    assert by_task["c__3"].resolved is None
    assert by_task["a__1"].steps == 8 and by_task["a__1"].exit_reason == "submitted"
    assert by_task["a__1"].tokens > 0 and by_task["a__1"].wall_s == 42.0
    assert by_task["d__4"].incomplete and by_task["d__4"].steps == 8
    # resolved from the trajectory's own evaluation when there is no report entry
    (tmp_path / "report.json").unlink()
    write_run(tmp_path / "e__5" / "trajectory.jsonl", instance_id="e__5")
    assert {r.task: r.resolved for r in read_folder(tmp_path).runs}["e__5"] is True


def test_resolved_map_shapes() -> None:
    assert resolved_map({"resolved_ids": ["a"], "unresolved_ids": ["b"]}) == {"a": True, "b": False}
    assert resolved_map([{"instance_id": "x", "resolved": True}]) == {"x": True}
    assert resolved_map({"x": {"resolved": False, "tests_status": {}}}) == {"x": False}
    assert resolved_map({"results": [{"instance_id": "y", "resolved": True}]}) == {"y": True}
    assert resolved_map("nonsense") == {}


def test_single_run_folder_opens_its_trajectory(tmp_path: Path) -> None:
    write_run(tmp_path / "trajectory.jsonl")
    assert isinstance(load_any(tmp_path), Trajectory)


def test_agent_layer_does_not_import_textual() -> None:
    """The CLI and importers load without Textual; only starting the inspector pulls it in."""
    import subprocess
    import sys

    code = ("import sys; import patchsmith.cli.main, patchsmith.cli.inspect, patchsmith.tui.importers; "
            "patchsmith.cli.main.build_parser(); print('textual' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[2]).stdout.strip()
    assert out == "False"


def test_batch_folder_in_the_harness_layout(tmp_path: Path) -> None:
    """`run` writes OUTPUT/tasks/<id>/agent/trajectory.jsonl and OUTPUT/report.json with resolved_ids."""
    from patchsmith.agent.trajectory import Header, Result, Totals, TrajectoryWriter
    from patchsmith.tui.importers import load_any

    for iid in ("org__a-1", "org__b-2"):
        writer = TrajectoryWriter(tmp_path / "tasks" / iid / "agent" / "trajectory.jsonl")
        writer.write(Header(task={"instance_id": iid}))
        writer.write(Result(exit_reason="submitted", totals=Totals(steps=3)))
        writer.close()
    (tmp_path / "report.json").write_text('{"resolved_ids": ["org__a-1"], "unresolved_ids": ["org__b-2"]}')
    folder = load_any(tmp_path)
    assert [(r.task, r.resolved, r.steps) for r in folder.runs] == [("org__a-1", True, 3), ("org__b-2", False, 3)]
