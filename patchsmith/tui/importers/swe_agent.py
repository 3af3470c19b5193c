"""SWE-agent `.traj` files (one JSON object) converted to our trajectory schema.

Fields vary across versions: `state` is a dict or a JSON/Python-repr string, message content is a
string or a list of parts, text may carry `\\r\\n`, and most fields can be missing.
"""

from __future__ import annotations

import re
import shlex
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
)
from ._common import TrajectoryFormatError, as_dict, as_float, as_int, text_of

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


def _problem_statement(obj: dict[str, Any]) -> str:
    replay = as_dict(obj.get("replay_config"))
    problem = replay.get("problem_statement")
    if isinstance(problem, dict) and problem.get("text"):
        return text_of(problem["text"])
    for message in obj.get("history") or []:
        if isinstance(message, dict) and message.get("role") == "user" and not message.get("is_demo"):
            return text_of(message.get("content")).strip()
    return ""


def from_swe_agent(obj: dict[str, Any], path: str | None = None) -> Trajectory:
    if not looks_like_swe_agent(obj):
        raise TrajectoryFormatError(f"{path or 'input'}: not a SWE-agent trajectory (no 'trajectory' list)")
    info = as_dict(obj.get("info"))
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
    steps = []
    for index, raw in enumerate(obj["trajectory"]):
        raw = raw if isinstance(raw, dict) else {"action": str(raw)}
        observation = text_of(raw.get("observation"))
        thought = text_of(raw.get("thought") or raw.get("response"))
        failed = bool(_ERROR_HINTS.search(observation))
        steps.append(Step(
            index=index,
            thought=thought.strip(),
            action=_action(text_of(raw.get("action"))),
            observation=ObservationRecord(
                text=observation, ok=not failed,
                error=_error_line(observation) if failed else None),
            reply=ReplyRecord(text=text_of(raw.get("response"))),
            timing=Timing(tool_s=as_float(raw.get("execution_time"))),
            state=as_dict(raw.get("state")),
        ))
    totals = Totals(steps=len(steps), prompt_tokens=as_int(stats.get("tokens_sent")),
                    completion_tokens=as_int(stats.get("tokens_received")),
                    cost=as_float(stats.get("instance_cost") or stats.get("total_cost")))
    exit_status = info.get("exit_status")
    result = None
    if exit_status or info.get("submission") is not None:
        result = Result(exit_reason=str(exit_status or "unknown"), patch=text_of(info.get("submission")).lstrip("\n"),
                        totals=totals, evaluation=as_dict(info.get("review")) or None)
    return Trajectory(header=header, steps=steps, result=result, incomplete=result is None, path=path)
