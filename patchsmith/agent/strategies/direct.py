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
from ..config import RunConfig
from ..models import ModelError
from ..prompting import render
from ..trajectory import (
    Action,
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


def ask_text(ctx: TaskContext, role: str, number: int, config: RunConfig, prompt: str) -> tuple[Any, float]:
    """One completion without tools; returns (reply, seconds)."""
    model = ctx.model_for(role, number, config)
    t0 = time.monotonic()
    reply = model.complete([{"role": "system", "content": render("edit_system", ctx.config.prompts_dir)},
                            {"role": "user", "content": prompt}], [])
    return reply, time.monotonic() - t0


def write_call_trajectory(ctx: TaskContext, attempt: Attempt, config: RunConfig, prompt: str, reply: Any,
                          seconds: float, results: list[EditResult], patch: str) -> Path:
    """The completion as a trajectory: one str_replace step per edit block (the first carries the reply and
    its usage), so a direct or revise attempt is inspected and measured like any other."""
    out = ctx.output_dir / attempt.folder
    writer = TrajectoryWriter(out / "trajectory.jsonl")
    started = time.time() - seconds
    writer.write(Header(run_id=uuid.uuid4().hex[:12], task={**(ctx.task or {}), "problem_statement": ctx.problem_statement},
                        strategy=ctx.name, started_at=started, model={"name": attempt.model},
                        config=config.model_dump(mode="json", exclude={"api_key"}),
                        attempt={"number": attempt.number, "parent": attempt.parent, "strategy": ctx.name,
                                 "record": "../../strategy.json", "prompt": prompt}))
    for i, r in enumerate(results or [None]):
        action = None if r is None else Action(tool=editor_tool.name, args={
            "command": "str_replace", "path": r.block.path, "old_str": r.block.search, "new_str": r.block.replace})
        text = report(results) if r is None else r.message
        writer.write(Step(index=i, thought=reply.text if i == 0 else "", action=action,
                          observation=ObservationRecord(text=text, ok=r is not None and r.ok),
                          reply=ReplyRecord(text=reply.text if i == 0 else ""),
                          usage=reply.usage if i == 0 else Usage(),
                          timing=Timing(started_at=started, model_s=seconds if i == 0 else 0.0),
                          diff=patch if i == len(results or [None]) - 1 else None))
    writer.write(Result(exit_reason=attempt.exit_reason, patch=patch, finished_at=time.time(),
                        totals=Totals(steps=1, prompt_tokens=reply.usage.prompt_tokens,
                                      completion_tokens=reply.usage.completion_tokens, cost=reply.usage.cost,
                                      wall_s=seconds)))
    writer.close()
    (out / "patch.diff").write_bytes(patch.encode("utf-8", "surrogateescape"))
    return out / "trajectory.jsonl"


def edit_attempt(ctx: TaskContext, ws: Workspace, attempt: Attempt, config: RunConfig, role: str,
                 prompt: str) -> Attempt:
    """Ask for edit blocks, apply them to `ws`, record the attempt (shared by direct and self-refine)."""
    attempt.temperature, attempt.seed = config.temperature, config.seed
    try:
        reply, seconds = ask_text(ctx, role, attempt.number, config, prompt)
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
    attempt.patch, attempt.steps, attempt.wall_s = patch, 1, seconds
    attempt.prompt_tokens, attempt.completion_tokens = reply.usage.prompt_tokens, reply.usage.completion_tokens
    attempt.cost = reply.usage.cost
    ctx.budget.charge(attempt.cost, attempt.tokens)
    attempt.trajectory = str(write_call_trajectory(ctx, attempt, config, prompt, reply, seconds, results, patch))
    attempt.checks = own_checks(ws, patch, attempt.exit_reason, None, rerun_repro=False)
    attempt.checks.applied = ok
    return attempt


def direct_prompt(ctx: TaskContext, ws: Workspace) -> str:
    files = retrieve(ws, ctx.problem_statement, hints_off=ctx.hints == [])
    return render("direct", ctx.config.prompts_dir, problem_statement=ctx.problem_statement, files=files)


@dataclass
class Direct:
    name: str = "direct"

    def run(self, ctx: TaskContext) -> StrategyOutcome:
        attempt = ctx.new_attempt("direct")
        edit_attempt(ctx, ctx.workspace, attempt, ctx.budget.caps(ctx.config), "direct",
                     direct_prompt(ctx, ctx.workspace))
        attempt.verdict, attempt.why = "final", "the only attempt"
        return StrategyOutcome(patch=attempt.patch, chosen=attempt.number, attempts=ctx.attempts, calls=ctx.calls)
