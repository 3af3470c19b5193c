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
from collections.abc import Callable, Sequence
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

from .align import action_key, step_key

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
    key: tuple[str, str] = ("none", "")  # what the step did (kind, file), for aligning two runs


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
        key=action_key(tool, args, d.get("state") or {}) if action else ("none", ""),
    )


def step_facts(step: Step) -> StepFacts:
    """The same facts from a parsed step (imported formats, the live view), without dumping it to a dict."""
    action = step.action
    obs = step.observation
    tool = action.tool if action else ""
    args = json.dumps(action.args, ensure_ascii=False) if action else "{}"
    data = obs.data if isinstance(obs.data, dict) else {}
    return StepFacts(
        tool=tool or "(none)", error=(not obs.ok) or bool(obs.error),
        tokens=step.usage.prompt_tokens + step.usage.completion_tokens, cost=step.usage.cost,
        failing=failing_count(data), has_diff=step.diff is not None,
        text="\n".join((step.thought, tool, args, obs.text)).lower(), key=step_key(step))


@dataclass
class Exchange:
    """One `ask_user` step as the inspector shows it: who asked, the question, the answer, where it came from.

    Read from the step's observation and the question/answer events the controller wrote for that step
    (events hold the source and timing; a trajectory without them, imported or cut, still shows the Q/A)."""

    question: str
    choices: list[str]
    answer: str | None
    source: str  # "user", "hints", "earlier" (reused from another attempt), or "" when no one answered
    asked_by: str
    data: dict[str, Any]  # the answer event's data: steps_before, cost_before, wait_s, attempt


def asked_by(header: Header) -> str:
    """'the agent (model NAME, attempt N of STRATEGY)' from what the header recorded."""
    name = str(header.model.get("name") or "") if isinstance(header.model, dict) else ""
    parts = [f"model {name}"] if name else []
    attempt = header.attempt if isinstance(header.attempt, dict) else {}
    if attempt.get("number"):
        parts.append(f"attempt {attempt['number']} of {attempt.get('strategy') or header.strategy}")
    return "the agent" + (f" ({', '.join(parts)})" if parts else "")


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
                 events: list[Event] | None = None, raw: Sequence[Any] | None = None,
                 convert: Callable[[Any, int], Step] | None = None):
        self.header = header or Header()
        self.result = result
        self.incomplete = incomplete
        self.path = path
        self.events = [shown(e) for e in events or []]
        self._lines = lines  # raw step lines (lazy JSONL); None when steps live in memory
        # Imported formats: raw parsed JSON per step, converted to a Step by `convert` when looked at.
        self._raw = raw if lines is None and convert is not None else None
        self._convert = convert
        self._steps = steps if lines is None and self._raw is None else None
        if self._steps is None and self._lines is None and self._raw is None:
            self._steps = []
        self._cache: OrderedDict[int, Step] = OrderedDict()
        self._facts: list[StepFacts] | None = None
        self._lock = threading.Lock()
        self.decisive: int | None = None  # the decisive step (`patchsmith credit`), when one was found
        self.decisive_kind = ""

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
        if self._lines is not None:
            return len(self._lines)
        if self._raw is not None:
            return len(self._raw)
        return len(self._steps or [])

    def step(self, index: int) -> Step:
        """The step as the screen shows it (inert text); parsed and converted once, then cached."""
        with self._lock:
            cached = self._cache.get(index)
            if cached is not None:
                self._cache.move_to_end(index)
                return cached
        step = shown(self._parse(index))
        with self._lock:
            self._cache[index] = step
            if len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        return step

    def _parse(self, index: int) -> Step:
        if self._raw is not None and self._convert is not None:
            try:
                return self._convert(self._raw[index], index)
            except (ValueError, TypeError, AttributeError, KeyError, IndexError) as exc:  # lenient, like the importers
                return _broken_step(index, f"unreadable step: {str(exc).splitlines()[0] if str(exc) else exc!r}")
        if self._steps is not None:
            return self._steps[index]
        assert self._lines is not None
        return _parse_step(self._lines[index], index)

    def append(self, step: Step) -> None:
        """Live view: a new step arrived (in-memory models only)."""
        if self._steps is None:
            raise TypeError("cannot append to a file-backed run")
        with self._lock:
            self._steps.append(step)
            if self._facts is not None:
                self._facts.append(step_facts(step))

    def exchange(self, index: int) -> Exchange | None:
        """The question and answer of step `index`, when it is an `ask_user` step."""
        step = self.step(index)
        if step.action is None or step.action.tool != "ask_user":
            return None
        data = step.observation.data if isinstance(step.observation.data, dict) else {}
        mine = [e for e in self.events if e.kind in ("question", "answer") and e.data.get("step") == index]
        question = next((e for e in mine if e.kind == "question"), None)
        answer = next((e for e in mine if e.kind == "answer"), None)
        choices = (question.data.get("choices") if question else None) or data.get("choices") \
            or step.action.args.get("choices") or []
        given = (answer.text or None) if answer is not None else data.get("answer")
        return Exchange(question=question.text if question else str(data.get("question")
                                                                     or step.action.args.get("question") or ""),
                        choices=[str(c) for c in choices], answer=str(given) if given else None,
                        source=str(answer.data.get("source") or "") if answer else "", asked_by=asked_by(self.header),
                        data=dict(answer.data) if answer else {})

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
        elif self._raw is not None:
            facts = self._index_raw()
        else:
            facts = [step_facts(s) for s in list(self._steps or [])]
        with self._lock:
            if self._facts is None or len(self._facts) < len(facts):
                self._facts = facts
            return self._facts

    def _index_raw(self) -> list[StepFacts]:
        # Converted without the step cache: the index must not push out the steps on screen.
        facts = []
        prompt = completion = 0
        cost = 0.0
        for i in range(len(self._raw or [])):
            step = self._parse(i)
            facts.append(step_facts(step))
            prompt += step.usage.prompt_tokens
            completion += step.usage.completion_tokens
            cost += step.usage.cost
        totals = self.result.totals if self.result else None
        if totals is not None and not (totals.prompt_tokens or totals.completion_tokens):
            # Files that keep no token totals (mini-swe-agent's): the steps' sum, known once all are read.
            totals.prompt_tokens, totals.completion_tokens = prompt, completion
            totals.cost = totals.cost or cost
        return facts

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


def open_model(path: Path) -> RunModel:
    """Any trajectory file, read lazily: our JSONL by lines; a SWE-agent or mini-swe-agent document is parsed
    once as JSON, and each of its steps is converted to ours only when shown or indexed (in the background)."""
    path = Path(path)
    model = _open(path)
    model.decisive, model.decisive_kind = find_credit(path)
    return model


def find_credit(trajectory: Path) -> tuple[int | None, str]:
    """The decisive step `patchsmith credit` wrote beside a run (tasks/<id>/credit.json), if any."""
    for folder in (trajectory.parent, trajectory.parent.parent):
        path = folder / "credit.json"
        if path.is_file():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (ValueError, OSError):
                return None, ""  # a damaged credit file must not stop the run from opening
            step = data.get("step") if isinstance(data, dict) else None
            return (step, str(data.get("kind", ""))) if isinstance(step, int) and step >= 0 else (None, "")
    return None, ""


def _open(path: Path) -> RunModel:
    from .importers import read_document
    from .importers.mini_swe_agent import mini_frame, mini_step
    from .importers.swe_agent import swe_agent_frame, swe_agent_step

    fmt, obj = read_document(path, lazy=True)
    if fmt == "patchsmith":
        return RunModel.open_jsonl(path)
    if fmt == "swe-agent":
        header, result, raw = swe_agent_frame(obj, str(path))  # type: ignore[arg-type]
        return RunModel(header, result, incomplete=result is None, path=str(path), raw=raw, convert=swe_agent_step)
    header, result, messages, groups, incomplete = mini_frame(obj, str(path))
    return RunModel(header, result, incomplete=incomplete, path=str(path), raw=groups,
                    convert=lambda group, index: mini_step(messages, group, index))
