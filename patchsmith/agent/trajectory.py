"""The trajectory: JSON Lines, one event per line, flushed as it happens.

Line types (field `type`):
  header  schema_version, run_id, task{instance_id, repo, base_commit, problem_statement}, model, strategy,
          config, started_at
  step    index, thought, action{tool, args, call_id}, observation{text, ok, error, data, truncated},
          reply{text, tool_calls}  (the model's raw reply, for replay), usage{prompt_tokens, completion_tokens,
          cost, estimated}, timing{model_s, tool_s, overhead_s, started_at}, state (memory snapshot),
          diff (the workspace patch after this step, or null when unchanged since the previous step)
  event   kind (user_message, condensed, approval, error, note...), text, data
  result  exit_reason, patch, evaluation (or null), totals{steps, prompt_tokens, completion_tokens, cost,
          wall_s}, finished_at

Any line may also carry `exact`: strings that are not valid Unicode (a diff or an output holding bytes of a
Latin-1 file, kept as surrogate escapes) are written readable, with U+FFFD where a byte did not decode, and
listed in `exact` with their precise content, so that this reader restores them byte for byte while any
other JSON reader (and older patchsmith) still reads the line:
  exact   [{"at": [key or index, ...], "b64": base64 of the string's UTF-8 with surrogates passed through}]
          an entry with "key": the readable key at `at` stands for a dict key with that exact content
"""

from __future__ import annotations

import base64
import json
import math
from enum import Enum
from pathlib import Path
from typing import IO, Any, Literal, TypeVar

from pydantic import BaseModel, Field
from pydantic_core import PydanticSerializationError

SCHEMA_VERSION = 1


class Usage(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float = 0.0
    estimated: bool = False  # True when counted locally because the endpoint reported nothing

    def __add__(self, other: Usage) -> Usage:
        return Usage(prompt_tokens=self.prompt_tokens + other.prompt_tokens,
                     completion_tokens=self.completion_tokens + other.completion_tokens,
                     cost=self.cost + other.cost, estimated=self.estimated or other.estimated)


class Action(BaseModel):
    tool: str
    args: dict[str, Any] = Field(default_factory=dict)
    call_id: str | None = None


class ToolCall(BaseModel):
    id: str | None = None
    name: str
    arguments: str  # raw JSON text, exactly as the model sent it


class ReplyRecord(BaseModel):
    text: str = ""
    tool_calls: list[ToolCall] = Field(default_factory=list)


class ObservationRecord(BaseModel):
    text: str = ""
    ok: bool = True
    error: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)
    truncated: bool = False


class Timing(BaseModel):
    started_at: float = 0.0
    model_s: float = 0.0
    tool_s: float = 0.0
    approval_s: float = 0.0  # waiting for the user; neither model nor controller time
    diff_s: float = 0.0  # git measuring the workspace after a changing step
    overhead_s: float = 0.0


class Header(BaseModel):
    type: Literal["header"] = "header"
    schema_version: int = SCHEMA_VERSION
    run_id: str = ""
    task: dict[str, Any] = Field(default_factory=dict)
    model: dict[str, Any] = Field(default_factory=dict)
    strategy: str = "react"
    config: dict[str, Any] = Field(default_factory=dict)
    started_at: float = 0.0
    source_format: str = "patchsmith"  # or swe-agent / mini-swe-agent when imported
    attempt: dict[str, Any] | None = None  # a strategy's attempt: number, parent, strategy (strategy.json)


class Step(BaseModel):
    type: Literal["step"] = "step"
    index: int
    thought: str = ""
    action: Action | None = None
    observation: ObservationRecord = Field(default_factory=ObservationRecord)
    reply: ReplyRecord = Field(default_factory=ReplyRecord)
    usage: Usage = Field(default_factory=Usage)
    timing: Timing = Field(default_factory=Timing)
    state: dict[str, Any] = Field(default_factory=dict)
    diff: str | None = None


class Event(BaseModel):
    type: Literal["event"] = "event"
    kind: str
    text: str = ""
    data: dict[str, Any] = Field(default_factory=dict)
    at: float = 0.0


class Totals(BaseModel):
    steps: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float = 0.0
    wall_s: float = 0.0


class ExitReason(str, Enum):
    """Why a run ended; the value is what trajectories store in `result.exit_reason` (imported trajectories
    may carry other strings there, so readers compare against these rather than assume them)."""

    SUBMITTED = "submitted"
    MAX_STEPS = "max_steps"
    MAX_TOKENS = "max_tokens"
    MAX_COST = "max_cost"
    MAX_WALL_TIME = "max_wall_time"
    STOPPED_BY_USER = "stopped_by_user"
    FORMAT_ERROR = "format_error"
    REPEATED_ACTION = "repeated_action"
    CONTEXT_EXCEEDED = "context_exceeded"
    SCRIPT_EXHAUSTED = "script_exhausted"
    MODEL_ERROR = "model_error"
    ERROR = "error"
    BUDGET = "budget"  # a strategy's per-task budget allowed no (further) attempt

    def __str__(self) -> str:
        return self.value


class Result(BaseModel):
    type: Literal["result"] = "result"
    exit_reason: str
    patch: str = ""
    evaluation: dict[str, Any] | None = None
    totals: Totals = Field(default_factory=Totals)
    finished_at: float = 0.0
    error: str | None = None


class Trajectory(BaseModel):
    """A whole trajectory in memory (readers); writers stream lines instead."""

    header: Header = Field(default_factory=Header)
    steps: list[Step] = Field(default_factory=list)
    events: list[Event] = Field(default_factory=list)
    result: Result | None = None
    incomplete: bool = False  # the file ended mid-line or without a result line
    cut_off: bool = False  # its last line was cut mid-write (a kill) and is left out
    path: str | None = None
    # Steps and events in file order, as read from a file (resuming replays them in that order); importers,
    # which build steps and events themselves, leave it empty.
    records: list[Step | Event] = Field(default_factory=list, exclude=True, repr=False)

    def patch_at(self, index: int) -> str:
        """The workspace diff after step `index` (carrying forward steps that left it unchanged)."""
        for step in reversed(self.steps[: index + 1]):
            if step.diff is not None:
                return step.diff
        return ""


EXACT = "exact"


def _readable(text: str) -> str:
    return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def _exact(text: str) -> str:
    return base64.b64encode(text.encode("utf-8", "surrogatepass")).decode("ascii")


def _has_surrogates(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def mask(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, "***")
    return text


def _plain(value: Any, at: list[Any], exact: list[dict[str, Any]], secrets: list[str]) -> Any:
    """JSON-ready data: secrets masked; strings that are not valid Unicode made readable and noted in `exact`."""
    if isinstance(value, str):
        value = mask(value, secrets)
        if _has_surrogates(value):
            exact.append({"at": list(at), "b64": _exact(value)})
            return _readable(value)
        return value
    if isinstance(value, bytes):
        return _plain(value.decode("utf-8", "surrogateescape"), at, exact, secrets)
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            name = mask(key if isinstance(key, str) else str(key), secrets)
            if _has_surrogates(name):
                readable = _readable(name)
                while readable in out or readable in value:  # two keys that read the same stay apart
                    readable += "\ufffd"
                exact.append({"at": list(at), "key": readable, "b64": _exact(name)})
                name = readable
            out[name] = _plain(item, [*at, name], exact, secrets)
        return out
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(item, [*at, i], exact, secrets) for i, item in enumerate(value)]
    if isinstance(value, float) and not math.isfinite(value):
        return None  # as pydantic writes it
    if value is None or isinstance(value, bool | int | float):
        return value
    return _plain(str(value), at, exact, secrets)  # a stray object in tool data: its text, not a crash


def dump_record(record: BaseModel, secrets: list[str] | None = None) -> str:
    """One JSON line for `record`, whatever bytes its strings hold (see `exact` above), secrets masked."""
    return _dump(record, secrets or [])[0]


def _dump(record: BaseModel, secrets: list[str]) -> tuple[str, bool]:
    """(line, whether the careful path ran). The fast path is pydantic's own serializer."""
    try:
        line = record.model_dump_json()
    except PydanticSerializationError:
        pass  # the rare line with undecodable bytes or odd objects: the careful path
    else:
        # pydantic replaces a bad dict key with U+FFFD silently: a line holding one goes the careful way too,
        # as does a line with a secret (masked in the data, where it is whole; in the line it may be escaped).
        if "\ufffd" not in line and not any(s in line or json.dumps(s)[1:-1] in line for s in secrets):
            return line, False
    exact: list[dict[str, Any]] = []
    data = _plain(record.model_dump(mode="python"), [], exact, secrets)
    if exact:
        data[EXACT] = exact
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")), True


def parse_record(obj: dict[str, Any]) -> dict[str, Any]:
    """A line's object with its `exact` strings restored (a no-op for lines without any)."""
    entries = obj.pop(EXACT, None) if isinstance(obj, dict) else None
    if not isinstance(entries, list):
        return obj
    for entry in sorted((e for e in entries if isinstance(e, dict)), key=lambda e: -len(e.get("at") or [])):
        try:
            text = base64.b64decode(entry["b64"]).decode("utf-8", "surrogatepass")
            parent: Any = obj
            path = list(entry["at"])
            if "key" not in entry:
                *path, last = path
            for step in path:
                parent = parent[step]
            if "key" in entry:
                parent[text] = parent.pop(entry["key"])
            else:
                parent[last] = text
        except (KeyError, IndexError, TypeError, ValueError):
            continue  # a damaged entry leaves the readable text in place
    return obj


def mask_data(value: Any, secrets: list[str]) -> Any:
    """`mask` applied to every string (keys too) in JSON-like data."""
    if not secrets:
        return value
    if isinstance(value, str):
        return mask(value, secrets)
    if isinstance(value, dict):
        return {mask(str(k), secrets): mask_data(v, secrets) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [mask_data(v, secrets) for v in value]
    return value


R = TypeVar("R", bound=BaseModel)


def masked(record: R, secrets: list[str]) -> R:
    """`record` with every secret in any of its strings replaced by ***, or itself when it holds none."""
    if not secrets:
        return record
    try:
        line = record.model_dump_json()
    except PydanticSerializationError:
        line = None  # undecodable bytes somewhere: look at every string
    if line is not None and not any(s in line or json.dumps(s)[1:-1] in line for s in secrets):
        return record
    return type(record).model_validate(mask_data(record.model_dump(), secrets))


class TrajectoryWriter:
    """Appends one JSON line per event and flushes, so a run cut off anywhere leaves a readable file."""

    def __init__(self, path: Path, secrets: list[str] | None = None):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fh: IO[str] = self.path.open("a", encoding="utf-8")
        self._secrets = secrets or []

    def write(self, record: R) -> R:
        """Write one line; returns the record as written (secrets masked), which is what front ends show."""
        line, careful = _dump(record, self._secrets)
        self._fh.write(line + "\n")
        self._fh.flush()
        return masked(record, self._secrets) if careful and self._secrets else record

    def close(self) -> None:
        if not self._fh.closed:
            self._fh.close()


def parse_lines(lines: list[str], path: str | None = None) -> Trajectory:
    """The one reader of our trajectory format (every other reader goes through `read_trajectory`): the first
    header, steps and events (also in file order), and the last result line (a resumed run's end wins)."""
    traj, header = Trajectory(path=path), None
    for number, line in enumerate(lines):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError:
            # Only the last line may be cut off by a crash; anything else is damage worth stopping on.
            if number == len(lines) - 1:
                traj.incomplete = traj.cut_off = True
                break
            raise ValueError(f"{path or 'trajectory'}: line {number + 1} is not valid JSON") from None
        if not isinstance(obj, dict):
            raise ValueError(f"{path or 'trajectory'}: line {number + 1} is not a JSON object")
        header = _add_record(traj, parse_record(obj), header, number + 1)
    traj.header = header or traj.header
    if traj.result is None:
        traj.incomplete = True
    return traj


def _add_record(traj: Trajectory, obj: dict[str, Any], header: Header | None, number: int) -> Header | None:
    kind = obj.get("type")
    try:
        if kind == "header" and header is None:
            return Header.model_validate(obj)
        if kind == "step":
            traj.steps.append(record := Step.model_validate(obj))
            traj.records.append(record)
        elif kind == "event":
            traj.events.append(event := Event.model_validate(obj))
            traj.records.append(event)
        elif kind == "result":
            traj.result = Result.model_validate(obj)
    except ValueError as exc:
        raise ValueError(f"{traj.path or 'trajectory'}: line {number} (a {kind} line) is not readable "
                         f"({str(exc).splitlines()[0]})") from None
    return header


def has_header(traj: Trajectory) -> bool:
    """Whether the file had a header line (a default Header has no field set)."""
    return bool(traj.header.model_fields_set)


def read_trajectory(path: Path) -> Trajectory:
    text = Path(path).read_text(encoding="utf-8", errors="replace")
    return parse_lines(text.split("\n") if not text.endswith("\n") else text[:-1].split("\n"), str(path))


def load_trajectory(path: str | Path | None) -> Trajectory | None:
    """The trajectory at `path`, or None when there is none or it cannot be read (for measures that then
    stay empty, rather than stop a batch)."""
    if not path or not Path(path).is_file():
        return None
    try:
        return read_trajectory(Path(path))
    except (ValueError, OSError):
        return None
