"""A synthetic long trajectory with realistic observation sizes, written with the real TrajectoryWriter.

Sizes follow what SWE-agent-style runs produce: file views of ~100 lines, search results, test runs with
structured results, edits with diffs; the workspace patch is recorded on the steps that change it.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

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

WORDS = ("the value parser returns None when the field is missing so we should check the caller "
         "before changing anything else test fails because timedelta rounding is off").split()


def _code_line(rng: random.Random, n: int) -> str:
    indent = " " * (4 * rng.randint(0, 3))
    return f"{n:6d}\t{indent}{' '.join(rng.choices(WORDS, k=rng.randint(3, 10)))}"


def _prose(rng: random.Random, lo: int, hi: int) -> str:
    return " ".join(rng.choices(WORDS, k=rng.randint(lo, hi))).capitalize() + "."


def _step(rng: random.Random, i: int, start: float, failing: int, patch: str) -> tuple[Step, int, str]:
    kind = rng.choices(["view", "search", "edit", "test", "bash"], weights=[35, 20, 15, 15, 15])[0]
    data: dict = {}
    ok = True
    diff = None
    if kind == "view":
        first = rng.randint(1, 900)
        args = {"command": "view", "path": f"src/pkg/module_{i % 37}.py", "view_range": [first, first + 99]}
        text = "\n".join(_code_line(rng, first + k) for k in range(100))
        tool = "str_replace_editor"
    elif kind == "search":
        args = {"pattern": rng.choice(WORDS), "path": "**/*.py"}
        text = "\n".join(f"src/pkg/module_{rng.randint(0, 60)}.py:{rng.randint(1, 999)}: "
                         f"{' '.join(rng.choices(WORDS, k=8))}" for _ in range(rng.randint(5, 40)))
        tool = "search"
    elif kind == "edit":
        old = " ".join(rng.choices(WORDS, k=6))
        new = " ".join(rng.choices(WORDS, k=7))
        path = f"src/pkg/module_{i % 11}.py"
        args = {"command": "str_replace", "path": path, "old_str": old, "new_str": new}
        hunk = f"--- a/{path}\n+++ b/{path}\n@@ -{i},3 +{i},3 @@\n context\n-{old}\n+{new}\n context\n"
        data = {"diff": hunk}
        text = f"The file {path} has been edited. Here's the result of running `cat -n` on a snippet:\n" + \
            "\n".join(_code_line(rng, i + k) for k in range(12))
        tool = "str_replace_editor"
        patch = (patch + f"diff --git a/{path} b/{path}\n" + hunk)[-6000:]
        diff = patch
    elif kind == "test":
        failing = max(0, failing + rng.choice([-1, -1, 0, 1]))
        tests = [{"id": f"tests/test_mod.py::test_case_{k}", "status": "failed" if k < failing else "passed",
                  "message": "AssertionError: expected 3 got 4" if k < failing else ""} for k in range(30)]
        counts = {"passed": 30 - failing, "failed": failing}
        data = {"tests": tests, "counts": counts}
        text = "\n".join(f"{t['id']} {t['status'].upper()}" for t in tests) + "\n" + \
            "\n".join(_code_line(rng, k) for k in range(rng.randint(10, 120)))
        ok = failing == 0
        args = {"tests": ["tests/test_mod.py"]}
        tool = "run_tests"
    else:
        args = {"command": f"grep -rn {rng.choice(WORDS)} src | head -50"}
        text = "\n".join(_code_line(rng, k) for k in range(rng.randint(1, 60)))
        tool = "bash"
        if rng.random() < 0.05:
            ok = False
            text = "Traceback (most recent call last):\n  File \"x.py\", line 3\nValueError: bad value"
    thought = _prose(rng, 20, 90)
    usage = Usage(prompt_tokens=8000 + 40 * i % 50000, completion_tokens=rng.randint(40, 400))
    usage.cost = usage.prompt_tokens * 3e-6 + usage.completion_tokens * 15e-6
    step = Step(
        index=i, thought=thought, action=Action(tool=tool, args=args, call_id=f"call_{i}"),
        observation=ObservationRecord(text=text, ok=ok, error=None if ok else text.splitlines()[-1], data=data),
        reply=ReplyRecord(text=thought, tool_calls=[ToolCall(id=f"call_{i}", name=tool, arguments=json.dumps(args))]),
        usage=usage, timing=Timing(started_at=start + i * 3.0, model_s=rng.uniform(0.5, 4), tool_s=rng.uniform(0, 2)),
        state={"open_file": f"src/pkg/module_{i % 37}.py", "edits": i // 8}, diff=diff,
    )
    return step, failing, patch


def build(path: Path, steps: int, seed: int = 7, result: bool = True) -> Path:
    rng = random.Random(seed)
    start = 1_700_000_000.0
    writer = TrajectoryWriter(path)
    writer.write(Header(run_id="bench", task={"instance_id": "bench__long-1", "repo": "bench/long",
                                              "problem_statement": _prose(rng, 80, 200)},
                        model={"name": "scripted"}, started_at=start))
    failing, patch = 12, ""
    totals = Totals()
    for i in range(steps):
        step, failing, patch = _step(rng, i, start, failing, patch)
        writer.write(step)
        totals.prompt_tokens += step.usage.prompt_tokens
        totals.completion_tokens += step.usage.completion_tokens
        totals.cost += step.usage.cost
    totals.steps = steps
    totals.wall_s = steps * 3.0
    if result:
        writer.write(Result(exit_reason="max_steps", patch=patch, totals=totals, finished_at=start + steps * 3.0))
    writer.close()
    return path
