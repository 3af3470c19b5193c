"""The Model contract: `complete(messages, tools) -> Reply`. The model owns parsing its own output."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from pydantic import BaseModel, Field

from ...errors import PatchsmithError
from ...tools.base import Tool
from ..trajectory import ToolCall, Usage


class Reply(BaseModel):
    text: str = ""
    tool_calls: list[ToolCall] = Field(default_factory=list)
    usage: Usage = Field(default_factory=Usage)
    parse_error: str | None = None  # text mode: the reply held no well-formed action
    finish_reason: str | None = None
    quirks: list[str] = Field(default_factory=list)  # how the endpoint's answer differed from OpenAI's


class ModelError(PatchsmithError, RuntimeError):
    """The model cannot answer (after retries); the message says what to check."""


class OutOfTime(ModelError):
    """The run's wall-time budget ran out while waiting for the model (the run stops as max_wall_time)."""


class ContextLengthExceeded(ModelError):
    """The prompt is longer than the model accepts: the controller condenses history and retries."""


class ScriptExhausted(ModelError):
    """A scripted or replayed model has no replies left."""


class Model(Protocol):
    name: str

    def complete(self, messages: Sequence[dict[str, Any]], tools: Sequence[Tool]) -> Reply: ...


def estimate_tokens(text: str) -> int:
    """Local fallback when the endpoint reports no usage (about four characters a token for English/code)."""
    return max(1, len(text) // 4) if text else 0


def estimate_messages_tokens(messages: Sequence[dict[str, Any]]) -> int:
    total = 0
    for m in messages:
        content = m.get("content") or ""
        if isinstance(content, list):
            content = " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
        total += estimate_tokens(content) + 4
        for call in m.get("tool_calls") or []:
            total += estimate_tokens(call["function"]["arguments"]) + 8
    return total
