"""The Sandbox contract: run one shell command somewhere, bounded in time and output."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Literal, Protocol, get_args, runtime_checkable

from pydantic import BaseModel

from ...errors import PatchsmithError

SandboxKind = Literal["auto", "local", "bwrap", "docker"]  # auto: bwrap where it works here, else local
SANDBOX_KINDS: tuple[SandboxKind, ...] = get_args(SandboxKind)
DEFAULT_TIMEOUT = 120.0
DEFAULT_OUTPUT_CAP = 1_000_000  # bytes kept from a command's combined output

# Variables that look like credentials are never handed to commands the model chose.
SECRET_NAME = re.compile(r"(KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|AUTH|COOKIE|SESSION)", re.I)
SAFE_NAMES = {"PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TERM", "TZ", "USER", "LOGNAME", "SHELL",
              "TMPDIR", "PYTHONPATH", "VIRTUAL_ENV", "PYENV_ROOT", "NODE_PATH", "GIT_AUTHOR_NAME",
              "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"}


class SandboxUnavailable(PatchsmithError, RuntimeError):
    """A backend cannot run on this machine; the message is one line that says what to install or enable."""


class ExecResult(BaseModel):
    exit_code: int
    output: str
    duration: float
    timed_out: bool = False
    truncated: bool = False


@runtime_checkable
class Sandbox(Protocol):
    """Runs commands with `root` (the workspace) as the writable area."""

    name: str
    isolates: bool  # True when the model's commands cannot reach the user's home, secrets or network

    def exec(self, command: str, cwd: Path | None = None, timeout: float = DEFAULT_TIMEOUT,
             env: Mapping[str, str] | None = None) -> ExecResult: ...

    def close(self) -> None: ...


def scrubbed_env(base: Mapping[str, str] | None = None, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for a model-chosen command: the caller's, less anything that looks like a secret."""
    source = dict(os.environ if base is None else base)
    env = {k: v for k, v in source.items() if k in SAFE_NAMES or not SECRET_NAME.search(k)}
    env.setdefault("PATH", "/usr/local/bin:/usr/bin:/bin")
    # Non-interactive pagers/editors so that `git log` or `git commit` never wait for a terminal.
    env.update({"PAGER": "cat", "GIT_PAGER": "cat", "GIT_EDITOR": "true", "EDITOR": "true",
                "PIP_NO_INPUT": "1", "PYTHONDONTWRITEBYTECODE": "1"})
    if extra:
        env.update(extra)
    return env


def secret_values(env: Mapping[str, str] | None = None, min_len: int = 8) -> list[str]:
    """Values of secret-looking variables, to mask wherever they would be shown or recorded."""
    source = os.environ if env is None else env
    return sorted({v for k, v in source.items()
                   if k not in SAFE_NAMES and SECRET_NAME.search(k) and len(v) >= min_len}, key=len, reverse=True)


def mask_secrets(text: str, secrets: list[str]) -> str:
    for value in secrets:
        if value in text:
            text = text.replace(value, "***")
    return text
