"""Running a repository's tests and reading the results, one parser module per runner."""

from __future__ import annotations

from . import cargo_parser, go_parser, js_parser, node_parser, pytest_parser, unittest_parser
from .report import ParsedRun, Status, TestCase, TestReport, tally

PARSERS = {"pytest": pytest_parser.parse, "unittest": unittest_parser.parse, "node": node_parser.parse,
           "go": go_parser.parse, "cargo": cargo_parser.parse,
           "js": js_parser.parse}


def parse_output(parser: str, output: str, exit_code: int | None = None) -> ParsedRun:
    """Parse with the named parser; `auto` tries each and keeps the one that recognised the most."""
    if parser in PARSERS:
        return PARSERS[parser](output, exit_code)
    best = ParsedRun()
    for parse in PARSERS.values():
        run = parse(output, exit_code)
        if len(run.tests) + (1 if run.counts else 0) > len(best.tests) + (1 if best.counts else 0):
            best = run
    return best


__all__ = ["PARSERS", "ParsedRun", "Status", "TestCase", "TestReport", "parse_output", "tally"]
