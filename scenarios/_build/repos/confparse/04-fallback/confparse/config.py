"""Parsed configuration with typed getters."""

from __future__ import annotations

from .errors import MissingOptionError

_TRUE = {"1", "yes", "true", "on"}
_FALSE = {"0", "no", "false", "off"}


class Config:
    def __init__(self, data: dict[str, dict[str, str]]) -> None:
        self._data = data

    def sections(self) -> list[str]:
        return list(self._data)

    def has_option(self, section: str, option: str) -> bool:
        return option.lower() in self._data.get(section, {})

    def get(self, section: str, option: str, fallback: str | None = None) -> str | None:
        """The value as written; ``fallback`` if the option is missing and one was given."""
        try:
            return self._data[section][option.lower()]
        except KeyError:
            if fallback is not None:
                return fallback
            raise MissingOptionError(section, option) from None

    def getint(self, section: str, option: str, fallback: int | None = None) -> int | None:
        if fallback is not None and not self.has_option(section, option):
            return fallback
        return int(self.get(section, option))

    def getbool(self, section: str, option: str, fallback: bool | None = None) -> bool | None:
        if fallback is not None and not self.has_option(section, option):
            return fallback
        value = self.get(section, option).lower()
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
        raise ValueError(f"[{section}] {option} = {value!r} is not a boolean")
