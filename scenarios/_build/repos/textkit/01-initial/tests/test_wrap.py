import pytest

from textkit import wrap


def test_wraps_at_spaces():
    assert wrap("the quick brown fox", 10) == ["the quick", "brown fox"]


def test_line_may_fill_the_whole_width():
    assert wrap("abcde fghij", 5) == ["abcde", "fghij"]


def test_long_word_gets_its_own_line():
    assert wrap("a supercalifragilistic word", 8) == ["a", "supercalifragilistic", "word"]


def test_empty_text_gives_no_lines():
    assert wrap("", 10) == []


def test_width_must_be_positive():
    with pytest.raises(ValueError):
        wrap("abc", 0)
