from datetime import timedelta

import pytest

from intervals import DurationError, parse_duration


def test_days():
    assert parse_duration("3d") == timedelta(days=3)


def test_weeks_with_space():
    assert parse_duration("2 w") == timedelta(days=14)


def test_long_unit_names():
    assert parse_duration("2 weeks") == timedelta(days=14)
    assert parse_duration("1 day") == timedelta(days=1)


def test_units_are_case_insensitive():
    assert parse_duration("1 Week") == timedelta(days=7)


def test_garbage_is_a_duration_error():
    with pytest.raises(DurationError):
        parse_duration("soon")


def test_duration_error_is_a_value_error():
    with pytest.raises(ValueError):
        parse_duration("")


def test_unknown_unit_is_a_duration_error():
    with pytest.raises(DurationError, match="fortnights"):
        parse_duration("3 fortnights")
