"""Prompt templates live in patchsmith/prompts as Jinja2 files; a missing variable is an error, not blank text.

A run may replace any of them from a folder (RunConfig.prompts_dir): a NAME.j2 there wins over the built-in
one, the rest stay built-in. patchsmith/prompts/README.md lists every template and the variables it gets.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, StrictUndefined

TEMPLATES = ("condensed", "denied", "format_error", "nested_instructions", "repeated", "state", "system", "task",
             "user_message", "answer",
             # the strategies' own (patchsmith/agent/strategies): one-completion edits, critiques, lessons
             "edit_system", "direct", "critique", "revise", "lesson", "_code", "_ask")


@lru_cache(maxsize=8)
def _env(folder: Path | None = None) -> Environment:
    loader = PackageLoader("patchsmith", "prompts")
    if folder is not None:
        loader = ChoiceLoader([FileSystemLoader(str(folder)), loader])
    return Environment(loader=loader, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                       keep_trailing_newline=False, autoescape=False)


def render(name: str, folder: Path | None = None, **variables: Any) -> str:
    """Template `name` with `variables`; from `folder` when it holds NAME.j2, else the built-in one."""
    return _env(folder).get_template(f"{name}.j2").render(**variables).strip()
