"""Shared by the sandbox tests: the backends to run against, and process-liveness helpers."""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

import pytest

from patchsmith.tools.sandbox import backend_status

ALL = [pytest.param("local", id="local"),
       pytest.param("bwrap", id="bwrap", marks=pytest.mark.bwrap),
       pytest.param("docker", id="docker", marks=pytest.mark.docker)]
ISOLATING = ALL[1:]


def in_ci() -> bool:
    return bool(os.environ.get("PATCHSMITH_CI") or os.environ.get("CI"))


def require_backend(kind: str) -> None:
    """Skip when `kind` cannot run here; in CI (PATCHSMITH_CI/CI set) fail instead, so nothing is skipped."""
    reason = backend_status(kind)
    if kind == "docker" and reason is None:
        from patchsmith.tools.sandbox.engine import docker_client
        from patchsmith.tools.sandbox.images import base_tag

        try:
            docker_client().images.get(base_tag())
        except Exception:
            reason = f"{base_tag()} is missing: run `python -m patchsmith images build base`"
    if reason:
        if in_ci():
            pytest.fail(f"the {kind} sandbox must run in CI: {reason}")
        pytest.skip(reason)


def heartbeat(ws: Path) -> tuple[Path, str]:
    """A file path and a shell loop that rewrites it every 0.05s for as long as the loop lives."""
    path = ws / f"hb-{uuid.uuid4().hex[:8]}"
    return path, f"while true; do date +%s%N > {path}; sleep 0.05; done"


def assert_stopped(path: Path) -> None:
    assert path.exists(), "the background loop never ran, so the test proves nothing"
    first = path.read_text()
    time.sleep(0.4)
    assert path.read_text() == first, "a process outlived its command"
