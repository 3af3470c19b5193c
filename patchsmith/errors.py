"""The error tree: every error the project raises on purpose derives from PatchsmithError.

An error carries a message (what went wrong, in the user's terms) and a hint (what to do about it). The CLI
catches PatchsmithError once (cli/main.py) and prints `patchsmith: error: MESSAGE (HINT)` on one line with exit
code 2: no traceback, no per-command conversion. `str(error)` stays the message alone, because tools hand
some of these messages to the model as observations.

Classes keep their builtin base as well (GitError is still a RuntimeError, NotText a ValueError), so code
that catches the broad builtin keeps working.
"""

from __future__ import annotations


class PatchsmithError(Exception):
    """Base class: `message` says what went wrong, `hint` what to do (a class default, or given per error)."""

    hint: str = ""

    def __init__(self, message: str = "", *args: object, hint: str | None = None) -> None:
        super().__init__(message, *args)
        if hint is not None:
            self.hint = hint

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else ""

    def __str__(self) -> str:
        return self.message

    def one_line(self) -> str:
        """Message and hint on one line, for the terminal (control characters and newlines flattened)."""
        text = " ".join(self.message.split()) or type(self).__name__
        hint = " ".join(self.hint.split())
        return f"{text} ({hint})" if hint and hint not in text else text


class UserError(PatchsmithError):
    """Bad input or an unusable setup, found by a command before or while it works."""


class ConfigError(UserError):
    """A configuration value (option, config file entry, -c override) is not allowed; names the key."""

    hint = "see `patchsmith COMMAND --help` for the allowed values"
