"""mini-swe-agent trajectories converted to our schema.

Two shapes: `{"info", "messages", "trajectory_format"}` (current) and a bare list of messages (older).
Each assistant message is one step; its action is `extra.actions`, a tool call, or a fenced
```mswea_bash_command``` / ```bash``` block in its text; the next user/tool message is its observation.
"""

from __future__ import annotations

import re
from typing import Any

from ...agent.trajectory import (
    Action,
    Header,
    ObservationRecord,
    ReplyRecord,
    Result,
    Step,
    Totals,
    Trajectory,
    Usage,
)
from ._common import TrajectoryFormatError, as_dict, as_float, as_int, text_of

_FENCE = re.compile(r"```(?:mswea_bash_command|bash|sh)?[ \t]*\n(.*?)\n?```", re.DOTALL)
_RETURNCODE = re.compile(r"<returncode>\s*(-?\d+)\s*</returncode>")
_PR = re.compile(r"<pr_description>\s*(.*?)\s*</pr_description>", re.DOTALL)
_SUBMIT_MARKERS = ("COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT", "MINI_SWE_AGENT_FINAL_OUTPUT")


def _is_message(m: Any) -> bool:
    return isinstance(m, dict) and "role" in m


def looks_like_mini_swe_agent(obj: Any) -> bool:
    if isinstance(obj, dict):
        return isinstance(obj.get("messages"), list)
    return isinstance(obj, list) and bool(obj) and all(_is_message(m) for m in obj[:5])


def _commands(message: dict[str, Any], text: str) -> list[str]:
    extra = as_dict(message.get("extra"))
    actions = extra.get("actions")
    if isinstance(actions, list) and actions:
        return [str(a.get("command", "")) if isinstance(a, dict) else str(a) for a in actions]
    calls = message.get("tool_calls")
    if isinstance(calls, list) and calls:
        out = []
        for call in calls:
            fn = as_dict(as_dict(call).get("function"))
            args = as_dict(fn.get("arguments"))
            out.append(str(args.get("command", fn.get("arguments", ""))))
        return out
    return [m.strip() for m in _FENCE.findall(text)]


def _usage(message: dict[str, Any]) -> Usage:
    extra = as_dict(message.get("extra"))
    usage = as_dict(as_dict(extra.get("response")).get("usage")) or as_dict(message.get("usage"))
    return Usage(prompt_tokens=as_int(usage.get("prompt_tokens")),
                 completion_tokens=as_int(usage.get("completion_tokens")), cost=as_float(extra.get("cost")))


def _observation(message: dict[str, Any]) -> ObservationRecord:
    text = text_of(message.get("content"))
    extra = as_dict(message.get("extra"))
    code: int | None = None
    if extra.get("returncode") is not None:
        code = as_int(extra.get("returncode"))
    else:
        found = _RETURNCODE.search(text)
        if found:
            code = int(found.group(1))
    data: dict[str, Any] = {} if code is None else {"returncode": code}
    failed = (code is not None and code != 0) or extra.get("interrupt_type") == "FormatError"
    error = None
    if failed:
        error = f"exit code {code}" if code is not None else (text.strip().splitlines() or ["format error"])[0]
    return ObservationRecord(text=text, ok=not failed, error=error, data=data)


def from_mini_swe_agent(obj: Any, path: str | None = None) -> Trajectory:
    if not looks_like_mini_swe_agent(obj):
        raise TrajectoryFormatError(f"{path or 'input'}: not a mini-swe-agent trajectory (no list of messages)")
    messages = [m for m in (obj["messages"] if isinstance(obj, dict) else obj) if _is_message(m)]
    info = as_dict(obj.get("info")) if isinstance(obj, dict) else {}
    stats = as_dict(info.get("model_stats"))
    config = as_dict(info.get("config"))
    problem = ""
    steps: list[Step] = []
    exit_extra: dict[str, Any] = {}
    for message in messages:
        role = message.get("role")
        text = text_of(message.get("content"))
        if role == "assistant":
            commands = _commands(message, text)
            thought = _FENCE.sub("", text).strip()
            command = "\n".join(commands)
            tool = "submit" if any(marker in command for marker in _SUBMIT_MARKERS) else "bash"
            steps.append(Step(index=len(steps), thought=thought,
                              action=Action(tool=tool, args={"command": command}) if commands else None,
                              reply=ReplyRecord(text=text), usage=_usage(message)))
        elif role in ("user", "tool"):
            if not problem and not steps:
                found = _PR.search(text)
                problem = found.group(1) if found else text.strip()
            elif steps:
                obs = _observation(message)
                last = steps[-1]
                if last.observation.text:  # several observations for one reply (several actions)
                    obs.text = last.observation.text + "\n" + obs.text
                    obs.ok = obs.ok and last.observation.ok
                    obs.error = obs.error or last.observation.error
                last.observation = obs
        elif role == "exit":
            exit_extra = as_dict(message.get("extra")) or {"exit_status": text}
    model_cfg = as_dict(config.get("model"))
    header = Header(task={"instance_id": str(info.get("instance_id", "")), "problem_statement": problem},
                    model={"name": model_cfg.get("model_name", "")} if model_cfg.get("model_name") else {},
                    strategy="mini-swe-agent", config={"trajectory_format": obj.get("trajectory_format", "")}
                    if isinstance(obj, dict) else {}, source_format="mini-swe-agent")
    exit_status = info.get("exit_status") or exit_extra.get("exit_status")
    submission = info.get("submission") if info.get("submission") is not None else exit_extra.get("submission")
    result = None
    if exit_status or submission:
        prompt = sum(s.usage.prompt_tokens for s in steps)
        completion = sum(s.usage.completion_tokens for s in steps)
        cost = as_float(stats.get("instance_cost")) or sum(s.usage.cost for s in steps)
        result = Result(exit_reason=str(exit_status or "unknown"), patch=text_of(submission),
                        totals=Totals(steps=len(steps), prompt_tokens=prompt, completion_tokens=completion, cost=cost))
    # An older bare list has no result at all; that is how those files look, not a cut-off run.
    incomplete = result is None and isinstance(obj, dict)
    return Trajectory(header=header, steps=steps, result=result, incomplete=incomplete, path=path)


