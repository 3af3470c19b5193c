"""The core tool set, in the order the prompt lists them (names and arguments are a stable contract)."""

from __future__ import annotations

from .base import Tool
from .bash_tool import bash_tool
from .editor import editor_tool
from .find_file import find_file_tool
from .run_tests import run_tests_tool
from .search import search_tool
from .submit import submit_tool


def default_tools() -> list[Tool]:
    return [editor_tool, search_tool, find_file_tool, run_tests_tool, bash_tool, submit_tool]


def tools_by_name(tools: list[Tool] | None = None) -> dict[str, Tool]:
    return {t.name: t for t in (tools if tools is not None else default_tools())}
