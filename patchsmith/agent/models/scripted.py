"""Models without a live LLM: replies from a file (tests, offline demos) or from a recorded trajectory."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ...tools.base import Tool
from ..trajectory import ToolCall, Usage, read_trajectory
from .base import Reply, ScriptExhausted, estimate_messages_tokens, estimate_tokens
from .pricing import cost_of


def _load_entries(path: Path) -> list[dict[str, Any]]:
    text = path.read_text(encoding="utf-8")
    stripped = text.lstrip()
    if stripped.startswith("["):
        data = json.loads(text)
    else:
        data = [json.loads(line) for line in text.splitlines() if line.strip() and not line.lstrip().startswith("//")]
    if not isinstance(data, list) or not all(isinstance(d, dict) for d in data):
        raise ValueError(f"{path}: expected a JSON list (or JSON Lines) of reply objects")
    return data


def entry_to_reply(entry: dict[str, Any], n: int) -> Reply:
    """`{"thought", "tool", "args"}` shorthand or `{"text", "tool_calls": [{"name", "arguments"}]}`."""
    if "tool" in entry:
        calls = [{"name": entry["tool"], "arguments": entry.get("args", {})}]
        text = entry.get("thought", "")
    else:
        calls = entry.get("tool_calls") or []
        text = entry.get("text", "")
    tool_calls = []
    for i, call in enumerate(calls):
        args = call.get("arguments", {})
        tool_calls.append(ToolCall(id=call.get("id") or f"call_{n}_{i}", name=call["name"],
                                   arguments=args if isinstance(args, str) else json.dumps(args)))
    return Reply(text=text, tool_calls=tool_calls)


class ListModel:
    """Hands out prepared replies in order; usage is a local estimate (there is no endpoint to report it)."""

    text_mode = False

    def __init__(self, name: str, replies: list[Reply], price: tuple[float, float] | None = None):
        self.name = name
        self.price = price  # $/1M (prompt, completion); None: free
        self._replies = replies
        self._next = 0

    def skip(self, count: int) -> None:
        """Go on after `count` replies already used (a resumed run)."""
        self._next = min(len(self._replies), self._next + max(0, count))

    def complete(self, messages: Sequence[dict[str, Any]], tools: Sequence[Tool]) -> Reply:
        if self._next >= len(self._replies):
            raise ScriptExhausted(f"{self.name}: all {len(self._replies)} replies used")
        reply = self._replies[self._next].model_copy(deep=True)
        self._next += 1
        prompt = estimate_messages_tokens(messages)
        completion = estimate_tokens(reply.text) + sum(estimate_tokens(c.arguments) for c in reply.tool_calls)
        reply.usage = Usage(prompt_tokens=prompt, completion_tokens=completion,
                            cost=cost_of(prompt, completion, self.price), estimated=True)
        return reply


def scripted_model(path: Path) -> ListModel:
    entries = _load_entries(path)
    return ListModel(f"scripted:{path.name}", [entry_to_reply(e, i) for i, e in enumerate(entries)])


def replay_model(path: Path) -> ListModel:
    traj = read_trajectory(path)
    replies = [Reply(text=s.reply.text, tool_calls=[c.model_copy() for c in s.reply.tool_calls])
               for s in traj.steps if s.reply.text or s.reply.tool_calls]
    if not replies:
        raise ValueError(f"{path}: the trajectory holds no model replies to replay")
    return ListModel(f"replay:{path.name}", replies)
