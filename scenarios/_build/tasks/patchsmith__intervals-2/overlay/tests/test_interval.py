from datetime import date

import pytest

from intervals import Interval


def iv(a: int, b: int) -> Interval:
    return Interval(date(2024, 5, a), date(2024, 5, b))


def test_days():
    assert iv(1, 4).days == 3


def test_end_before_start_is_rejected():
    with pytest.raises(ValueError):
        iv(4, 1)


def test_contains_is_half_open():
    assert iv(1, 4).contains(date(2024, 5, 1))
    assert iv(1, 4).contains(date(2024, 5, 3))
    assert not iv(1, 4).contains(date(2024, 5, 4))


def test_overlapping_intervals():
    assert iv(1, 5).overlaps(iv(3, 8))
    assert iv(3, 8).overlaps(iv(1, 5))


def test_disjoint_intervals_do_not_overlap():
    assert not iv(1, 3).overlaps(iv(6, 8))


def test_touching_intervals_do_not_overlap():
    assert not iv(1, 4).overlaps(iv(4, 6))
    assert not iv(4, 6).overlaps(iv(1, 4))
