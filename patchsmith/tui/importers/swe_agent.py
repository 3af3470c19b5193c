"""SWE-agent `.traj` files (one JSON object) converted to our trajectory schema.

Fields vary across versions: `state` is a dict or a JSON/Python-repr string, message content is a
string or a list of parts, text may carry `\\r\\n`, and most fields can be missing.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ...agent.trajectory import (
    Action,
    Header,
    ObservationRecord,
    ReplyRecord,
    Result,
    Step,
    Timing,
    Totals,
    Trajectory,
    Usage,
)
from ._common import LazyDocument, TrajectoryFormatError, as_dict, as_float, as_int, text_of

# SWE-agent's own commands keep their name as the tool; anything else ran in its shell.
KNOWN_COMMANDS = {
    "open", "goto", "scroll_up", "scroll_down", "create", "edit", "insert", "find_file", "search_dir",
    "search_file", "submit", "str_replace_editor", "filemap", "view", "exit_forfeit",
}
# Observation text that means the action failed, for the error marks in the step list.
_ERROR_HINTS = re.compile(
    r"Traceback \(most recent call last\)|introduced new syntax error|command not found|^Error|^ERROR|"
    r"No such file or directory|Usage: ", re.MULTILINE)


def looks_like_swe_agent(obj: Any) -> bool:
    if isinstance(obj, LazyDocument):
        return obj.lazy_list("trajectory") is not None
    return isinstance(obj, dict) and isinstance(obj.get("trajectory"), list)


def _action(command: str) -> Action:
    command = command.replace("\r\n", "\n").strip()
    name = command.split(None, 1)[0] if command else ""
    if name == "str_replace_editor":
        return Action(tool=name, args=_editor_args(command))
    if name in KNOWN_COMMANDS:
        return Action(tool=name, args={"command": command})
    return Action(tool="bash", args={"command": command})


def _editor_args(command: str) -> dict[str, Any]:
    """`str_replace_editor str_replace /p --old_str 'a' --new_str 'b'` as our editor's arguments."""
    try:
        words = shlex.split(command)
    except ValueError:
        return {"command": command}
    args: dict[str, Any] = {}
    positional = []
    i = 1
    while i < len(words):
        word = words[i]
        if word.startswith("--") and i + 1 < len(words):
            args[word[2:]] = words[i + 1]
            i += 2
            continue
        positional.append(word)
        i += 1
    if positional:
        args["command"] = positional[0]
    if len(positional) > 1:
        args["path"] = positional[1]
    return args or {"command": command}


def _error_line(text: str) -> str:
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if "Traceback (most recent call last)" in text and lines:
        return lines[-1].strip()  # the exception itself sits at the end of a traceback
    return next((ln.strip() for ln in lines if _ERROR_HINTS.search(ln)), "error")


def _problem_statement(obj: dict[str, Any] | LazyDocument) -> str:
    replay = as_dict(obj.get("replay_config"))
    problem = replay.get("problem_statement")
    if isinstance(problem, dict) and problem.get("text"):
        return text_of(problem["text"])
    for message in obj.get("history") or []:
        if isinstance(message, dict) and message.get("role") == "user" and not message.get("is_demo"):
            return text_of(message.get("content")).strip()
    return ""


def _own_action(raw: dict[str, Any], command: str) -> Action:
    """Our exact tool call when the file was exported by patchsmith, else the command parsed."""
    own = as_dict(as_dict(raw.get("extra_info")).get("patchsmith"))
    if isinstance(own.get("action"), dict):
        try:
            return Action.model_validate(own["action"])
        except ValueError:
            pass
    return _action(command)


def swe_agent_step(raw: Any, index: int) -> Step:
    """One `.traj` step as ours (called when the step is shown, not when the file opens)."""
    raw = raw if isinstance(raw, dict) else {"action": str(raw)}
    observation = text_of(raw.get("observation"))
    thought = text_of(raw.get("thought") or raw.get("response"))
    own = as_dict(as_dict(raw.get("extra_info")).get("patchsmith"))
    own_obs = as_dict(own.get("observation"))
    if own_obs:
        ok = bool(own_obs.get("ok", True))
        error = own_obs.get("error") if isinstance(own_obs.get("error"), str) else None
    else:
        ok = not _ERROR_HINTS.search(observation)
        error = None if ok else _error_line(observation)
    state = as_dict(raw.get("state"))
    diff = state.pop("diff", None)
    step = Step(index=index, thought=thought.strip(), action=_own_action(raw, text_of(raw.get("action"))),
                observation=ObservationRecord(text=observation, ok=ok, error=error,
                                              data=as_dict(own_obs.get("data")),
                                              truncated=bool(own_obs.get("truncated", False))),
                reply=ReplyRecord(text=text_of(raw.get("response"))),
                timing=Timing(tool_s=as_float(raw.get("execution_time"))), state=state,
                diff=diff if isinstance(diff, str) else None)
    if own.get("usage") or own.get("timing"):
        try:
            step.usage = Usage.model_validate(own.get("usage") or {})
            step.timing = Timing.model_validate(own.get("timing") or {})
        except ValueError:
            pass
    return step


def swe_agent_frame(obj: dict[str, Any] | LazyDocument,
                    path: str | None = None) -> tuple[Header, Result | None, Sequence[Any]]:
    """Header, result and the raw steps: everything but the per-step conversion, which can wait."""
    if not looks_like_swe_agent(obj):
        raise TrajectoryFormatError(f"{path or 'input'}: not a SWE-agent trajectory (no 'trajectory' list)")
    info = as_dict(obj.get("info"))
    own = as_dict(info.get("patchsmith"))
    stats = as_dict(info.get("model_stats"))
    replay = as_dict(obj.get("replay_config"))
    agent_cfg = as_dict(replay.get("agent"))
    model = as_dict(agent_cfg.get("model"))
    problem = as_dict(replay.get("problem_statement"))
    instance_id = str(problem.get("id") or (Path(path).name.split(".traj")[0] if path else ""))
    header = Header(
        run_id=instance_id,
        task={"instance_id": instance_id, "problem_statement": _problem_statement(obj)},
        model={"name": model.get("name", "")} if model.get("name") else {},
        strategy="swe-agent",
        config={"environment": obj.get("environment")} if obj.get("environment") else {},
        source_format="swe-agent",
    )
    raw_steps = obj.lazy_list("trajectory") if isinstance(obj, LazyDocument) else obj["trajectory"]
    totals = Totals(steps=len(raw_steps), prompt_tokens=as_int(stats.get("tokens_sent")),
                    completion_tokens=as_int(stats.get("tokens_received")),
                    cost=as_float(stats.get("instance_cost") or stats.get("total_cost")))
    if own:
        header, totals = _own_frame(own, header, totals)
    exit_status = info.get("exit_status")
    result = None
    if exit_status or info.get("submission") is not None:
        evaluation = as_dict(own.get("evaluation")) or as_dict(info.get("review")) or None
        result = Result(exit_reason=str(exit_status or "unknown"), patch=text_of(info.get("submission")).lstrip("\n"),
                        totals=totals, evaluation=evaluation)
    return header, result, raw_steps


def _own_frame(own: dict[str, Any], header: Header, totals: Totals) -> tuple[Header, Totals]:
    """A file patchsmith exported carries its own header and totals: take them back (lenient)."""
    try:
        header = Header.model_validate(own["header"]) if isinstance(own.get("header"), dict) else header
        totals = Totals.model_validate(own["totals"]) if isinstance(own.get("totals"), dict) else totals
    except ValueError:
        pass
    header.source_format = "swe-agent"  # where it was read from, whoever wrote it
    return header, totals


def from_swe_agent(obj: dict[str, Any], path: str | None = None) -> Trajectory:
    header, result, raw_steps = swe_agent_frame(obj, path)
    steps = [swe_agent_step(raw, i) for i, raw in enumerate(raw_steps)]
    return Trajectory(header=header, steps=steps, result=result, incomplete=result is None, path=path)
