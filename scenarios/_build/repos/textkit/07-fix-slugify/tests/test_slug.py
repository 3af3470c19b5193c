from textkit import slugify


def test_basic_title():
    assert slugify("Hello World") == "hello-world"


def test_accents_are_dropped():
    assert slugify("Crème brûlée") == "creme-brulee"


def test_custom_separator():
    assert slugify("Release notes 2024", sep="_") == "release_notes_2024"


def test_punctuation_at_the_ends_is_trimmed():
    assert slugify("  (draft) ") == "draft"


def test_separator_in_the_text_is_not_doubled():
    assert slugify("a - b -- c") == "a-b-c"


def test_max_length_does_not_leave_a_trailing_separator():
    assert slugify("The quick brown fox", max_length=10) == "the-quick"


def test_text_without_letters_or_digits_gives_an_empty_slug():
    assert slugify("!!!") == ""
    assert slugify("🎉🎉") == ""


def test_empty_text_gives_an_empty_slug():
    assert slugify("") == ""
    assert slugify("", sep="_") == ""
