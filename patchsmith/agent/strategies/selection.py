"""Choosing among candidates without hidden information.

1. drop candidates that break tests which passed before the patch (regression tests picked from the
   repository's own test files next to the changed code; never the task's hidden tests or test lists),
2. prefer candidates whose own reproduction tests pass,
3. majority vote over normalized patches (formatting-only variants vote together),
4. ties, and the pick inside the winning group, go to the cheaper attempt.
Inputs are the attempts and their workspaces only: a task's patch, test_patch, FAIL_TO_PASS and
PASS_TO_PASS never reach this module.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import PurePosixPath

from ...tools.git import run_git
from ...tools.workspace import Workspace
from .base import Attempt, Selection
from .checks import changed_files, is_test_file, test_statuses
from .normalize import patch_key

MAX_REGRESSION_FILES = 30
PASSING = ("passed", "xfail")


@dataclass
class Candidate:
    attempt: Attempt
    ws: Workspace  # the attempt's workspace, its patch applied

    @property
    def source_files(self) -> list[str]:
        return [f for f in changed_files(self.attempt.patch) if not is_test_file(f)]


def pick_regression_tests(base: Workspace, changed: list[str]) -> list[str]:
    """Repository test files that name a changed module (tests/test_reader.py for confparse/reader.py);
    with none such, every test file of a small repository; else none (the step is skipped)."""
    listed = run_git(base.root, "ls-files", check=False).stdout.splitlines()
    tests = [f for f in listed if is_test_file(f) and (f.endswith(".py") or ".test." in f or f.endswith(".js"))]
    stems = {PurePosixPath(f).stem.lower() for f in changed}
    related = [t for t in tests if any(s and s in PurePosixPath(t).stem.lower() for s in stems)]
    if related:
        return related[:MAX_REGRESSION_FILES]
    return tests if len(tests) <= MAX_REGRESSION_FILES else []


def cost_order(a: Attempt) -> tuple[float, int, int]:
    return (a.cost, a.tokens, a.number)


def key_of(c: Candidate) -> tuple:
    return patch_key(c.ws.root, c.source_files or changed_files(c.attempt.patch))


def drop_regressions(base: Workspace, live: list[Candidate], selection: Selection) -> list[Candidate]:
    tests = pick_regression_tests(base, sorted({f for c in live for f in c.source_files}))
    selection.regression_tests = tests
    if not tests:
        selection.notes.append("no repository tests next to the changed code: regression check skipped")
        return live
    # Candidates whose normalized code is the same behave the same: one run per group, all in parallel
    # with the run at the base commit (test runs wait on subprocesses, so they overlap).
    groups: dict[tuple, list[Candidate]] = {}
    for c in live:
        groups.setdefault(key_of(c), []).append(c)
    with ThreadPoolExecutor(max_workers=len(groups) + 1) as pool:
        at_base = pool.submit(test_statuses, base, tests)
        runs = {key: pool.submit(test_statuses, members[0].ws, tests) for key, members in groups.items()}
        before = {t for t, s in at_base.result().items() if s in PASSING}
        after = {key: run.result() for key, run in runs.items()}
    selection.baseline_passed = len(before)
    if not before:
        selection.notes.append("no test passed before the patch: regression check skipped")
        return live
    kept = []
    for key, members in groups.items():
        broken = sorted(t for t in before if after[key].get(t) not in PASSING)
        for c in members:
            if broken:
                c.attempt.verdict = "dropped"
                c.attempt.why = f"breaks {len(broken)} test(s) that passed before the patch: {', '.join(broken[:3])}"
            else:
                kept.append(c)
    if not kept:
        selection.notes.append("every candidate breaks a regression test: all kept for the vote")
        return live
    return kept


def prefer_reproduced(live: list[Candidate], selection: Selection) -> list[Candidate]:
    reproduced = [c for c in live if c.attempt.checks.repro_passed]
    if not reproduced:
        return live
    for c in live:
        if c not in reproduced:
            c.attempt.verdict = "not preferred"
            c.attempt.why = ("its reproduction tests fail" if c.attempt.checks.repro_passed is False
                             else "wrote no reproduction test, and others' pass")
    return reproduced


def vote(live: list[Candidate], selection: Selection) -> Candidate:
    groups: dict[tuple, list[Candidate]] = {}
    for c in live:
        groups.setdefault(key_of(c), []).append(c)
    ranked = sorted(groups.values(), key=lambda g: (-len(g), min(cost_order(c.attempt) for c in g)))
    selection.groups = [sorted(c.attempt.number for c in g) for g in ranked]
    winner = min(ranked[0], key=lambda c: cost_order(c.attempt))
    for group in ranked:
        for c in group:
            if c is winner:
                continue
            if group is ranked[0]:
                c.attempt.verdict = "same as chosen"
                c.attempt.why = f"votes with attempt {winner.attempt.number}, the cheapest of their group"
            else:
                c.attempt.verdict = "outvoted"
                c.attempt.why = f"its patch had {len(group)} vote(s), the chosen one {len(ranked[0])}"
    winner.attempt.verdict = "chosen"
    tie = len(ranked) > 1 and len(ranked[1]) == len(ranked[0])
    winner.attempt.why = (f"{len(ranked[0])} of {len(live)} vote(s)" + (", tie broken by cost" if tie else "")
                          + (f"; passed {selection.baseline_passed} regression test(s)" if selection.baseline_passed else ""))
    return winner


def select(base: Workspace, candidates: list[Candidate]) -> Selection:
    """Mark every attempt's verdict and why; return the selection (chosen None: nothing to choose)."""
    t0 = time.monotonic()
    selection = Selection(method="regression > reproduction > vote > cost", chosen=None)
    live = []
    for c in candidates:
        if c.attempt.patch.strip():
            live.append(c)
        else:
            c.attempt.verdict, c.attempt.why = "dropped", "made no change"
    if live:
        live = drop_regressions(base, live, selection)
        live = prefer_reproduced(live, selection)
        selection.chosen = vote(live, selection).attempt.number
    selection.wall_s = time.monotonic() - t0
    return selection
