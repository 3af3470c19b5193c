"""Operations over collections of intervals."""

from __future__ import annotations

from collections.abc import Iterable

from .interval import Interval


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, non-overlapping intervals covering the same days; back-to-back intervals are joined."""
    result: list[Interval] = []
    for current in sorted(intervals):
        if result and (result[-1].overlaps(current) or result[-1].end == current.start):
            last = result.pop()
            current = Interval(last.start, max(last.end, current.end))
        result.append(current)
    return result


def total_days(intervals: Iterable[Interval]) -> int:
    """Number of distinct days covered by ``intervals``."""
    return sum(interval.days for interval in merge(intervals))
