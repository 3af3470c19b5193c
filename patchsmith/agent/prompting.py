"""Prompt templates live in patchsmith/prompts as Jinja2 files; a missing variable is an error, not blank text."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined


@lru_cache(maxsize=1)
def _env() -> Environment:
    return Environment(loader=PackageLoader("patchsmith", "prompts"), undefined=StrictUndefined,
                       trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=False, autoescape=False)


def render(name: str, **variables: Any) -> str:
    return _env().get_template(f"{name}.j2").render(**variables).strip()
