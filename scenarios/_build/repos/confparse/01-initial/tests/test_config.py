import pytest

from confparse import MissingOptionError, parse

CFG = parse("[server]\nport = 8080\ndebug = off\nverbose = Yes\n")


def test_getint():
    assert CFG.getint("server", "port") == 8080


def test_getbool():
    assert CFG.getbool("server", "debug") is False
    assert CFG.getbool("server", "verbose") is True


def test_missing_option_raises():
    with pytest.raises(MissingOptionError):
        CFG.get("server", "timeout")


def test_missing_option_is_a_key_error():
    with pytest.raises(KeyError):
        CFG.getint("database", "port")
