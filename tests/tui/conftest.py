"""Async Pilot tests run on anyio's pytest plugin (installed with httpx), asyncio backend only."""

import pytest


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
