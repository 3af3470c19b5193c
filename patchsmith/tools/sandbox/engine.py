"""The Docker engine connection and the labels that mark everything patchsmith creates there."""

from __future__ import annotations

from typing import Any

from .base import SandboxUnavailable

# Containers and images carry these labels so that `cleanup_stale` / `images prune` find only ours.
LABEL_SANDBOX = "patchsmith.sandbox"
LABEL_RUN = "patchsmith.run-id"
LABEL_PID = "patchsmith.owner-pid"
LABEL_HOST = "patchsmith.owner-host"
LABEL_IMAGE = "patchsmith.image"  # "base", "toolchain" (compilers), "python" (a copied interpreter) or "env"
LABEL_SUITE = "patchsmith.suite"
LABEL_ENV_KEY = "patchsmith.env-key"
LABEL_SPEC = "patchsmith.env-spec"
LABEL_REPO = "patchsmith.repo"  # an environment image's repository (owner/name)
LABEL_PYTHON = "patchsmith.python"  # the interpreter an image's venv is on
IMAGE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"  # Debian's, which our images keep


def docker_client(timeout: int = 120) -> Any:
    """A connected Docker SDK client, or SandboxUnavailable with one line saying what is wrong."""
    try:
        import docker  # the Docker SDK for Python (top-level package, not this module's sibling)
    except ImportError as exc:  # pragma: no cover - it is a declared dependency
        raise SandboxUnavailable("the docker sandbox needs the Docker SDK: pip install docker") from exc
    try:
        client = docker.from_env(timeout=timeout)
        client.ping()
    except Exception as exc:
        raise SandboxUnavailable(
            f"no Docker engine reachable ({type(exc).__name__}); start dockerd or set DOCKER_HOST, "
            "or use --sandbox bwrap/local") from exc
    return client
