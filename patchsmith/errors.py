"""Errors that reach the user as one line (exit code 2), never as a traceback."""


class UserError(Exception):
    """Bad input or an unusable setup; the message says what to do."""
