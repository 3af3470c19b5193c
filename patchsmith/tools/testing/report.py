"""The structured result of a test run, shared by every runner's parser."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Status = Literal["passed", "failed", "error", "skipped", "xfail"]
STATUSES: tuple[Status, ...] = ("passed", "failed", "error", "skipped", "xfail")
MAX_CASE_OUTPUT = 4_000  # characters of failure output kept per test


class TestCase(BaseModel):
    __test__ = False  # not a pytest test class

    id: str
    status: Status
    message: str = ""  # one line: the assertion, the skip reason
    output: str = ""  # the failure's traceback/details, trimmed


class ParsedRun(BaseModel):
    """What a parser reads from a runner's output."""

    tests: list[TestCase] = Field(default_factory=list)
    counts: dict[str, int] | None = None  # from the runner's own summary line, when it printed one
    collected_ok: bool = True
    problem: str = ""  # why collection failed (import error, usage error, no tests)


class TestReport(BaseModel):
    __test__ = False

    runner: str  # pytest | unittest | node | custom
    command: str
    exit_code: int
    collected_ok: bool = True
    timed_out: bool = False
    duration: float = 0.0
    tests: list[TestCase] = Field(default_factory=list)
    counts: dict[str, int] = Field(default_factory=dict)  # passed/failed/error/skipped/xfail/total
    problem: str = ""
    output_tail: str = ""  # the end of the raw output, for when per-test results could not be read

    def failing(self) -> list[TestCase]:
        return [t for t in self.tests if t.status in ("failed", "error")]


def tally(tests: list[TestCase]) -> dict[str, int]:
    counts = dict.fromkeys(STATUSES, 0)
    for t in tests:
        counts[t.status] += 1
    counts["total"] = len(tests)
    return counts


def trim_output(text: str, limit: int = MAX_CASE_OUTPUT) -> str:
    """Keep the end: the assertion and the innermost frames are at the bottom of a traceback."""
    text = text.strip("\n")
    if len(text) <= limit:
        return text
    return "[...]\n" + text[-limit:]
