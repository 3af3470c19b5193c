"""Sandbox backends. `make_sandbox` picks one by name; see base.Sandbox for the contract.

Backends: `local` (plain subprocess, no isolation), `bwrap` (bubblewrap on the host), `docker` (one container
per run), `auto` (bwrap when it works here, else local with a SandboxFallbackWarning).

Permission modes are enforced here as well as in the UI (`check_mode`):
- `full-auto` is refused unless the backend isolates (bwrap, docker).
- `read-only` needs the workspace mounted read-only (bwrap/docker made with read_only=True). The local backend
  cannot stop a command from writing: there the tools refuse edits (Workspace.read_only) and commands still run
  as the user, which check_mode reports with a warning.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from pathlib import Path

from ...errors import PatchsmithError
from ..modes import MODES
from ..projectenv import ProjectEnv
from .base import (
    DEFAULT_OUTPUT_CAP,
    SANDBOX_KINDS,
    ExecResult,
    Sandbox,
    SandboxUnavailable,
    mask_secrets,
    scrubbed_env,
    secret_values,
)
from .engine import IMAGE_PATH
from .limits import Limits
from .local import LocalSandbox

BACKENDS = tuple(kind for kind in SANDBOX_KINDS if kind != "auto")


class SandboxFallbackWarning(UserWarning):
    """`auto` fell back to the unisolated local backend."""


class ModeRefused(PatchsmithError, RuntimeError):
    """A permission mode the chosen sandbox cannot uphold; the message says which backend to use."""


def backend_status(kind: str) -> str | None:
    """None when backend `kind` can run on this machine, else the reason in one line."""
    if kind == "local":
        return None
    if kind == "bwrap":
        from .bwrap import bwrap_status

        return bwrap_status()
    if kind == "docker":
        from .engine import docker_client

        try:
            docker_client(timeout=10)
        except SandboxUnavailable as exc:
            return str(exc)
        return None
    raise ValueError(f"unknown sandbox {kind!r}; choose one of {', '.join((*BACKENDS, 'auto'))}")


def available_backends() -> dict[str, str | None]:
    """Each backend mapped to None (usable here) or the reason it is not."""
    return {kind: backend_status(kind) for kind in BACKENDS}


def resolve_kind(kind: str) -> tuple[str, str | None]:
    """The concrete backend for `kind`, and why `auto` fell back to local (None when it did not)."""
    if kind != "auto":
        if kind not in BACKENDS:
            raise ValueError(f"unknown sandbox {kind!r}; choose one of {', '.join((*BACKENDS, 'auto'))}")
        return kind, None
    reason = backend_status("bwrap")
    if reason is None:
        return "bwrap", None
    return "local", f"commands run without isolation (--sandbox local): {reason}"


def make_sandbox(kind: str, root: Path, *, read_only: bool = False, network: bool = False,
                 image: str | None = None, output_cap: int = DEFAULT_OUTPUT_CAP,
                 base_env: Mapping[str, str] | None = None, run_id: str | None = None,
                 ro_paths: list[Path] | None = None, limits: Limits | None = None,
                 project: ProjectEnv | None = None) -> Sandbox:
    """A sandbox of backend `kind` (local|bwrap|docker|auto) whose writable area is `root`.

    `image` is for docker only (default: the base image). `ro_paths` are host folders shown read-only at
    the same path (e.g. a cache of virtualenvs under the home, which bwrap would otherwise hide); local
    sees everything anyway. A linked git worktree's git dirs are mounted automatically. `project` is the
    user's own environment (projectenv): shown read-only at its paths and put first in the commands'
    variables. Raises SandboxUnavailable (one line) when the backend cannot run here; `auto` instead falls
    back to local and warns with SandboxFallbackWarning.
    """
    kind, fallback = resolve_kind(kind)
    root = Path(root)
    if fallback:
        warnings.warn(fallback, SandboxFallbackWarning, stacklevel=2)
    if project is not None:
        ro_paths, base_env = _with_project(kind, root, project, ro_paths, base_env)
    if kind == "local":
        return LocalSandbox(root, output_cap=output_cap, base_env=base_env, read_only=read_only, limits=limits)
    if kind == "bwrap":
        from .bwrap import BwrapSandbox

        return BwrapSandbox(root, read_only=read_only, network=network, output_cap=output_cap, base_env=base_env,
                            ro_paths=ro_paths, limits=limits)
    if kind == "docker":
        from .docker import DockerSandbox

        return DockerSandbox(root, image=image, read_only=read_only, network=network, output_cap=output_cap,
                             base_env=base_env, run_id=run_id, ro_paths=ro_paths, limits=limits)
    raise ValueError(f"unknown sandbox {kind!r}; choose one of {', '.join((*BACKENDS, 'auto'))}")


def _with_project(kind: str, root: Path, project: ProjectEnv, ro_paths: list[Path] | None,
                  base_env: Mapping[str, str] | None) -> tuple[list[Path], dict[str, str]]:
    """ro_paths and base_env with the project's environment added. In docker the host's PATH means nothing,
    so the environment's folders go before the image's own PATH, and only its variables are passed."""
    env = dict(os.environ if base_env is None and kind != "docker" else base_env or {})
    path = env.get("PATH") or (IMAGE_PATH if kind == "docker" else os.environ.get("PATH", ""))
    env.update(project.variables(path, root.resolve(), env.get("PYTHONPATH", "")))
    return [*(ro_paths or []), *project.shared], env


def check_mode(mode: str, sandbox: Sandbox) -> None:
    """Refuse a permission mode the sandbox cannot uphold (raises ModeRefused with what to do instead)."""
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; choose one of {', '.join(MODES)}")
    if mode == "full-auto" and not sandbox.isolates:
        raise ModeRefused(f"full-auto runs the model's commands without asking, so it needs an isolating "
                          f"sandbox: use --sandbox bwrap or --sandbox docker (not {sandbox.name})")
    if mode == "read-only":
        if sandbox.isolates and not getattr(sandbox, "read_only", False):
            raise ModeRefused(f"read-only mode needs the workspace mounted read-only; make the {sandbox.name} "
                              "sandbox with read_only=True")
        if not sandbox.isolates:
            warnings.warn("read-only with the local sandbox: edits are refused, but commands run as you and "
                          "could still write; use --sandbox bwrap or docker to enforce it", UserWarning,
                          stacklevel=2)


__all__ = ["BACKENDS", "DEFAULT_OUTPUT_CAP", "ExecResult", "Limits", "LocalSandbox", "MODES", "ModeRefused", "Sandbox",
           "SandboxFallbackWarning", "SandboxUnavailable", "available_backends", "backend_status", "check_mode",
           "make_sandbox", "mask_secrets", "resolve_kind", "scrubbed_env", "secret_values"]
