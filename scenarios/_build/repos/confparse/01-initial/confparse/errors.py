"""Exceptions raised by confparse."""


class ParseError(ValueError):
    def __init__(self, lineno: int, message: str) -> None:
        super().__init__(f"line {lineno}: {message}")
        self.lineno = lineno


class MissingOptionError(KeyError):
    def __init__(self, section: str, option: str) -> None:
        super().__init__(f"no option {option!r} in section [{section}]")
        self.section = section
        self.option = option
