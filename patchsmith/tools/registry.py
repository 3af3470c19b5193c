"""The tool sets, in the order the prompt lists them (names and arguments are a stable contract)."""

from __future__ import annotations

from .ask_user import declared_ask_user
from .base import Tool
from .bash_tool import bash_tool
from .editor import editor_tool
from .find_file import find_file_tool
from .note import note_tool
from .run_tests import run_tests_tool
from .search import search_tool
from .submit import submit_tool


def default_tools() -> list[Tool]:
    """The core tools, which need no code index."""
    return [editor_tool, search_tool, find_file_tool, run_tests_tool, bash_tool, submit_tool]


def agent_tools() -> list[Tool]:
    """What an agent gets unless told otherwise: the core tools, code navigation, and notes."""
    from .index.tools import index_tools  # numpy and tree-sitter: loaded when an agent needs them

    return [*default_tools(), *index_tools(), note_tool]


def tools_by_name(tools: list[Tool] | None = None) -> dict[str, Tool]:
    return {t.name: t for t in (tools if tools is not None else agent_tools())}


def tool_named(name: str) -> Tool | None:
    """Our tool of that name, for readers of a trajectory (None for a name only another agent uses).
    The core tools are looked up first, so the inspector's first paint does not load the code index."""
    core = tools_by_name([*default_tools(), note_tool, declared_ask_user])
    return core[name] if name in core else tools_by_name().get(name)
