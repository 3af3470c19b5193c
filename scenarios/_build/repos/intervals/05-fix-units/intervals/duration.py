"""Parse short duration strings such as '3d', '2 weeks' or '1 Day'."""

from __future__ import annotations

import re
from datetime import timedelta

_PATTERN = re.compile(r"(\d+)\s*([A-Za-z]+)")

# Unit spelling -> length in days.
UNITS = {
    "d": 1,
    "day": 1,
    "days": 1,
    "w": 7,
    "wk": 7,
    "week": 7,
    "weeks": 7,
}


class DurationError(ValueError):
    """The text is not a duration this module understands."""


def parse_duration(text: str) -> timedelta:
    """'3d' -> 3 days, '2 weeks' -> 14 days. Raises DurationError for anything else."""
    match = _PATTERN.fullmatch(text.strip())
    if match is None:
        raise DurationError(f"cannot parse duration {text!r}; expected e.g. '3d' or '2 weeks'")
    count, unit = match.groups()
    factor = UNITS.get(unit.lower())
    if factor is None:
        known = ", ".join(UNITS)
        raise DurationError(f"unknown unit {unit!r} in duration {text!r}; known units: {known}")
    return timedelta(days=int(count) * factor)
