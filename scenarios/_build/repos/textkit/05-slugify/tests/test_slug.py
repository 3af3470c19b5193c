from textkit import slugify


def test_basic_title():
    assert slugify("Hello World") == "hello-world"


def test_accents_are_dropped():
    assert slugify("Crème brûlée") == "creme-brulee"


def test_custom_separator():
    assert slugify("Release notes 2024", sep="_") == "release_notes_2024"


def test_punctuation_at_the_ends_is_trimmed():
    assert slugify("  (draft) ") == "draft"
