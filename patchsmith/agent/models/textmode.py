"""Text mode: endpoints without tool calling write the action as a fenced JSON block in the reply."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from ...tools.base import Tool
from ..trajectory import ToolCall

BLOCK = re.compile(r"```(?:json|action)?\s*\n(.*?)```", re.S)


def parse_action(text: str, tools: Sequence[Tool]) -> tuple[str, list[ToolCall], str | None]:
    """Returns (thought, tool_calls, error). The last fenced block is the action; text before it the thought."""
    names = {t.name for t in tools}
    blocks = list(BLOCK.finditer(text))
    if not blocks:
        return text.strip(), [], "no action found: end your reply with one ```json block holding " \
                                 '{"tool": NAME, "args": {...}}'
    last = blocks[-1]
    thought = text[: last.start()].strip()
    try:
        obj = json.loads(last.group(1))
    except json.JSONDecodeError as exc:
        return thought, [], f"the action block is not valid JSON ({exc.msg}, line {exc.lineno})"
    if not isinstance(obj, dict) or not isinstance(obj.get("tool"), str):
        return thought, [], 'the action must be a JSON object with a "tool" string and an "args" object'
    if obj["tool"] not in names:
        return thought, [], f"unknown tool {obj['tool']!r}; available: {', '.join(sorted(names))}"
    args = obj.get("args", {})
    if not isinstance(args, dict):
        return thought, [], '"args" must be a JSON object'
    return thought, [ToolCall(id=None, name=obj["tool"], arguments=json.dumps(args))], None
