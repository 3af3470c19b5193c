"""`run_tests`: run the repository's tests (configured or auto-detected) and summarise the result for the model."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .base import MemoryUpdate, Tool
from .guard import git_errors_observed
from .observation import Observation, observe

if TYPE_CHECKING:  # the workspace (sandbox, git snapshots) loads with a run, not with a reader of tools
    from .testing import TestReport
    from .workspace import Workspace

MAX_FAILING_LISTED = 30
MAX_FAILURES_SHOWN = 3
FAILURE_CHARS = 1_500  # of each shown failure's output
TAIL_CHARS = 3_000

DESCRIPTION = (
    "Run the repository's tests (pytest, unittest or node --test, detected automatically, or the configured test "
    "command). Without `tests` the whole suite runs; `tests` narrows it to test ids or paths, e.g. "
    "[\"tests/test_api.py::test_get\"] (pytest), [\"tests.test_api.TestGet.test_ok\"] (unittest), "
    "[\"test/api.test.js\"] (node). Returns each test's status, the failing tests, and the failure output."
)


class RunTestsArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tests: list[str] | None = Field(None, description="optional test ids or paths to run (default: all tests)")

    @field_validator("tests", mode="before")
    @classmethod
    def _one_string(cls, value: object) -> object:
        # Models often send "tests/test_a.py tests/test_b.py" instead of a list.
        return value.split() if isinstance(value, str) else value


def _summary_line(report: TestReport) -> str:
    c = report.counts
    parts = [f"{c[k]} {k}" for k in ("failed", "error", "passed", "skipped", "xfail") if c.get(k)]
    return ", ".join(parts) or "no tests ran"


def summarise(report: TestReport) -> str:
    lines = [f"Ran: {report.command}",
             f"Result: {_summary_line(report)} (exit code {report.exit_code}, {report.duration:.1f}s)"]
    if report.timed_out:
        lines.append("The test run timed out and was killed; run fewer tests (pass `tests`) or look for a hang.")
    if not report.collected_ok:
        lines.append("The tests could not be collected/run:")
        lines.append(report.problem.strip() or "(no details)")
    failing = report.failing()
    if failing:
        lines.append(f"Failing tests ({len(failing)}):")
        for t in failing[:MAX_FAILING_LISTED]:
            msg = f" - {t.message}" if t.message else ""
            lines.append(f"  {t.status.upper()} {t.id}{msg[:200]}")
        if len(failing) > MAX_FAILING_LISTED:
            lines.append(f"  [... {len(failing) - MAX_FAILING_LISTED} more failing tests]")
        shown = [t for t in failing if t.output][:MAX_FAILURES_SHOWN]
        if shown:
            lines.append(f"Failure output (first {len(shown)}):")
        for t in shown:
            out = t.output if len(t.output) <= FAILURE_CHARS else "[...]\n" + t.output[-FAILURE_CHARS:]
            lines.append(f"--- {t.id} ---\n{out}")
    nothing_read = not report.tests and not report.counts.get("total")
    if report.timed_out or nothing_read or (not failing and report.exit_code != 0):
        lines.append("Last lines of the output:")
        lines.append(report.output_tail.strip() or "(no output)")
    elif not failing and report.exit_code == 0:
        lines.append("All tests passed.")
    return "\n".join(lines)


def run_tests(ws: Workspace, args: RunTestsArgs) -> Observation:
    # The runners' parsers load with the first test run: a reader of trajectories (the inspector) needs
    # this tool's summary, not its parsers.
    from .sandbox.base import mask_secrets, secret_values
    from .testing import TestReport, parse_output, tally
    from .testing.detect import plan

    tests = [t.strip() for t in (args.tests or []) if t.strip()]
    bad = [t for t in tests if t.startswith("-")]
    if bad:
        return Observation.fail(f"tests must be test ids or paths, not options ({', '.join(bad)}); to pass runner "
                                f"options, use bash")
    chosen = plan(ws, tests)
    if isinstance(chosen, str):
        return Observation.fail(chosen)
    result = ws.exec(chosen.command, timeout=ws.command_timeout)
    output = mask_secrets(result.output, secret_values())
    parsed = parse_output(chosen.parser, output, result.exit_code)
    report = TestReport(runner=chosen.runner, command=chosen.command, exit_code=result.exit_code,
                        collected_ok=parsed.collected_ok, timed_out=result.timed_out,
                        duration=round(result.duration, 3), tests=parsed.tests,
                        counts=parsed.counts or tally(parsed.tests), problem=parsed.problem,
                        output_tail=output[-TAIL_CHARS:])
    return observe(summarise(report), budget=ws.observation_budget, **report.model_dump())


def _summary(args: dict, data: dict) -> str:
    counts = data.get("counts")
    tail = " → " + ", ".join(f"{v} {k}" for k, v in counts.items() if v) if isinstance(counts, dict) else ""
    return " ".join(map(str, args.get("tests") or ["all"])) + tail


def _remember(args: dict, obs: Observation) -> MemoryUpdate | None:
    counts = obs.data.get("counts") or {}
    if not counts and not obs.ok and not obs.data:
        return None  # refused or denied: no test ran, the last real result still stands
    failing_ids = [t.get("id") for t in obs.data.get("tests", []) if t.get("status") in ("failed", "error")]
    if counts:
        failing: int | None = int(counts.get("failed", 0)) + int(counts.get("error", 0))
        text = ", ".join(f"{v} {k}" for k, v in counts.items() if v)
        if failing_ids:
            text += "; failing: " + ", ".join(failing_ids[:5]) + (" ..." if len(failing_ids) > 5 else "")
    else:
        failing = None
        text = obs.text.splitlines()[0][:200] if obs.text else "no result"
    return MemoryUpdate(tests=text or "no tests ran", failing=failing)


run_tests_tool = Tool(name="run_tests", description=DESCRIPTION, args=RunTestsArgs, fn=git_errors_observed(run_tests),
                      runs_commands=True, runs_tests=True, summary_of=_summary, remember=_remember,
                      preview_of=lambda args: "run tests: " + (" ".join(args.get("tests") or []) or "(all)"))
