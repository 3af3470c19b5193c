"""Resuming a cut-off run from its trajectory (a crash, kill -9, a lost endpoint).

The trajectory holds everything the controller's state is made of: each step's raw reply and the observation
the model was shown (the chat turns), the tool arguments and results the working memory is built from, the
user's messages and condensations in the order they happened, and the workspace diff after every step that
changed it. `Resumption` reads that back; the caller rebuilds the workspace (a fresh worktree or checkout at
the recorded base plus `last_diff`) and hands the resumption to `run_agent`, which appends to the same file:
an event `resumed` (where, and from which earlier end), then the new steps, then one final result. Readers
see one run whose step indices go on where they stopped; an earlier `result` line (a run ended by a lost
connection) stays in the file, and the last one wins.

What is not recorded is not restored: an editor's undo stack, files the agent wrote under .gitignore, and an
approval answered "always" (the user is asked again).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import UserError
from ..tools.observation import Observation
from .models.base import Reply
from .trajectory import Event, ExitReason, Header, Result, Step, parse_record

if TYPE_CHECKING:
    from .runner import Controller, RunOutcome

FINISHED = (ExitReason.SUBMITTED.value,)  # an end that resuming cannot improve on


class ResumeError(UserError):
    """The run cannot be resumed; the message says why and what to do."""


@dataclass
class Resumption:
    path: Path  # the trajectory.jsonl that goes on
    header: Header
    records: list[Step | Event] = field(default_factory=list)  # in file order
    result: Result | None = None  # an earlier end (a lost connection), or None when the run was cut off
    complete_bytes: int = 0  # the file up to its last whole line; a line cut by a kill is dropped

    @property
    def steps(self) -> list[Step]:
        return [r for r in self.records if isinstance(r, Step)]

    @property
    def hints(self) -> list[str]:
        """The localization hints the run started with (the task prompt shows them)."""
        for r in self.records:
            if isinstance(r, Event) and r.kind == "localized":
                return [str(h) for h in r.data.get("hints") or []]
        return []

    @property
    def events(self) -> list[Event]:
        return [r for r in self.records if isinstance(r, Event)]

    @property
    def last_diff(self) -> str:
        """The workspace patch after the last recorded step that changed it."""
        for step in reversed(self.steps):
            if step.diff is not None:
                return step.diff
        return ""

    @property
    def base_commit(self) -> str | None:
        return self.header.task.get("base_commit") or None

    @property
    def problem_statement(self) -> str:
        return str(self.header.task.get("problem_statement") or "")

    def prior_wall_s(self) -> float:
        """Time the run had already spent, so --max-time counts the whole run, not each part."""
        ends = [r.at for r in self.records if isinstance(r, Event)] + \
               [s.timing.started_at + s.timing.tool_s + s.timing.approval_s for s in self.steps]
        if self.result is not None:
            ends.append(self.result.finished_at)
        ends = [t for t in ends if t]
        return max(0.0, max(ends) - self.header.started_at) if ends and self.header.started_at else 0.0

    def cut_partial_line(self) -> None:
        """Drop a last line cut off mid-write, so the lines appended next start on a line of their own."""
        with self.path.open("r+b") as fh:
            fh.truncate(self.complete_bytes)
            if self.complete_bytes:
                fh.seek(self.complete_bytes - 1)
                if fh.read(1) != b"\n":  # a whole last line that only lacked its newline
                    fh.write(b"\n")

    def restore(self, ctl: Controller) -> None:
        """Bring a freshly made controller to where the run stopped: chat turns, working memory, counters."""
        from .runner import StopRun  # the controller's module imports this one's callers, not this one

        for record in self.records:
            if isinstance(record, Event):
                if record.kind == "user_message":
                    ctl.hear(record.text)
                elif record.kind == "condensed" and "attempt" in record.data:
                    ctl.history.condense(ctl.history.tokens // 2, keep_recent=1)  # as the context retry did
                continue
            reply = Reply(text=record.reply.text, tool_calls=list(record.reply.tool_calls))
            obs = Observation(**record.observation.model_dump())
            tool = ctl.by_name.get(record.action.tool) if record.action else None
            ctl.absorb(record.index, reply, record.action, tool, obs)
            ctl.steps = record.index + 1
            ctl.usage = ctl.usage + record.usage
            if record.action is None:
                ctl.format_errors += 1
            elif tool is not None:
                ctl.format_errors = 0
            try:
                ctl.check_repeat(record.action, obs)
            except StopRun:
                pass  # the live loop makes the same check on the next step
        ctl.last_diff = self.last_diff
        ctl.started = time.monotonic() - self.prior_wall_s()
        skip = getattr(ctl.model, "skip", None)  # a scripted model goes on after the replies already used
        if callable(skip):
            skip(len(self.steps))

    def recorded_outcome(self) -> RunOutcome:
        """A run that had finished before the cut, as `run_agent` would have returned it."""
        from .runner import RunOutcome

        assert self.result is not None
        saved = self.path.parent / "patch.diff"  # byte for byte; the result line holds JSON-safe text
        patch = saved.read_bytes().decode("utf-8", "surrogateescape") if saved.is_file() else self.result.patch
        reason = self.result.exit_reason
        return RunOutcome(exit_reason=ExitReason(reason) if reason in ExitReason._value2member_map_ else reason,
                          patch=patch, totals=self.result.totals, trajectory_path=self.path, error=self.result.error)

    def event_data(self) -> dict[str, Any]:
        last = self.steps[-1].index if self.steps else -1
        return {"after_step": last, "previous_exit": self.result.exit_reason if self.result else "cut_off",
                "run_id": self.header.run_id}

    def event_text(self) -> str:
        how = f"after it ended with {self.result.exit_reason}" if self.result else "after it was cut off"
        return f"resumed from step {self.event_data()['after_step'] + 1} {how}"


def trajectory_file(run_dir: Path) -> Path:
    run_dir = Path(run_dir).expanduser()
    return run_dir if run_dir.suffix == ".jsonl" else run_dir / "trajectory.jsonl"


def load_resumption(run_dir: Path, *, allow_finished: bool = False) -> Resumption:
    """Read a run folder (or its trajectory.jsonl) for resuming; ResumeError says why it cannot be."""
    path = trajectory_file(run_dir)
    if not path.is_file():
        raise ResumeError(f"{path.parent} holds no trajectory.jsonl; give the folder of a patchsmith run")
    data = path.read_bytes()
    header: Header | None = None
    point = Resumption(path=path, header=Header())
    offset = 0  # bytes of whole lines so far
    lines = data.split(b"\n")
    for number, line in enumerate(lines, 1):
        last = number == len(lines)  # no newline after it: cut off by the kill, unless it parses
        obj = _parse(line, number, path, last=last)
        if obj is None:
            break
        offset += len(line) + (0 if last else 1)
        header = _add(point, obj, header)
    if header is None:
        raise ResumeError(f"{path}: no header line; this is not a patchsmith trajectory that can be resumed")
    point.header, point.complete_bytes = header, offset
    if point.result is not None and point.result.exit_reason in FINISHED and not allow_finished:
        raise ResumeError(f"{path.parent}: the run already finished ({point.result.exit_reason}); its patch is in "
                          f"{path.parent / 'patch.diff'}")
    if header.source_format != "patchsmith":
        raise ResumeError(f"{path}: an imported {header.source_format} trajectory cannot be resumed")
    return point


def _parse(line: bytes, number: int, path: Path, *, last: bool) -> dict[str, Any] | None:
    if not line.strip():
        return {} if not last else None
    try:
        obj = json.loads(line)
    except ValueError:
        if last:
            return None
        raise ResumeError(f"{path}: line {number} is not valid JSON; the trajectory is damaged") from None
    return parse_record(obj) if isinstance(obj, dict) else {}  # exact bytes back (a Latin-1 diff applies as is)


def _add(point: Resumption, obj: dict[str, Any], header: Header | None) -> Header | None:
    kind = obj.get("type")
    try:
        if kind == "header" and header is None:
            return Header.model_validate(obj)
        if kind == "step":
            point.records.append(Step.model_validate(obj))
        elif kind == "event":
            point.records.append(Event.model_validate(obj))
        elif kind == "result":
            point.result = Result.model_validate(obj)
    except ValueError as exc:
        raise ResumeError(f"{point.path}: a {kind} line is not readable ({str(exc).splitlines()[0]})") from None
    return header
