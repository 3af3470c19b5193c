"""Parse short duration strings such as '3d' or '2w'."""

from __future__ import annotations

import re
from datetime import timedelta

_PATTERN = re.compile(r"(\d+)\s*([dw])")


class DurationError(ValueError):
    """The text is not a duration this module understands."""


def parse_duration(text: str) -> timedelta:
    """'3d' -> 3 days, '2w' -> 14 days. Raises DurationError for anything else."""
    match = _PATTERN.fullmatch(text.strip())
    if match is None:
        raise DurationError(f"cannot parse duration {text!r}; expected e.g. '3d' or '2w'")
    count, unit = match.groups()
    return timedelta(days=int(count) * (7 if unit == "w" else 1))
