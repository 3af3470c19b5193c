"""How a reply and its observations are written into the chat history, natively or in text mode."""

from __future__ import annotations

from typing import Any

from .base import Reply


def assistant_message(reply: Reply, text_mode: bool) -> dict[str, Any]:
    if text_mode or not reply.tool_calls:
        return {"role": "assistant", "content": reply.text}
    return {"role": "assistant", "content": reply.text or None,
            "tool_calls": [{"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
                           for c in reply.tool_calls]}


def observation_messages(reply: Reply, texts: list[str], text_mode: bool) -> list[dict[str, Any]]:
    """One tool message per call (the API demands an answer for every call id), or one user message."""
    if text_mode or not reply.tool_calls:
        return [{"role": "user", "content": "\n\n".join(texts)}]
    return [{"role": "tool", "tool_call_id": c.id, "content": t} for c, t in zip(reply.tool_calls, texts, strict=True)]
