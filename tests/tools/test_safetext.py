"""inert(): every character a terminal would act on, or that would show as nothing, becomes a visible stand-in."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from patchsmith.tools.safetext import inert, inert_value


def test_the_classes_of_dangerous_characters_become_visible() -> None:
    assert inert("a\x1b[2Kb") == "a␛[2Kb"  # ESC: cursor moves, erasures, colours, titles
    assert inert("x\ry\x07\x08\x00") == "x␍y␇␈␀"  # carriage return overwrites the line; bell; backspace
    assert inert("\x7f") == "␡"
    assert inert("\x9b2J") == "<U+009B>2J"  # C1 CSI: an escape sequence in one character
    assert inert("abc\u202edef\u2066") == "abc<U+202E>def<U+2066>"  # bidi overrides reorder what is read
    assert inert("a\u200bb\ufeff") == "a<U+200B>b<U+FEFF>"  # zero-width characters hide differences
    assert inert("l1\u2028l2\x85") == "l1<U+2028>l2<U+0085>"  # line breaks only some renderers honour
    assert inert("caf\udce9") == "caf<0xE9>"  # a byte that was not UTF-8


def test_ordinary_text_is_untouched() -> None:
    text = "def f():\n\treturn '数据' + \"émoji 🙂\"  # [bold]not markup[/]\n"
    assert inert(text) is text or inert(text) == text


def test_inert_value_reaches_keys_and_nested_values() -> None:
    assert inert_value({"k\x1b": ["v\x1b", {"n": 1, "s": "\x9b"}]}) == {"k␛": ["v␛", {"n": 1, "s": "<U+009B>"}]}


@given(st.text(st.characters(codec=None, exclude_categories=())))
def test_nothing_unsafe_survives_and_text_can_be_printed(text: str) -> None:
    out = inert(text)
    out.encode("utf-8")  # no surrogate left: printable on any UTF-8 stream
    for ch in out:
        if ch in "\n\t":
            continue
        assert unicodedata.category(ch) not in ("Cc", "Cs", "Zl", "Zp"), repr(ch)
        assert ch not in "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
    assert out.count("\n") == text.count("\n")  # lines stay lines
