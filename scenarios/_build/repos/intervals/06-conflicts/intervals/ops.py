"""Operations over collections of intervals."""

from __future__ import annotations

from collections.abc import Iterable

from .interval import Interval


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, non-overlapping intervals covering the same days; back-to-back intervals are joined."""
    result: list[Interval] = []
    for current in sorted(intervals):
        if result and result[-1].overlaps(current):
            last = result.pop()
            current = Interval(last.start, max(last.end, current.end))
        result.append(current)
    return result


def total_days(intervals: Iterable[Interval]) -> int:
    """Number of distinct days covered by ``intervals``."""
    return sum(interval.days for interval in merge(intervals))


def conflicts(bookings: Iterable[Interval]) -> list[tuple[Interval, Interval]]:
    """Pairs of bookings that claim the same day, earliest first."""
    ordered = sorted(bookings)
    found: list[tuple[Interval, Interval]] = []
    for index, first in enumerate(ordered):
        for second in ordered[index + 1:]:
            if first.overlaps(second):
                found.append((first, second))
    return found
