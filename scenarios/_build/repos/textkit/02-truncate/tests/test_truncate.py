import pytest

from textkit import truncate


def test_short_text_is_returned_unchanged():
    assert truncate("hello", 10) == "hello"


def test_long_text_is_cut_with_ellipsis():
    assert truncate("hello world", 8) == "hello..."


def test_custom_ellipsis():
    assert truncate("hello world", 6, ellipsis="~") == "hello~"


def test_width_too_small_for_ellipsis():
    with pytest.raises(ValueError):
        truncate("hello", 2)
