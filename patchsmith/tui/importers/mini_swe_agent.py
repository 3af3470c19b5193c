"""mini-swe-agent trajectories converted to our schema.

Two shapes: `{"info", "messages", "trajectory_format"}` (current) and a bare list of messages (older).
Each assistant message is one step; its action is `extra.actions`, a tool call, or a fenced
```mswea_bash_command``` / ```bash``` block in its text; the next user/tool message is its observation.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
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
from ._common import LazyDocument, LazyList, TrajectoryFormatError, as_dict, as_float, as_int, text_of

_FENCE = re.compile(r"```(?:mswea_bash_command|bash|sh)?[ \t]*\n(.*?)\n?```", re.DOTALL)
_RETURNCODE = re.compile(r"<returncode>\s*(-?\d+)\s*</returncode>")
_PR = re.compile(r"<pr_description>\s*(.*?)\s*</pr_description>", re.DOTALL)
_OUTPUT = re.compile(r"\A<returncode>-?\d+</returncode>\n<output>\n(.*)\n</output>\Z", re.DOTALL)
_SUBMIT_MARKERS = ("COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT", "MINI_SWE_AGENT_FINAL_OUTPUT")


def _is_message(m: Any) -> bool:
    return isinstance(m, dict) and "role" in m


def looks_like_mini_swe_agent(obj: Any) -> bool:
    if isinstance(obj, LazyDocument):
        if obj.root_is_list:
            items = obj.root_list()
            return bool(len(items)) and all(isinstance(items.peek(i, "role"), str) for i in range(min(5, len(items))))
        return obj.lazy_list("messages") is not None
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


def _assistant_step(message: dict[str, Any], index: int) -> Step:
    text = text_of(message.get("content"))
    commands = _commands(message, text)
    thought = _FENCE.sub("", text).strip()
    command = "\n".join(commands)
    tool = "submit" if any(marker in command for marker in _SUBMIT_MARKERS) else "bash"
    action = Action(tool=tool, args={"command": command}) if commands else None
    own = as_dict(as_dict(message.get("extra")).get("patchsmith"))
    step = Step(index=index, thought=thought, action=action, reply=ReplyRecord(text=text), usage=_usage(message))
    if own:
        _apply_own(step, own)
    return step


def _apply_own(step: Step, own: dict[str, Any]) -> None:
    """A file patchsmith exported: take back our exact tool call, usage, timing, state and diff (lenient)."""
    try:
        if isinstance(own.get("action"), dict):
            step.action = Action.model_validate(own["action"])
        step.usage = Usage.model_validate(own.get("usage") or {})
        step.timing = Timing.model_validate(own.get("timing") or {})
    except ValueError:
        return
    step.state = as_dict(own.get("state"))
    step.diff = own["diff"] if isinstance(own.get("diff"), str) else None


def mini_step(messages: list[Any], group: tuple[int, ...], index: int) -> Step:
    """One step from its assistant message and the observation messages after it (converted when shown)."""
    assistant = messages[group[0]]
    step = _assistant_step(assistant, index)
    own_obs = as_dict(as_dict(as_dict(assistant.get("extra")).get("patchsmith")).get("observation"))
    for position in group[1:]:
        obs = _observation(messages[position])
        last = step.observation
        if last.text:  # several observations for one reply (several actions)
            obs.text = last.text + "\n" + obs.text
            obs.ok = obs.ok and last.ok
            obs.error = obs.error or last.error
        step.observation = obs
    if own_obs:
        step.observation.text = _OUTPUT.sub(r"\1", step.observation.text, count=1)
        step.observation.ok = bool(own_obs.get("ok", True))
        step.observation.error = own_obs.get("error") if isinstance(own_obs.get("error"), str) else None
        step.observation.data = as_dict(own_obs.get("data"))
        step.observation.truncated = bool(own_obs.get("truncated", False))
    return step


def _messages(obj: Any) -> Any:
    if isinstance(obj, LazyDocument):
        return obj.root_list() if obj.root_is_list else obj.lazy_list("messages")
    return obj["messages"] if isinstance(obj, dict) else obj


def _peek(messages: Any, position: int, key: str) -> Any:
    if isinstance(messages, LazyList):
        return messages.peek(position, key)
    message = messages[position]
    return message.get(key) if _is_message(message) else None


def mini_frame(obj: Any, path: str | None = None) -> tuple[Header, Result | None, list[Any], list[tuple[int, ...]], bool]:
    """Header, result, the messages and which of them make each step; the steps are converted later."""
    if not looks_like_mini_swe_agent(obj):
        raise TrajectoryFormatError(f"{path or 'input'}: not a mini-swe-agent trajectory (no list of messages)")
    messages = _messages(obj)
    info = as_dict(obj.get("info")) if not isinstance(obj, list) else {}
    problem = ""
    groups: list[list[int]] = []
    exit_extra: dict[str, Any] = {}
    for position in range(len(messages)):
        role = _peek(messages, position, "role")  # only the role: the message itself is converted when shown
        if role == "assistant":
            groups.append([position])
        elif role in ("user", "tool"):
            if not problem and not groups:
                text = text_of(_peek(messages, position, "content"))
                found = _PR.search(text)
                problem = found.group(1) if found else text.strip()
            elif groups:
                groups[-1].append(position)
        elif role == "exit":
            exit_extra = as_dict(_peek(messages, position, "extra")) or {
                "exit_status": text_of(_peek(messages, position, "content"))}
    header, result = _frame_header_result(obj, info, problem, exit_extra, groups, messages)
    # An older bare list has no result at all; that is how those files look, not a cut-off run.
    incomplete = result is None and not isinstance(obj, list) and not (
        isinstance(obj, LazyDocument) and obj.root_is_list)
    return header, result, messages, [tuple(g) for g in groups], incomplete


def _frame_header_result(obj: Any, info: dict[str, Any], problem: str, exit_extra: dict[str, Any],
                         groups: list[list[int]], messages: list[Any]) -> tuple[Header, Result | None]:
    stats = as_dict(info.get("model_stats"))
    config = as_dict(info.get("config"))
    own = as_dict(info.get("patchsmith"))
    model_cfg = as_dict(config.get("model"))
    header = Header(task={"instance_id": str(info.get("instance_id", "")), "problem_statement": problem},
                    model={"name": model_cfg.get("model_name", "")} if model_cfg.get("model_name") else {},
                    strategy="mini-swe-agent", config={"trajectory_format": obj.get("trajectory_format", "")}
                    if not isinstance(obj, list) else {}, source_format="mini-swe-agent")
    totals = None
    if own:
        try:
            header = Header.model_validate(own["header"]) if isinstance(own.get("header"), dict) else header
            totals = Totals.model_validate(own["totals"]) if isinstance(own.get("totals"), dict) else None
        except ValueError:
            pass
        header.source_format = "mini-swe-agent"
    exit_status = info.get("exit_status") or exit_extra.get("exit_status")
    submission = info.get("submission") if info.get("submission") is not None else exit_extra.get("submission")
    if not (exit_status or submission):
        return header, None
    if totals is None:  # token counts are added up from the steps when they are indexed (RunModel)
        totals = Totals(steps=len(groups), cost=as_float(stats.get("instance_cost")))
    evaluation = as_dict(own.get("evaluation")) or None
    return header, Result(exit_reason=str(exit_status or "unknown"), patch=text_of(submission), totals=totals,
                          evaluation=evaluation)


def from_mini_swe_agent(obj: Any, path: str | None = None) -> Trajectory:
    header, result, messages, groups, incomplete = mini_frame(obj, path)
    steps = [mini_step(messages, group, i) for i, group in enumerate(groups)]
    if result is not None:
        fill_totals(result.totals, steps)
    return Trajectory(header=header, steps=steps, result=result, incomplete=incomplete, path=path)


def fill_totals(totals: Totals, steps: Sequence[Step]) -> None:
    """Token counts (and cost, when the file gave none) added up from the steps, when the file has no totals."""
    if totals.prompt_tokens or totals.completion_tokens:
        return
    totals.prompt_tokens = sum(s.usage.prompt_tokens for s in steps)
    totals.completion_tokens = sum(s.usage.completion_tokens for s in steps)
    totals.cost = totals.cost or sum(s.usage.cost for s in steps)
