"""What every strategy shares: the Protocol, the task context it runs in, attempts as plain records, the
per-task budget, and the strategy record (strategy.json) that links a task's attempts and calls.

Honesty: nothing here receives the task's patch, test_patch or test lists. The context holds the problem
statement and the public task fields only; the scorer sees the rest, after the strategy has chosen.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from ...tools.workspace import Workspace
from ..clarify import Clarifications, choose_asker
from ..config import RunConfig
from ..events import Approver, Asker, RunControl, RunObserver
from ..models import Model, make_model
from ..resume import Resumption
from ..trajectory import Trajectory, Usage, load_trajectory
from .scripts import ScriptBook

# The record's own format version, so readers of old run folders know what to expect.
RECORD_VERSION = 1


class WorkspaceFactory(Protocol):
    """Fresh, clean workspaces at the task's base commit, one per attempt (removed when the block ends)."""

    def open(self, label: str) -> AbstractContextManager[Workspace]: ...


@dataclass
class Checks:
    """The attempt's own evidence, from what it ran itself: never the hidden tests."""

    submitted: bool = False
    empty_patch: bool = True
    tests_ran: bool = False
    tests_failing: int | None = None  # failing tests in the last run_tests the attempt made
    repro_tests: list[str] = field(default_factory=list)  # test files the attempt wrote or changed
    repro_passed: bool | None = None  # those files, rerun after the attempt; None when it wrote none
    applied: bool | None = None  # direct/self-refine: every search/replace block applied

    @property
    def ok(self) -> bool:
        # An attempt stopped by a limit (steps, tokens, a crash) did not finish: its patch is not vouched for.
        if self.empty_patch or self.applied is False or not self.submitted:
            return False
        if self.tests_failing:
            return False
        return self.repro_passed is not False

    def why(self) -> str:
        if self.empty_patch:
            return "no change made"
        if self.applied is False:
            return "an edit block did not apply"
        if self.tests_failing:
            return f"its last test run had {self.tests_failing} failing test(s)"
        if self.repro_passed is False:
            return f"its reproduction test(s) fail: {', '.join(self.repro_tests)}"
        if not self.submitted:
            return "it stopped before submitting"
        return "its checks pass"


@dataclass
class Attempt:
    number: int  # 1-based, in the order started
    strategy: str  # the inner method: react | direct | self-refine
    parent: int | None = None  # the attempt this one learned from (reflexion) or revised
    model: str = ""
    temperature: float = 0.0
    seed: int | None = None
    folder: str = ""  # relative to the record: attempts/N
    trajectory: str = ""
    patch: str = ""
    exit_reason: str = ""
    error: str | None = None
    checks: Checks = field(default_factory=Checks)
    steps: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float = 0.0
    wall_s: float = 0.0
    verdict: str = ""  # chosen | dropped | outvoted | superseded | final ...
    why: str = ""
    lessons: list[str] = field(default_factory=list)  # what it started with
    lesson: str = ""  # what it taught the next attempt (reflexion)
    node: str = ""  # where it ran when not in the task's own process: the Ray node id ("" here)
    task_id: str = ""  # its own Ray task, when it ran as one
    # Its trajectory as the loop read it back once (react attempts); not part of strategy.json.
    record: Trajectory | None = field(default=None, repr=False, compare=False)

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def read_back(self) -> Trajectory | None:
        """The attempt's parsed trajectory: the one read after its loop, else its file read now (a direct
        call's); None when it has none or it cannot be read."""
        if self.record is None:
            self.record = load_trajectory(self.trajectory)
        return self.record

    def to_dict(self) -> dict[str, Any]:
        row = asdict(replace(self, record=None))  # replace: asdict would deep-copy the whole trajectory
        del row["record"]
        return row | {"tokens": self.tokens, "checks_ok": self.checks.ok}


@dataclass
class Call:
    """A model call outside any attempt's loop: a critique, a revision, a lesson, or a selection step."""

    kind: str
    attempt: int | None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float = 0.0
    wall_s: float = 0.0
    text: str = ""


@dataclass
class Selection:
    method: str  # e.g. "regression > reproduction > vote > cost"
    chosen: int | None
    regression_tests: list[str] = field(default_factory=list)
    baseline_passed: int = 0
    groups: list[list[int]] = field(default_factory=list)  # attempts whose normalized patches agree
    wall_s: float = 0.0
    notes: list[str] = field(default_factory=list)


@dataclass
class AttemptPlan:
    """One attempt as data, so it can run here or be shipped elsewhere: its record (number, inner strategy,
    folder), its own configuration (sampling, its share of the budget) and, for direct, the prompt."""

    attempt: Attempt
    config: RunConfig
    prompt: str = ""


class AttemptLauncher(Protocol):
    """Runs a strategy's independent attempts. On return each plan's attempt is filled in (its files under
    ctx.output_dir / attempt.folder, the budget charged) and its workspace holds its patch, for selection.
    The default (launch.LocalAttempts) runs them in threads here; a front end may run them elsewhere."""

    def launch(self, ctx: TaskContext, plans: list[AttemptPlan], spaces: list[Workspace]) -> None: ...


class Budget:
    """Dollars and/or tokens for one task across all attempts; thread-safe (best-of-n runs in parallel)."""

    def __init__(self, dollars: float | None = None, tokens: int | None = None):
        self.dollars, self.tokens = dollars, tokens
        self.cost, self.used = 0.0, 0
        self._lock = threading.Lock()

    @property
    def limited(self) -> bool:
        return self.dollars is not None or self.tokens is not None

    def charge(self, cost: float, tokens: int) -> None:
        with self._lock:
            self.cost += cost
            self.used += tokens

    def left(self) -> tuple[float | None, int | None]:
        with self._lock:
            return (None if self.dollars is None else self.dollars - self.cost,
                    None if self.tokens is None else self.tokens - self.used)

    def affords(self, cost: float, tokens: int, share: int = 1) -> bool:
        """Can `share` attempts each costing about (cost, tokens) still run? Nothing left: never."""
        dollars, toks = self.left()
        if dollars is not None and (dollars <= 0 or cost * share > dollars):
            return False
        return not (toks is not None and (toks <= 0 or tokens * share > toks))

    def caps(self, config: RunConfig, share: int = 1) -> RunConfig:
        """`config` with its per-run caps lowered to this attempt's share of what is left."""
        dollars, toks = self.left()
        update: dict[str, Any] = {}
        if dollars is not None:
            update["max_cost"] = min(x for x in (config.max_cost, dollars / share) if x is not None)
        if toks is not None:
            update["max_tokens"] = int(min(x for x in (config.max_tokens, toks / share) if x is not None))
        return config.model_copy(update=update)

    def to_dict(self) -> dict[str, Any]:
        return {"dollars": self.dollars, "tokens": self.tokens, "spent_cost": self.cost, "spent_tokens": self.used}


@dataclass
class TaskContext:
    """Everything a strategy may use for one task. `workspace` is clean at the base commit."""

    problem_statement: str
    workspace: Workspace
    config: RunConfig
    output_dir: Path  # the task's agent folder: strategy.json, attempts/N/
    workspaces: WorkspaceFactory | None = None  # fresh workspaces for attempts after the first
    task: dict[str, Any] | None = None  # public fields only
    scripts: ScriptBook | None = None  # --model scripted: replies per role and attempt
    model: Model | None = None  # a model already made (fix checks --model early); the first attempt's
    hints: list[str] | None = None  # None: localize; []: none
    resume: Resumption | None = None  # a cut-off one-attempt run to go on from (agent/resume.py)
    observer: RunObserver | None = None
    approver: Approver | None = None
    asker: Asker | None = None  # the person who answers ask_user (fix's console), for every attempt
    control: RunControl | None = None
    budget: Budget = field(default_factory=Budget)
    attempts: list[Attempt] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    name: str = "react"  # the strategy as the user wrote it
    launcher: AttemptLauncher | None = None  # where independent attempts run; None: threads here
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _clarifications: Clarifications | None = None

    def clarifications(self) -> Clarifications:
        """The task's questions, shared by all its attempts: one budget, and no question asked twice."""
        with self._lock:
            if self._clarifications is None:
                self._clarifications = Clarifications(choose_asker(self.config.clarify, self.task, self.asker))
            return self._clarifications

    def new_attempt(self, strategy: str, **kwargs: Any) -> Attempt:
        with self._lock:
            attempt = Attempt(number=len(self.attempts) + 1, strategy=strategy, **kwargs)
            attempt.folder = f"attempts/{attempt.number}"
            self.attempts.append(attempt)
        return attempt

    def model_for(self, role: str, attempt: int, config: RunConfig) -> Model:
        """The model for one call: the scenario's script for (strategy, role, attempt), else the endpoint."""
        if self.scripts is not None:
            path = self.scripts.lookup(role, attempt)
            return make_model(config.model_copy(update={"model": f"scripted:{path}"}))
        if self.model is not None and attempt == 1 and config.model == self.config.model \
                and config.temperature == self.config.temperature and config.seed == self.config.seed:
            return self.model
        return make_model(config)

    def record_call(self, kind: str, attempt: int | None, usage: Usage, wall_s: float, text: str) -> Call:
        call = Call(kind=kind, attempt=attempt, prompt_tokens=usage.prompt_tokens,
                    completion_tokens=usage.completion_tokens, cost=usage.cost, wall_s=wall_s, text=text[:4000])
        self.budget.charge(usage.cost, usage.prompt_tokens + usage.completion_tokens)
        with self._lock:
            self.calls.append(call)
        return call


@dataclass
class StrategyOutcome:
    patch: str
    chosen: int | None  # attempt number whose patch is final
    attempts: list[Attempt]
    calls: list[Call]
    selection: Selection | None = None
    stopped_by_budget: bool = False
    record_path: Path | None = None

    @property
    def final(self) -> Attempt | None:
        return next((a for a in self.attempts if a.number == self.chosen), None)

    def totals(self) -> dict[str, Any]:
        """Everything the task cost: all attempts plus all calls outside them."""
        parts = [*self.attempts, *self.calls]
        return {"prompt_tokens": sum(p.prompt_tokens for p in parts),
                "completion_tokens": sum(p.completion_tokens for p in parts),
                "cost": sum(p.cost for p in parts), "steps": sum(a.steps for a in self.attempts),
                "attempts": len(self.attempts), "calls": len(self.calls)}


class Strategy(Protocol):
    name: str

    def run(self, ctx: TaskContext) -> StrategyOutcome: ...


def write_record(ctx: TaskContext, outcome: StrategyOutcome, started: float) -> Path:
    """strategy.json: the task's attempts (each with its trajectory), the calls, the selection and why."""
    record = {"version": RECORD_VERSION, "strategy": ctx.name, "started_at": started, "wall_s": time.time() - started,
              "chosen": outcome.chosen, "stopped_by_budget": outcome.stopped_by_budget,
              "budget": ctx.budget.to_dict(), "totals": outcome.totals(),
              "attempts": [a.to_dict() for a in outcome.attempts],
              "calls": [asdict(c) for c in outcome.calls],
              "selection": asdict(outcome.selection) if outcome.selection else None}
    path = Path(ctx.output_dir) / "strategy.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(record, indent=1, default=str), encoding="utf-8")
    tmp.replace(path)
    link_chosen(Path(ctx.output_dir), outcome.final)
    return path


def link_chosen(folder: Path, final: Attempt | None) -> None:
    """agent/trajectory.jsonl and patch.diff point at the chosen attempt's, so everything that reads one run
    per task (inspect, export, progress measures) reads the chosen one; the others stay under attempts/."""
    if final is None or final.folder == ".":
        return
    for name in ("trajectory.jsonl", "patch.diff"):
        link, target = folder / name, Path(final.folder) / name
        if (folder / target).exists() and not link.exists():
            link.symlink_to(target)


Runner = Callable[[TaskContext], StrategyOutcome]
