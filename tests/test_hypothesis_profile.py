"""The fuzz tests' profile: the same cases every run in CI (no random red builds), new ones locally."""

from __future__ import annotations

from conftest import hypothesis_profile
from hypothesis import given, settings
from hypothesis import strategies as st


def drawn(profile: str) -> list[int]:
    """Every value one run of a property test draws under `profile`."""
    seen: list[int] = []

    @settings(settings.get_profile(profile), database=None, max_examples=30)
    @given(st.integers(-(10**12), 10**12))
    def prop(n: int) -> None:
        seen.append(n)

    prop()
    return seen


def test_ci_flags_pick_the_derandomized_profile() -> None:
    assert hypothesis_profile({"CI": "true"}) == "ci"
    assert hypothesis_profile({"PATCHSMITH_CI": "1"}) == "ci"
    assert hypothesis_profile({"CI": "false", "PATCHSMITH_CI": "0"}) == "dev"
    assert hypothesis_profile({}) == "dev"
    assert settings.get_profile("ci").derandomize and not settings.get_profile("dev").derandomize


def test_ci_profile_draws_the_same_cases_every_run() -> None:
    first = drawn("ci")
    assert len(first) == 30 and first == drawn("ci")


def test_dev_profile_explores_new_cases() -> None:
    assert drawn("dev") != drawn("dev")  # two runs of 30 draws from 2*10^12 values: equal only by a bug
