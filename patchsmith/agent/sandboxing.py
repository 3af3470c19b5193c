"""Open the workspace's sandbox for a run, with the permission mode checked at the boundary."""

from __future__ import annotations

from contextlib import closing
from pathlib import Path

from ..tools.sandbox import SandboxUnavailable, check_mode, make_sandbox
from ..tools.workspace import Workspace
from .config import RunConfig
from .errors import UserError


def open_sandbox(root: Path, base: str, config: RunConfig, *, read_only: bool = False,
                 image: str | None = None) -> tuple[Workspace, closing]:
    try:
        sandbox = make_sandbox(config.sandbox, Path(root), read_only=read_only, network=False, image=image)
    except SandboxUnavailable as exc:
        raise UserError(str(exc)) from None
    except ValueError as exc:
        raise UserError(f"--sandbox {config.sandbox}: {exc}") from None
    try:
        check_mode(config.mode, sandbox)
    except (SandboxUnavailable, ValueError) as exc:
        sandbox.close()
        raise UserError(str(exc)) from None
    ws = Workspace(root=Path(root), base=base, sandbox=sandbox, test_command=config.test_command,
                   read_only=read_only)
    return ws, closing(sandbox)
