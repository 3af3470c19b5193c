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
"""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import IO, Any, Literal

from pydantic import BaseModel, Field

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
    path: str | None = None

    def patch_at(self, index: int) -> str:
        """The workspace diff after step `index` (carrying forward steps that left it unchanged)."""
        for step in reversed(self.steps[: index + 1]):
            if step.diff is not None:
                return step.diff
        return ""


class TrajectoryWriter:
    """Appends one JSON line per event and flushes, so a run cut off anywhere leaves a readable file."""

    def __init__(self, path: Path, secrets: list[str] | None = None):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fh: IO[str] = self.path.open("a", encoding="utf-8")
        self._secrets = secrets or []

    def write(self, record: BaseModel) -> None:
        line = record.model_dump_json()
        for secret in self._secrets:
            line = line.replace(secret, "***")
        self._fh.write(line + "\n")
        self._fh.flush()

    def close(self) -> None:
        if not self._fh.closed:
            self._fh.close()


def parse_lines(lines: list[str], path: str | None = None) -> Trajectory:
    traj = Trajectory(path=path)
    for number, line in enumerate(lines):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError:
            # Only the last line may be cut off by a crash; anything else is damage worth stopping on.
            if number == len(lines) - 1:
                traj.incomplete = True
                break
            raise ValueError(f"{path or 'trajectory'}: line {number + 1} is not valid JSON") from None
        kind = obj.get("type")
        if kind == "header":
            traj.header = Header.model_validate(obj)
        elif kind == "step":
            traj.steps.append(Step.model_validate(obj))
        elif kind == "event":
            traj.events.append(Event.model_validate(obj))
        elif kind == "result":
            traj.result = Result.model_validate(obj)
    if traj.result is None:
        traj.incomplete = True
    return traj


def read_trajectory(path: Path) -> Trajectory:
    text = Path(path).read_text(encoding="utf-8", errors="replace")
    return parse_lines(text.split("\n") if not text.endswith("\n") else text[:-1].split("\n"), str(path))
