"""An attempt's own checks: the tests it ran itself and the reproduction tests it wrote, rerun afterwards.

Only the attempt's trajectory and its own workspace are read; hidden tests never exist here (the test
patch is applied by the scorer, later, in another checkout).
"""

from __future__ import annotations

import re
from typing import Any

from ...tools.registry import tool_named
from ...tools.run_tests import RunTestsArgs, run_tests
from ...tools.testing.detect import NODE_TEST_FILE, PY_TEST_FILE
from ...tools.workspace import Workspace
from ..trajectory import ExitReason, Trajectory
from .base import Checks

DIFF_FILE = re.compile(r"^diff --git a/(\S+) b/(\S+)$", re.M)


def changed_files(patch: str) -> list[str]:
    return list(dict.fromkeys(m.group(2) for m in DIFF_FILE.finditer(patch)))


def is_test_file(path: str) -> bool:
    return bool(PY_TEST_FILE.search(path) or NODE_TEST_FILE.search(path)) or "/tests/" in f"/{path}"


def last_test_run(traj: Trajectory) -> tuple[bool, int | None]:
    """(any run_tests ran, failing count of the last one that reported counts)."""
    ran, failing = False, None
    for step in traj.steps:
        tool = tool_named(step.action.tool) if step.action is not None else None
        if tool is None or not tool.runs_tests:
            continue
        counts = step.observation.data.get("counts") or {}
        if counts:
            ran = True
            failing = int(counts.get("failed", 0) or 0) + int(counts.get("error", 0) or 0)
    return ran, failing


def test_statuses(ws: Workspace, tests: list[str]) -> dict[str, str]:
    """Run `tests` (ids or files; [] = the whole suite) with the run_tests tool: id -> status."""
    obs = run_tests(ws, RunTestsArgs(tests=tests or None))
    cases: list[dict[str, Any]] = obs.data.get("tests") or []
    return {str(c.get("id")): str(c.get("status")) for c in cases}


def own_checks(ws: Workspace, patch: str, exit_reason: str, trajectory: Trajectory | None,
               rerun_repro: bool = True) -> Checks:
    checks = Checks(submitted=exit_reason == ExitReason.SUBMITTED, empty_patch=not patch.strip())
    if trajectory is not None:
        checks.tests_ran, checks.tests_failing = last_test_run(trajectory)
    checks.repro_tests = [f for f in changed_files(patch) if is_test_file(f) and (ws.root / f).is_file()]
    if rerun_repro and checks.repro_tests:
        statuses = test_statuses(ws, checks.repro_tests)
        checks.repro_passed = bool(statuses) and all(s in ("passed", "skipped", "xfail") for s in statuses.values())
    return checks
