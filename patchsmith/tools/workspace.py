"""Workspace: the git working tree the agent may change, its sandbox, and path guarding."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .guard import PathOutsideWorkspace
from .observation import DEFAULT_BUDGET
from .sandbox.base import DEFAULT_TIMEOUT, ExecResult, Sandbox
from .sandbox.local import LocalSandbox
from .snapshot import DiffLimits, diff_against


@dataclass
class Workspace:
    """`base` is the commit the final patch is measured against (the seeded state or a task's base_commit)."""

    root: Path
    base: str
    sandbox: Sandbox = None  # type: ignore[assignment]
    test_command: str | None = None  # configured test command, overrides auto-detection
    read_only: bool = False
    command_timeout: float = DEFAULT_TIMEOUT  # seconds a tool's command may run
    observation_budget: int = DEFAULT_BUDGET  # characters of a tool's output the model sees
    index_cache: Path | None = None  # where the code index is kept (None: the cache directory's default)
    edit_history: dict[str, list[str | None]] = field(default_factory=dict)  # path -> prior contents, for undo
    state: dict[str, Any] = field(default_factory=dict)  # what tools keep between calls here (the open index)
    diff_limits: DiffLimits = field(default_factory=DiffLimits)  # files bigger than these stay out of patches

    def __post_init__(self) -> None:
        self.root = Path(self.root).resolve()
        if self.sandbox is None:
            self.sandbox = LocalSandbox(self.root)

    def resolve(self, path: str | Path) -> Path:
        """A path relative to the root or absolute inside it; anything else raises with a teaching message."""
        raw = str(path).strip()
        if not raw:
            raise PathOutsideWorkspace("empty path; give a path relative to the repository root, e.g. src/app.py")
        candidate = Path(raw)
        if not candidate.is_absolute():
            candidate = self.root / candidate
        resolved = candidate.resolve()
        if resolved != self.root and self.root not in resolved.parents:
            raise PathOutsideWorkspace(
                f"{raw} is outside the repository; paths must be relative to {self.root} or absolute inside it")
        if ".git" in resolved.relative_to(self.root).parts:
            raise PathOutsideWorkspace(f"{raw} is inside .git, which tools may not touch")
        return resolved

    def relative(self, path: Path) -> str:
        return str(Path(path).resolve().relative_to(self.root)) or "."

    def diff(self, paths: list[str] | None = None) -> str:
        return diff_against(self.root, self.base, paths, self.diff_limits)

    def exec(self, command: str, timeout: float = DEFAULT_TIMEOUT) -> ExecResult:
        return self.sandbox.exec(command, cwd=self.root, timeout=timeout)
