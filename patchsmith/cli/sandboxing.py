"""Open the workspace's sandbox for a run, with the permission mode checked at the boundary."""

from __future__ import annotations

import sys
import warnings
from contextlib import closing
from pathlib import Path

from ..agent.config import RunConfig
from ..tools.projectenv import detect_project_env
from ..tools.sandbox import ModeRefused, check_mode, make_sandbox
from ..tools.workspace import Workspace


def open_sandbox(root: Path, base: str, config: RunConfig, *, read_only: bool = False,
                 image: str | None = None, repo: Path | None = None) -> tuple[Workspace, closing]:
    """The workspace and a context manager that closes its sandbox. Warnings (auto fell back to local,
    read-only without isolation) are printed as one line each, not as Python warnings. `repo`: the user's
    repository, whose own environment (an ignored .venv, node_modules, ...) the commands then use."""
    project = detect_project_env(repo) if repo is not None else None
    if project is not None:
        print(f"patchsmith: using the project's {project.describe()}", file=sys.stderr)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        # SandboxUnavailable and ModeRefused are PatchsmithErrors: cli/main.py prints them as one line.
        sandbox = make_sandbox(config.sandbox, Path(root), read_only=read_only, network=False, image=image,
                               project=project)
        try:
            check_mode(config.mode, sandbox)
        except ModeRefused:
            sandbox.close()
            raise
    for warning in caught:
        print(f"patchsmith: warning: {warning.message}", file=sys.stderr)
    ws = Workspace(root=Path(root), base=base, sandbox=sandbox, test_command=config.test_command,
                   read_only=read_only, command_timeout=config.command_timeout,
                   observation_budget=config.observation_budget)
    return ws, closing(sandbox)
