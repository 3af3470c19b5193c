"""Small lenient helpers shared by the importers of other agents' trajectory formats."""

from __future__ import annotations

import ast
import json
from pathlib import Path
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


def _plain(value: Any) -> Any:
    """A simdjson proxy as plain Python (dicts and lists); plain values pass through."""
    as_dict_ = getattr(value, "as_dict", None)
    if as_dict_ is not None:
        return as_dict_()
    as_list = getattr(value, "as_list", None)
    return as_list() if as_list is not None else value


class LazyList:
    """A JSON array whose elements become Python only when asked for (a 5,000-step run paints without them)."""

    def __init__(self, items: Any) -> None:
        # Iterated once into proxies: indexing a simdjson array walks its tape from the start each time.
        self._items = items if isinstance(items, list) else list(items)

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, index: int) -> Any:
        return _plain(self._items[index])

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def peek(self, index: int, key: str) -> Any:
        """One field of element `index` (plain Python), without converting the rest of the element."""
        item = self._items[index]
        getter = getattr(item, "get", None)
        return _plain(getter(key)) if getter is not None else None


class LazyDocument:
    """A parsed JSON document whose top-level values convert to Python on access, and `lazy_list(key)` element
    by element. simdjson builds its tape far faster than `json` builds objects; without it (or on text it
    refuses, such as invalid UTF-8) the stdlib parser is used and the laziness is only in the conversion."""

    def __init__(self, path: Path) -> None:
        self._parser: Any = None
        try:
            import simdjson

            self._parser = simdjson.Parser()  # one parser per document: its proxies point into its tape
            # load() reads the file into simdjson's own buffer: no Python bytes copy of a 24 MB file first.
            self._root: Any = self._parser.load(str(path))
        except (ImportError, ValueError, RuntimeError):  # UnicodeDecodeError is a ValueError
            data = path.read_bytes()
            self._root = json.loads(data.decode("utf-8-sig", errors="replace"))

    @property
    def root_is_list(self) -> bool:
        return not hasattr(self._root, "keys")

    def root_list(self) -> LazyList:
        return LazyList(self._root)

    def get(self, key: str, default: Any = None) -> Any:
        if self.root_is_list:
            return default
        value = self._root.get(key)
        return default if value is None else _plain(value)

    def lazy_list(self, key: str) -> LazyList | None:
        if self.root_is_list:
            return None
        value = self._root.get(key)
        if value is None or hasattr(value, "keys") or isinstance(value, (str, int, float, bool)):
            return None
        return LazyList(value)
