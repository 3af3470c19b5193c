"""Tool.__call__ turns bad arguments and OS errors into observations; a failing git command must not escape
either (tools never raise)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..errors import PatchsmithError
from .git import GitError
from .observation import Observation

if TYPE_CHECKING:  # the workspace (sandbox, git snapshots) loads with a run, not with a reader of tools
    from .workspace import Workspace


class PathOutsideWorkspace(PatchsmithError, ValueError):
    """A path a tool was given lies outside the repository (or inside .git); the message teaches the form."""


def git_errors_observed(fn: Callable[[Workspace, Any], Observation]) -> Callable[[Workspace, Any], Observation]:
    @functools.wraps(fn)
    def wrapper(ws: Workspace, args: Any) -> Observation:
        try:
            return fn(ws, args)
        except GitError as exc:
            return Observation.fail(f"{exc}; the repository may be in an unusual state (check with bash: git status)")
    return wrapper
