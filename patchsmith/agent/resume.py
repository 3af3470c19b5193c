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

import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import UserError
from ..tools.observation import Observation
from .models.base import Reply
from .trajectory import Event, ExitReason, Header, Result, Step, Trajectory, has_header, read_trajectory

if TYPE_CHECKING:
    from .runner import Controller, RunOutcome

FINISHED = (ExitReason.SUBMITTED.value,)  # an end that resuming cannot improve on


class ResumeError(UserError):
    """The run cannot be resumed; the message says why and what to do."""


@dataclass
class Resumption:
    path: Path  # the trajectory.jsonl that goes on
    trajectory: Trajectory  # as read once by `read_trajectory`: its records in file order

    @property
    def header(self) -> Header:
        return self.trajectory.header

    @property
    def records(self) -> list[Step | Event]:
        return self.trajectory.records

    @property
    def result(self) -> Result | None:
        """An earlier end (a lost connection), or None when the run was cut off."""
        return self.trajectory.result

    @property
    def steps(self) -> list[Step]:
        return self.trajectory.steps

    @property
    def hints(self) -> list[str]:
        """The localization hints the run started with (the task prompt shows them)."""
        for r in self.records:
            if isinstance(r, Event) and r.kind == "localized":
                return [str(h) for h in r.data.get("hints") or []]
        return []

    @property
    def events(self) -> list[Event]:
        return self.trajectory.events

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
            data = fh.read()
            keep = data.rfind(b"\n") + 1 if self.trajectory.cut_off else len(data)
            fh.truncate(keep)
            if keep and data[keep - 1:keep] != b"\n":  # a whole last line that only lacked its newline
                fh.seek(keep)
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
                          patch=patch, totals=self.result.totals, trajectory_path=self.path, error=self.result.error,
                          trajectory=self.trajectory)

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
    try:
        traj = read_trajectory(path)
    except ValueError as exc:
        raise ResumeError(f"{exc}; the trajectory is damaged") from None
    if not has_header(traj):
        raise ResumeError(f"{path}: no header line; this is not a patchsmith trajectory that can be resumed")
    point = Resumption(path=path, trajectory=traj)
    if point.result is not None and point.result.exit_reason in FINISHED and not allow_finished:
        raise ResumeError(f"{path.parent}: the run already finished ({point.result.exit_reason}); its patch is in "
                          f"{path.parent / 'patch.diff'}")
    if traj.header.source_format != "patchsmith":
        raise ResumeError(f"{path}: an imported {traj.header.source_format} trajectory cannot be resumed")
    return point
