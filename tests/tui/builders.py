"""Trajectories for the TUI tests, written with the real TrajectoryWriter (a small scripted fix run)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from patchsmith.agent.trajectory import (
    Action,
    Header,
    ObservationRecord,
    ReplyRecord,
    Result,
    Step,
    Timing,
    ToolCall,
    Totals,
    TrajectoryWriter,
    Usage,
)

PROBLEM = "parse_duration('1h30m') returns 90 seconds instead of 5400; minutes are read as seconds."
PATCH_1 = """diff --git a/src/durations.py b/src/durations.py
--- a/src/durations.py
+++ b/src/durations.py
@@ -10,3 +10,3 @@
 def parse_duration(text):
-    return int(minutes)
+    return int(minutes) * 60
"""
PATCH_2 = PATCH_1 + """@@ -20,2 +20,2 @@
-    hours = 0
+    hours = int(h) * 3600
"""
TESTS_FAIL = {"tests": [{"id": "tests/test_durations.py::test_minutes", "status": "failed",
                         "message": "AssertionError: assert 90 == 5400"},
                        {"id": "tests/test_durations.py::test_hours", "status": "failed", "message": "assert 0 == 3600"},
                        {"id": "tests/test_durations.py::test_seconds", "status": "passed", "message": ""}],
              "counts": {"passed": 1, "failed": 2}}
TESTS_PASS = {"tests": [{"id": t["id"], "status": "passed", "message": ""} for t in TESTS_FAIL["tests"]],
              "counts": {"passed": 3, "failed": 0}}
EVALUATION = {"resolved": True, "tests_status": {
    "FAIL_TO_PASS": {"success": ["tests/test_durations.py::test_minutes"], "failure": []},
    "PASS_TO_PASS": {"success": ["tests/test_durations.py::test_seconds"], "failure": []}}}


def _step(i: int, thought: str, tool: str, args: dict[str, Any], text: str, *, ok: bool = True,
          data: dict[str, Any] | None = None, diff: str | None = None) -> Step:
    return Step(index=i, thought=thought, action=Action(tool=tool, args=args, call_id=f"c{i}"),
                observation=ObservationRecord(text=text, ok=ok, error=None if ok else text.splitlines()[-1],
                                              data=data or {}),
                reply=ReplyRecord(text=thought, tool_calls=[ToolCall(id=f"c{i}", name=tool, arguments=json.dumps(args))]),
                usage=Usage(prompt_tokens=1000 + 250 * i, completion_tokens=50 + i, cost=0.001 * (i + 1)),
                timing=Timing(started_at=1_700_000_000.0 + i, model_s=1.5, tool_s=0.25), diff=diff)


def scripted_steps(extra: int = 0) -> list[Step]:
    steps = [
        _step(0, "Find where durations are parsed.", "search", {"pattern": "def parse_duration", "path": "**/*.py"},
              "src/durations.py:10: def parse_duration(text):"),
        _step(1, "Read the parser.", "str_replace_editor", {"command": "view", "path": "src/durations.py"},
              "    10\tdef parse_duration(text):\n    11\t    return int(minutes)"),
        _step(2, "Run the tests to see the failure.", "run_tests", {"tests": ["tests/test_durations.py"]},
              "2 failed, 1 passed\nAssertionError: assert 90 == 5400", ok=False, data=TESTS_FAIL),
        _step(3, "Minutes must be multiplied by sixty.", "str_replace_editor",
              {"command": "str_replace", "path": "src/durations.py", "old_str": "    return int(minutes)",
               "new_str": "    return int(minutes) * 60"},
              "The file src/durations.py has been edited.", data={"diff": PATCH_1}, diff=PATCH_1),
        _step(4, "Try it by hand.", "bash", {"command": "python -c 'print(parse_duration(\"1h\"))'"},
              "Traceback (most recent call last):\nNameError: name 'parse_duration' is not defined", ok=False),
        _step(5, "Hours are ignored as well; fix them.", "str_replace_editor",
              {"command": "str_replace", "path": "src/durations.py", "old_str": "    hours = 0",
               "new_str": "    hours = int(h) * 3600"},
              "The file src/durations.py has been edited.", diff=PATCH_2),
    ]
    for k in range(extra):
        i = len(steps)
        steps.append(_step(i, f"Look around some more ({k}).", "bash", {"command": f"ls src/part{k}"},
                           f"file_{k}.py\nneedle_{k}" if k % 7 == 0 else f"file_{k}.py"))
    i = len(steps)
    steps.append(_step(i, "All tests pass now.", "run_tests", {"tests": ["tests/test_durations.py"]},
                       "3 passed", data=TESTS_PASS))
    steps.append(_step(i + 1, "Submit the fix.", "submit", {}, "submitted"))
    return steps


def write_run(path: Path, *, extra: int = 0, cut: bool = False, evaluation: dict[str, Any] | None = EVALUATION,
              instance_id: str = "demo__durations-1", exit_reason: str = "submitted") -> Path:
    """A recorded run: header, steps, result. `cut` leaves no result and half a last line (a crash)."""
    writer = TrajectoryWriter(path)
    writer.write(Header(run_id="test-run", task={"instance_id": instance_id, "repo": "demo/durations",
                                                 "problem_statement": PROBLEM},
                        model={"name": "scripted:replies.json"}, started_at=1_700_000_000.0))
    steps = scripted_steps(extra)
    for step in steps:
        writer.write(step)
    if not cut:
        totals = Totals(steps=len(steps), prompt_tokens=sum(s.usage.prompt_tokens for s in steps),
                        completion_tokens=sum(s.usage.completion_tokens for s in steps),
                        cost=sum(s.usage.cost for s in steps), wall_s=42.0)
        writer.write(Result(exit_reason=exit_reason, patch=PATCH_2, evaluation=evaluation, totals=totals,
                            finished_at=1_700_000_042.0))
    writer.close()
    if cut:
        with path.open("a", encoding="utf-8") as fh:
            fh.write('{"type":"step","index":99,"thought":"half a li')
    return path
