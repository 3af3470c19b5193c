"""Small lenient helpers shared by the importers of other agents' trajectory formats."""

from __future__ import annotations

import ast
import json
from typing import Any

from ...errors import PatchsmithError


class TrajectoryFormatError(PatchsmithError, ValueError):
    """The file is not a trajectory in any format we read (the message says which file and why)."""


def text_of(content: Any) -> str:
    """Message content as plain text: a string, or a list of parts ({"type": "text", "text": ...})."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content.replace("\r\n", "\n")
    if isinstance(content, list):
        parts = []
        for part in content:
            if isinstance(part, dict):
                parts.append(str(part.get("text") or part.get("content") or ""))
            else:
                parts.append(str(part))
        return "\n".join(p for p in parts if p).replace("\r\n", "\n")
    if isinstance(content, dict):
        return text_of(content.get("text") or content.get("content"))
    return str(content)


def as_dict(value: Any) -> dict[str, Any]:
    """A dict from a dict, a JSON string, or a Python-repr string (older SWE-agent files); else {}."""
    if isinstance(value, dict):
        return value
    if isinstance(value, str) and value.strip():
        for parse in (json.loads, ast.literal_eval):
            try:
                parsed = parse(value.strip())
            except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
                continue
            if isinstance(parsed, dict):
                return parsed
        return {"raw": value}
    return {}


def as_float(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def as_int(value: Any) -> int:
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return 0
