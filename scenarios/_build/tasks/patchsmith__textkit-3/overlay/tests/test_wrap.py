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


def test_paragraphs_are_wrapped_separately():
    text = "First paragraph here.\n\nSecond one."
    assert wrap(text, 12) == ["First", "paragraph", "here.", "", "Second one."]


def test_several_blank_lines_are_one_break():
    assert wrap("a\n\n\n\nb", 5) == ["a", "", "b"]
    assert wrap("a\n  \n\t\nb", 5) == ["a", "", "b"]


def test_blank_lines_at_the_ends_give_no_empty_lines():
    assert wrap("\n\nabc\n\n", 5) == ["abc"]


def test_a_single_line_break_is_whitespace():
    assert wrap("one\ntwo", 10) == ["one two"]
