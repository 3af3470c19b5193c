"""Which actions need the user's approval under each permission mode."""

from __future__ import annotations

from ..tools.base import Tool

VIEW_COMMANDS = {"view"}


def approval_reason(tool: Tool, args: dict, mode: str) -> str | None:
    """None when the action may run freely; otherwise why it needs approval."""
    edits = tool.mutates and args.get("command") not in VIEW_COMMANDS
    if mode == "full-auto":
        return None
    if tool.runs_commands:
        return f"{mode} mode asks before running commands"
    if edits and mode in ("ask",):
        return "ask mode asks before editing files"
    return None


def refused(tool: Tool, args: dict, mode: str) -> str | None:
    """Actions that are never allowed in a mode (no prompt could allow them)."""
    if mode == "read-only" and tool.mutates and args.get("command") not in VIEW_COMMANDS:
        return "the run is in read-only mode: files cannot be edited. Investigate and report instead."
    return None
