"""Turn INI-style text into a Config."""

from __future__ import annotations

import re

from .config import Config
from .errors import ParseError

_COMMENT_PREFIXES = ("#", ";")
_SEPARATOR = re.compile(r"\s*[=:]\s*")


def parse(text: str) -> Config:
    data: dict[str, dict[str, str]] = {}
    section: str | None = None
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith(_COMMENT_PREFIXES):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1].strip()
            data.setdefault(section, {})
            continue
        if section is None:
            raise ParseError(lineno, "option outside of any [section]")
        parts = _SEPARATOR.split(line)
        if len(parts) != 2 or not parts[0]:
            raise ParseError(lineno, "expected 'option = value' or 'option: value'")
        key, value = parts
        data[section][key.lower()] = value
    return Config(data)
