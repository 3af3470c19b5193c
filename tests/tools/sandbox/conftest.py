"""Backends for the sandbox suite: every backend this machine has; in CI a missing backend is an error."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sandbox_backends import ALL, ISOLATING, in_ci, require_backend

from patchsmith.tools.sandbox import Sandbox, make_sandbox


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


_skipped_backend_tests: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped and ({"docker", "bwrap"} & set(report.keywords)):
        _skipped_backend_tests.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """In CI a skipped docker/bwrap test is a failure: the suite must prove both backends every time."""
    if in_ci() and _skipped_backend_tests:
        print(f"\nCI: {len(_skipped_backend_tests)} docker/bwrap test(s) were skipped, e.g. "
              f"{_skipped_backend_tests[0]}; the sandbox backends must run in CI")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
