"""`direct`: localize, put the retrieved code in one prompt, take one completion of search/replace blocks,
apply them. No tools, no execution. Also the first step of `self-refine`."""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...tools.editor import editor_tool
from ...tools.workspace import Workspace
from ..clarify import answer_data
from ..config import RunConfig
from ..models import ModelError
from ..prompting import render
from ..trajectory import (
    Action,
    Event,
    Header,
    ObservationRecord,
    ReplyRecord,
    Result,
    Step,
    Timing,
    Totals,
    TrajectoryWriter,
    Usage,
)
from .asking import AskedInText, answer_and_retry, ask_vars
from .base import Attempt, StrategyOutcome, TaskContext
from .checks import own_checks
from .edits import EditResult, apply_blocks, parse_blocks, report

log = logging.getLogger(__name__)

MAX_FILES = 4
MAX_FILE_CHARS = 16_000  # a file longer than this is shown as windows around its ranked functions
WINDOW = 40  # lines either side of a ranked function


@dataclass
class CodeFile:
    path: str
    text: str  # numbered lines, possibly windows with "..." between


def _numbered(lines: list[str], start: int, end: int) -> str:
    return "\n".join(f"{n + 1:5d} {lines[n]}" for n in range(max(0, start), min(len(lines), end)))


def retrieve(ws: Workspace, issue: str, hints_off: bool = False) -> list[CodeFile]:
    """The files the localizer ranks highest, whole when short, else windows around their functions."""
    if hints_off:
        return []
    try:
        from ...tools.index.localize import localize

        hits = localize(ws.root, issue, top_k=MAX_FILES)
    except Exception as exc:  # noqa: BLE001 - retrieval is best effort; the prompt says when it found nothing
        log.warning("localization failed: %s", exc)
        return []
    files = []
    for hit in hits:
        path = ws.root / hit.path
        try:
            content = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        lines = content.split("\n")
        if len(content) <= MAX_FILE_CHARS:
            files.append(CodeFile(hit.path, _numbered(lines, 0, len(lines))))
            continue
        parts = [_numbered(lines, f.line - 1 - WINDOW, (f.end_line or f.line) + WINDOW) for f in hit.functions[:3]]
        files.append(CodeFile(hit.path, "\n...\n".join(parts) if parts else _numbered(lines, 0, 200)))
    return files


def edit_messages(ctx: TaskContext, prompt: str) -> list[dict[str, Any]]:
    return [{"role": "system", "content": render("edit_system", ctx.config.prompts_dir)},
            {"role": "user", "content": prompt}]


def ask_text(ctx: TaskContext, role: str, number: int, config: RunConfig, prompt: str) -> tuple[Any, float]:
    """One completion without tools; returns (reply, seconds)."""
    model = ctx.model_for(role, number, config)
    t0 = time.monotonic()
    reply = model.complete(edit_messages(ctx, prompt), [])
    return reply, time.monotonic() - t0


def _write_question(writer: TrajectoryWriter, asked: AskedInText, started: float) -> None:
    """The question a reply asked, as an ask_user step with its question/answer events (step 0)."""
    q, a = asked.question, asked.answer
    writer.write(Event(kind="question", text=q.text, data={"step": 0, "choices": q.choices}, at=started))
    writer.write(Event(kind="answer", text=a.text or "", at=started + asked.seconds, data=answer_data(
        0, a, steps_before=1, cost_before=asked.reply.usage.cost, wait_s=round(asked.seconds, 3))))
    writer.write(Step(index=0, thought=asked.reply.text, action=Action(tool="ask_user", args={
        "question": q.text, "choices": q.choices}), observation=ObservationRecord(text=a.text or "(no answer)", data={
            "question": q.text, "choices": q.choices, "answer": a.text}), reply=ReplyRecord(text=asked.reply.text),
        usage=asked.reply.usage, timing=Timing(started_at=started, model_s=asked.seconds)))


def write_call_trajectory(ctx: TaskContext, attempt: Attempt, config: RunConfig, prompt: str, reply: Any,
                          seconds: float, results: list[EditResult], patch: str, asked: AskedInText | None = None) -> Path:
    """The completion as a trajectory: one str_replace step per edit block (the first carries the reply and
    its usage), after an ask_user step when the attempt asked first, so a direct or revise attempt is
    inspected and measured like any other."""
    out = ctx.output_dir / attempt.folder
    writer = TrajectoryWriter(out / "trajectory.jsonl")
    started = time.time() - seconds - (asked.seconds if asked else 0.0)
    first = 1 if asked else 0
    writer.write(Header(run_id=uuid.uuid4().hex[:12], task={**(ctx.task or {}), "problem_statement": ctx.problem_statement},
                        strategy=ctx.name, started_at=started, model={"name": attempt.model},
                        config=config.model_dump(mode="json", exclude={"api_key"}),
                        attempt={"number": attempt.number, "parent": attempt.parent, "strategy": ctx.name,
                                 "record": "../../strategy.json", "prompt": prompt}))
    if asked is not None:
        _write_question(writer, asked, started)
    for i, r in enumerate(results or [None]):
        action = None if r is None else Action(tool=editor_tool.name, args={
            "command": "str_replace", "path": r.block.path, "old_str": r.block.search, "new_str": r.block.replace})
        text = report(results) if r is None else r.message
        writer.write(Step(index=first + i, thought=reply.text if i == 0 else "", action=action,
                          observation=ObservationRecord(text=text, ok=r is not None and r.ok),
                          reply=ReplyRecord(text=reply.text if i == 0 else ""),
                          usage=reply.usage if i == 0 else Usage(),
                          timing=Timing(started_at=started, model_s=seconds if i == 0 else 0.0),
                          diff=patch if i == len(results or [None]) - 1 else None))
    usage = reply.usage + asked.reply.usage if asked else reply.usage
    writer.write(Result(exit_reason=attempt.exit_reason, patch=patch, finished_at=time.time(),
                        totals=Totals(steps=first + 1, prompt_tokens=usage.prompt_tokens,
                                      completion_tokens=usage.completion_tokens, cost=usage.cost,
                                      wall_s=seconds + (asked.seconds if asked else 0.0))))
    writer.close()
    (out / "patch.diff").write_bytes(patch.encode("utf-8", "surrogateescape"))
    return out / "trajectory.jsonl"


def edit_attempt(ctx: TaskContext, ws: Workspace, attempt: Attempt, config: RunConfig, role: str,
                 prompt: str) -> Attempt:
    """Ask for edit blocks, apply them to `ws`, record the attempt (shared by direct and self-refine)."""
    attempt.temperature, attempt.seed = config.temperature, config.seed
    messages = edit_messages(ctx, prompt)
    try:
        model = ctx.model_for(role, attempt.number, config)  # one model for both calls when the reply asks
        t0 = time.monotonic()
        reply = model.complete(messages, [])
        reply, seconds, asked = answer_and_retry(ctx, attempt, model, messages, reply, time.monotonic() - t0)
    except ModelError as exc:
        attempt.exit_reason, attempt.error = "model_error", str(exc)
        attempt.checks = own_checks(ws, ws.diff(), "model_error", None)
        return attempt
    attempt.model = config.model
    blocks = parse_blocks(reply.text)
    results = apply_blocks(ws, blocks)
    patch = ws.diff()
    ok = bool(results) and all(r.ok for r in results)
    attempt.exit_reason = "submitted" if ok else ("no_edits" if not results else "edit_failed")
    usage = reply.usage + asked.reply.usage if asked else reply.usage
    attempt.patch, attempt.steps, attempt.wall_s = patch, 2 if asked else 1, seconds + (asked.seconds if asked else 0)
    attempt.prompt_tokens, attempt.completion_tokens, attempt.cost = (usage.prompt_tokens, usage.completion_tokens,
                                                                      usage.cost)
    ctx.budget.charge(attempt.cost, attempt.tokens)
    attempt.trajectory = str(write_call_trajectory(ctx, attempt, config, prompt, reply, seconds, results, patch,
                                                   asked))
    attempt.checks = own_checks(ws, patch, attempt.exit_reason, None, rerun_repro=False)
    attempt.checks.applied = ok
    return attempt


def direct_prompt(ctx: TaskContext, ws: Workspace) -> str:
    files = retrieve(ws, ctx.problem_statement, hints_off=ctx.hints == [])
    return render("direct", ctx.config.prompts_dir, problem_statement=ctx.problem_statement, files=files,
                  **ask_vars(ctx))


@dataclass
class Direct:
    name: str = "direct"

    def run(self, ctx: TaskContext) -> StrategyOutcome:
        attempt = ctx.new_attempt("direct")
        edit_attempt(ctx, ctx.workspace, attempt, ctx.budget.caps(ctx.config), "direct",
                     direct_prompt(ctx, ctx.workspace))
        attempt.verdict, attempt.why = "final", "the only attempt"
        return StrategyOutcome(patch=attempt.patch, chosen=attempt.number, attempts=ctx.attempts, calls=ctx.calls)
