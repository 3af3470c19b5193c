"""Waiting in Textual Pilot tests: for a screen, a finished run, any condition, with a deadline."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


async def until(
    pilot: Any, condition: Callable[[], object], what: str = "the app", timeout: float = 20.0
) -> None:
    """Let the app run until `condition()` holds; fail naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await pilot.pause(0.02)


async def finish_and_quit(app: Any, pilot: Any, timeout: float = 20.0) -> None:
    """Wait for the live run to end, then leave the app with q (as a user does)."""
    await until(pilot, app.finished.is_set, "the run to finish", timeout)
    await pilot.pause()
    await pilot.press("q")
