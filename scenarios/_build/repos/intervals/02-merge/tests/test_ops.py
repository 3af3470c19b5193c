from datetime import date

from intervals import Interval, merge, total_days


def iv(a: int, b: int) -> Interval:
    return Interval(date(2024, 5, a), date(2024, 5, b))


def test_merge_overlapping():
    assert merge([iv(3, 8), iv(1, 5)]) == [iv(1, 8)]


def test_merge_keeps_gaps():
    assert merge([iv(1, 3), iv(5, 7)]) == [iv(1, 3), iv(5, 7)]


def test_merge_joins_back_to_back_intervals():
    assert merge([iv(1, 3), iv(3, 6), iv(6, 9)]) == [iv(1, 9)]


def test_total_days_counts_shared_days_once():
    assert total_days([iv(1, 5), iv(3, 8), iv(10, 12)]) == 9
