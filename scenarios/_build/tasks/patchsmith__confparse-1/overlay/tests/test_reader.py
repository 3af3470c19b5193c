import pytest

from confparse import ParseError, parse

SAMPLE = """
; application settings
[server]
host = example.org
Port = 8080

# feature switches
[features]
beta = yes
"""


def test_sections_in_order():
    assert parse(SAMPLE).sections() == ["server", "features"]


def test_values_are_stripped():
    assert parse(SAMPLE).get("server", "host") == "example.org"


def test_option_names_are_case_insensitive():
    cfg = parse(SAMPLE)
    assert cfg.get("server", "port") == "8080"
    assert cfg.get("server", "PORT") == "8080"


def test_values_keep_their_case():
    assert parse("[s]\nname = Ada Lovelace\n").get("s", "name") == "Ada Lovelace"


def test_option_before_section_is_an_error():
    with pytest.raises(ParseError, match="line 1"):
        parse("a = 1\n[s]\n")


def test_line_without_separator_is_an_error():
    with pytest.raises(ParseError, match="line 2"):
        parse("[s]\njust some words\n")


def test_colon_separator():
    assert parse("[s]\nname: Ada\n").get("s", "name") == "Ada"


def test_value_may_contain_separators():
    cfg = parse("[db]\nurl = postgres://app:secret@db/main?sslmode=require\nnote: a=b\n")
    assert cfg.get("db", "url") == "postgres://app:secret@db/main?sslmode=require"
    assert cfg.get("db", "note") == "a=b"
