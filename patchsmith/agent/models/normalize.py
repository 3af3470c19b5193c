"""What real OpenAI-compatible servers send, made into one shape before the agent sees it.

Local servers (llama.cpp, llama-cpp-python, Ollama, vLLM, LM Studio) differ from OpenAI in small ways:
tool-call arguments as a JSON object, no or repeated call ids, tool calls written into `content`, the
legacy `function_call` field, and context windows told in different places. Each difference met is
named in `quirks`, so a run's record says which ones its endpoint showed.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from ..trajectory import ToolCall

TAGGED = re.compile(r"<tool_call>\s*(.*?)\s*(?:</tool_call>|$)", re.S)
FENCED = re.compile(r"```(?:json|tool_call|tool)?\s*\n(.*?)```", re.S)


@dataclass
class Normalized:
    text: str
    calls: list[ToolCall]
    quirks: list[str] = field(default_factory=list)


def normalize_message(message: dict[str, Any], tool_names: Collection[str], key: str = "") -> Normalized:
    """`message` is the choice's message as plain data; `key` makes synthesised ids stable for one reply."""
    quirks: list[str] = []
    text = _text(message.get("content"), quirks)
    raw = message.get("tool_calls")
    raw = [c for c in raw if isinstance(c, dict)] if isinstance(raw, list) else []
    if not raw and isinstance(message.get("function_call"), dict):
        raw = [{"id": None, "function": message["function_call"]}]
        quirks.append("legacy function_call field")
    if not raw and tool_names:
        text, raw = _calls_in_content(text, tool_names, quirks)
    calls = []
    for call in raw:
        fn = call.get("function") if isinstance(call.get("function"), dict) else call
        name = fn.get("name")
        if not isinstance(name, str) or not name:
            quirks.append("tool call without a name (dropped)")
            continue
        calls.append(ToolCall(id=call.get("id") if isinstance(call.get("id"), str) else None, name=name,
                              arguments=_arguments(fn.get("arguments", fn.get("parameters")), quirks)))
    return Normalized(text=text, calls=_with_ids(calls, key, quirks), quirks=_unique(quirks))


def _text(content: Any, quirks: list[str]) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # content parts, as some servers answer
        quirks.append("content as a list of parts")
        return "".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return ""


def _arguments(value: Any, quirks: list[str]) -> str:
    if isinstance(value, str):
        return value if value.strip() else "{}"
    if value is None:
        return "{}"
    quirks.append("tool-call arguments as a JSON object, not a string")
    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        return json.dumps(str(value))


def _with_ids(calls: list[ToolCall], key: str, quirks: list[str]) -> list[ToolCall]:
    """Every call gets an id, unique within the reply, the same each time this reply is read (replay, resume)."""
    seen: set[str] = set()
    out = []
    for i, call in enumerate(calls):
        if not call.id or call.id in seen:
            quirks.append("missing tool-call id" if not call.id else "duplicate tool-call id")
            digest = hashlib.sha1(f"{key}\0{i}\0{call.name}\0{call.arguments}".encode()).hexdigest()[:16]
            call = call.model_copy(update={"id": f"call_ps_{digest}"})
        seen.add(call.id or "")
        out.append(call)
    return out


def _calls_in_content(text: str, tool_names: Collection[str], quirks: list[str]) -> tuple[str, list[dict[str, Any]]]:
    """Tool calls a model wrote as text (`<tool_call>{...}</tool_call>`, a fenced JSON block) become calls;
    only an object naming one of our tools counts, so ordinary JSON in a reply stays text."""
    for pattern, quirk in ((TAGGED, "tool call written as <tool_call> in content"),
                           (FENCED, "tool call written as fenced JSON in content")):
        found, spans = [], []
        for m in pattern.finditer(text):
            call = _as_call(m.group(1), tool_names)
            if call is not None:
                found.append(call)
                spans.append(m.span())
        if found:
            quirks.append(quirk)
            for start, end in reversed(spans):
                text = text[:start] + text[end:]
            return text.strip(), found
    call = _as_call(text, tool_names)  # the whole reply is one bare JSON call
    if call is not None:
        quirks.append("tool call written as bare JSON in content")
        return "", [call]
    return text, []


def _as_call(blob: str, tool_names: Collection[str]) -> dict[str, Any] | None:
    try:
        obj = json.loads(blob.strip())
    except (json.JSONDecodeError, ValueError):
        return None
    if not isinstance(obj, dict):
        return None
    if isinstance(obj.get("function"), dict):
        obj = obj["function"]
    name = obj.get("name", obj.get("tool"))
    if not isinstance(name, str) or name not in tool_names:
        return None
    args = next((obj[k] for k in ("arguments", "parameters", "args") if k in obj), {})
    return {"id": None, "function": {"name": name, "arguments": args}}


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


# -- context windows ----------------------------------------------------------------------------------
WINDOW_ERRORS = (
    re.compile(r"maximum context length is (\d+)", re.I),  # OpenAI, vLLM
    re.compile(r"exceed(?:s)? (?:the )?context window of (\d+)", re.I),  # llama-cpp-python
    re.compile(r"\bn_ctx\W+(\d+)", re.I),  # llama.cpp server (its error body carries n_ctx)
    re.compile(r"context (?:size|length|window) (?:is |of )?\(?(\d{3,})", re.I),
)
MODEL_KEYS = ("max_model_len", "context_length", "max_context_length", "context_window", "n_ctx")


def window_from_error(message: str) -> int | None:
    for pattern in WINDOW_ERRORS:
        if m := pattern.search(message):
            return int(m.group(1))
    return None


def window_from_models(payload: Any, name: str) -> int | None:
    """`/v1/models`: vLLM's max_model_len, LM Studio's and OpenRouter's context_length, llama.cpp's meta."""
    data = payload.get("data") if isinstance(payload, dict) else None
    if not isinstance(data, list):
        return None
    entries = [e for e in data if isinstance(e, dict)]
    chosen = [e for e in entries if e.get("id") == name] or (entries if len(entries) == 1 else [])
    for entry in chosen:
        for where in (entry, entry.get("meta") or {}):
            for key in (*MODEL_KEYS, "n_ctx_train"):
                if isinstance(where, dict) and _positive(where.get(key)):
                    return int(where[key])
    return None


def window_from_props(payload: Any) -> int | None:
    """llama.cpp's `/props`: the context the server was started with (per slot)."""
    if not isinstance(payload, dict):
        return None
    settings = payload.get("default_generation_settings")
    for where in (settings if isinstance(settings, dict) else {}, payload):
        if _positive(where.get("n_ctx")):
            return int(where["n_ctx"])
    return None


def _positive(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0
