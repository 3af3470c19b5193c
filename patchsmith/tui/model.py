"""What the inspector shows, read lazily: steps are parsed when looked at, not when the file opens.

A `RunModel` is backed either by our JSONL file (raw lines kept, one step parsed on demand) or by a
`Trajectory` in memory (imported formats, the live view). The per-step facts the whole-run views need
(tool, error mark, tokens, cost, failing tests, search text) are computed once, by `ensure_index()`,
which the app runs in the background after the first paint.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel

from patchsmith.agent.trajectory import (
    Event,
    Header,
    ObservationRecord,
    Result,
    Step,
    Trajectory,
    parse_record,
)
from patchsmith.tools.safetext import inert, inert_value

_STEP_PREFIX = b'{"type":"step"'
_FAIL_STATUSES = {"failed", "fail", "error", "errored", "failure"}
_CACHE_SIZE = 256
R = TypeVar("R", bound=BaseModel)


def shown(record: R) -> R:
    """A copy of a record for the screen: every string in it inert (escape codes and stray bytes visible).

    Done here, where the UI gets its data, so that no widget (today's or tomorrow's) can draw raw text."""
    return type(record).model_validate(inert_value(record.model_dump()))


def failing_count(data: dict[str, Any]) -> int | None:
    """Failing tests in a run_tests observation's data, or None when the step ran no tests."""
    counts = data.get("counts")
    if isinstance(counts, dict):
        total = 0
        for key in ("failed", "error", "errors", "failures"):
            try:
                total += int(counts.get(key) or 0)
            except (TypeError, ValueError):
                pass
        return total
    tests = data.get("tests")
    if isinstance(tests, list):
        return sum(1 for t in tests if isinstance(t, dict) and str(t.get("status", "")).lower() in _FAIL_STATUSES)
    return None


@dataclass
class StepFacts:
    tool: str
    error: bool
    tokens: int
    cost: float
    failing: int | None
    has_diff: bool
    text: str  # lowercased thought + action + observation, for search


def _facts(d: dict[str, Any]) -> StepFacts:
    action = d.get("action") or {}
    obs = d.get("observation") or {}
    usage = d.get("usage") or {}
    data = obs.get("data") or {}
    tool = str(action.get("tool") or "")
    args = action.get("args") or {}
    text = "\n".join((str(d.get("thought") or ""), tool, json.dumps(args, ensure_ascii=False), str(obs.get("text") or "")))
    return StepFacts(
        tool=inert(tool) or "(none)",
        error=(obs.get("ok") is False) or bool(obs.get("error")),
        tokens=int(usage.get("prompt_tokens") or 0) + int(usage.get("completion_tokens") or 0),
        cost=float(usage.get("cost") or 0.0),
        failing=failing_count(data) if isinstance(data, dict) else None,
        has_diff=d.get("diff") is not None,
        text=text.lower(),
    )


def _broken_step(index: int, why: str) -> Step:
    return Step(index=index, observation=ObservationRecord(text=why, ok=False, error=why))


def _parse_step(line: bytes, index: int) -> Step:
    try:
        if b'"exact":' in line:  # strings that were not valid Unicode: restored by the trajectory reader
            return Step.model_validate(parse_record(json.loads(line)))
        return Step.model_validate_json(line)
    except ValueError as exc:
        return _broken_step(index, f"unreadable step line: {str(exc).splitlines()[0]}")


class RunModel:
    """One run for the UI. Thread-safe enough for one background indexer plus the UI thread."""

    def __init__(self, header: Header | None = None, result: Result | None = None, *, incomplete: bool = False,
                 path: str | None = None, lines: list[bytes] | None = None, steps: list[Step] | None = None,
                 events: list[Event] | None = None):
        self.header = header or Header()
        self.result = result
        self.incomplete = incomplete
        self.path = path
        self.events = [shown(e) for e in events or []]
        self._lines = lines  # raw step lines (lazy JSONL); None when steps live in memory
        self._steps = steps if lines is None else None
        if self._steps is None and self._lines is None:
            self._steps = []
        self._cache: OrderedDict[int, Step] = OrderedDict()
        self._facts: list[StepFacts] | None = None
        self._lock = threading.Lock()

    @property
    def header(self) -> Header:
        return self._header

    @header.setter
    def header(self, header: Header) -> None:
        self._header = shown(header)

    @property
    def result(self) -> Result | None:
        return self._result

    @result.setter
    def result(self, result: Result | None) -> None:
        self._result = shown(result) if result is not None else None

    def add_event(self, event: Event) -> None:
        self.events.append(shown(event))

    # --- construction -------------------------------------------------------------------------
    @classmethod
    def from_trajectory(cls, traj: Trajectory) -> RunModel:
        return cls(traj.header, traj.result, incomplete=traj.incomplete, path=traj.path, steps=list(traj.steps),
                   events=list(traj.events))

    @classmethod
    def open_jsonl(cls, path: Path) -> RunModel:
        """Our JSONL: keep the raw lines, parse header/result/events now and steps on demand."""
        data = Path(path).read_bytes()
        raw = data.split(b"\n")
        del data
        last = len(raw) - 1
        while last >= 0 and not raw[last].strip():
            last -= 1
        model = cls(path=str(path), lines=[])
        assert model._lines is not None
        step_lines = model._lines
        found_header = False
        for number in range(last + 1):
            line = raw[number]
            if line.startswith(_STEP_PREFIX) and number != last:
                step_lines.append(line)  # parsed when shown
                continue
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except ValueError:
                if number == last:  # a run cut off mid-line: show what is there
                    model.incomplete = True
                    break
                raise ValueError(f"{path}: line {number + 1} is not valid JSON") from None
            kind = obj.get("type") if isinstance(obj, dict) else None
            if kind == "header":
                model.header = Header.model_validate(parse_record(obj))
                found_header = True
            elif kind == "step":
                step_lines.append(line)
            elif kind == "event":
                model.add_event(Event.model_validate(parse_record(obj)))
            elif kind == "result":
                model.result = Result.model_validate(parse_record(obj))
        if not found_header and not step_lines and model.result is None:
            raise ValueError(f"{path}: no trajectory lines (expected a header line first)")
        if model.result is None:
            model.incomplete = True
        return model

    # --- steps --------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._lines) if self._lines is not None else len(self._steps or [])

    def step(self, index: int) -> Step:
        """The step as the screen shows it (inert text); parsed and converted once, then cached."""
        with self._lock:
            cached = self._cache.get(index)
            if cached is not None:
                self._cache.move_to_end(index)
                return cached
        if self._steps is not None:
            step = shown(self._steps[index])
        else:
            step = shown(_parse_step(self._lines[index], index) if self._lines is not None else Step(index=index))
        with self._lock:
            self._cache[index] = step
            if len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        return step

    def append(self, step: Step) -> None:
        """Live view: a new step arrived (in-memory models only)."""
        if self._steps is None:
            raise TypeError("cannot append to a file-backed run")
        with self._lock:
            self._steps.append(step)
            if self._facts is not None:
                self._facts.append(_facts(step.model_dump()))

    def patch_at(self, index: int) -> str:
        """The workspace diff after step `index`, carrying forward steps that left it unchanged."""
        facts = self._facts
        for i in range(min(index, len(self) - 1), -1, -1):
            if facts is not None and i < len(facts) and not facts[i].has_diff:
                continue
            diff = self.step(i).diff
            if diff is not None:
                return diff
        return ""

    @property
    def final_patch(self) -> str:
        return self.result.patch if self.result else ""

    # --- whole-run facts ----------------------------------------------------------------------
    @property
    def indexed(self) -> bool:
        return self._facts is not None and len(self._facts) == len(self)

    def ensure_index(self) -> list[StepFacts]:
        with self._lock:
            if self._facts is not None and len(self._facts) == len(self):
                return self._facts
        if self._lines is not None:
            facts = []
            for i, line in enumerate(self._lines):
                try:
                    facts.append(_facts(json.loads(line)))
                except (ValueError, TypeError, AttributeError):  # a damaged line: marked, not fatal
                    facts.append(_facts(_broken_step(i, "unreadable step line").model_dump()))
        else:
            facts = [_facts(s.model_dump()) for s in list(self._steps or [])]
        with self._lock:
            if self._facts is None or len(self._facts) < len(facts):
                self._facts = facts
            return self._facts

    def tools(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for f in self.ensure_index():
            counts[f.tool] = counts.get(f.tool, 0) + 1
        return counts

    def search(self, query: str) -> list[int]:
        q = query.lower()
        if not q:
            return []
        return [i for i, f in enumerate(self.ensure_index()) if q in f.text]

    def series(self) -> tuple[list[float], list[float], list[float]]:
        """Failing tests (carried forward between test runs), tokens per step, cumulative cost."""
        failing: list[float] = []
        tokens: list[float] = []
        cost: list[float] = []
        last_failing = 0.0
        total = 0.0
        for f in self.ensure_index():
            if f.failing is not None:
                last_failing = float(f.failing)
            failing.append(last_failing)
            tokens.append(float(f.tokens))
            total += f.cost
            cost.append(total)
        return failing, tokens, cost
