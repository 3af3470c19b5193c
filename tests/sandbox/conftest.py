"""Backends for the sandbox suite: every backend this machine has; in CI a missing backend is an error."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from patchsmith.tools.sandbox import Sandbox, backend_status, make_sandbox

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


def _sandbox(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    kind = request.param
    require_backend(kind)
    root = tmp_path_factory.mktemp(f"ws-{kind}")
    sandbox = make_sandbox(kind, root)  # one per module: docker pays its container start once
    yield sandbox
    sandbox.close()


@pytest.fixture(scope="module", params=ALL)
def sandbox(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    yield from _sandbox(request, tmp_path_factory)


@pytest.fixture(scope="module", params=ISOLATING)
def isolating(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    yield from _sandbox(request, tmp_path_factory)


@pytest.fixture
def ws(sandbox: Sandbox) -> Path:
    return Path(sandbox.root)  # type: ignore[attr-defined]
