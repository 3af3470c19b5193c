"""Turn INI-style text into a Config."""

from __future__ import annotations

from .config import Config
from .errors import ParseError

_COMMENT_PREFIXES = ("#", ";")


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
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            raise ParseError(lineno, "expected 'option = value'")
        data[section][key.strip().lower()] = value.strip()
    return Config(data)
