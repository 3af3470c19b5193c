"""confparse: a small INI-style configuration reader."""

from .config import Config
from .errors import MissingOptionError, ParseError
from .reader import parse

__all__ = ["Config", "MissingOptionError", "ParseError", "parse"]
