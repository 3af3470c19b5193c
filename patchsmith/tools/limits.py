"""Per-workspace limits the tools honour, with the contract defaults when the workspace sets none."""

from __future__ import annotations

from .observation import DEFAULT_BUDGET
from .sandbox.base import DEFAULT_TIMEOUT
from .workspace import Workspace


def observation_budget(ws: Workspace) -> int:
    # A runner may attach its configured budget to the workspace; the contract default otherwise.
    value = getattr(ws, "observation_budget", None)
    return int(value) if value else DEFAULT_BUDGET


def command_timeout(ws: Workspace) -> float:
    value = getattr(ws, "command_timeout", None)
    return float(value) if value else DEFAULT_TIMEOUT
