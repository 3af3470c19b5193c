"""jest, vitest and mocha, run with their JSON reporters (`jest --json`, `vitest run --reporter=json`,
`mocha --reporter json`): jest and vitest share one shape (testResults/assertionResults), mocha has its own
(tests/failures/pending). Console output around the JSON is skipped."""

from __future__ import annotations

import json
from typing import Any

from . import node_parser
from .report import ParsedRun, Status, TestCase, tally, trim_output

JEST_STATUS: dict[str, Status] = {"passed": "passed", "failed": "failed", "pending": "skipped", "skipped": "skipped",
                                  "todo": "skipped", "disabled": "skipped"}
SEP = " > "


def parse(output: str, exit_code: int | None = None) -> ParsedRun:
    report = _json_object(output)
    if report is None:  # the script ignored the reporter flag: read what it printed as node's runner would
        return node_parser.parse(output, exit_code)
    if "testResults" in report:
        return _jest(report)
    if "stats" in report and "tests" in report:
        return _mocha(report)
    return ParsedRun()


def _json_object(output: str) -> dict[str, Any] | None:
    """The reporter's object: the first line starting with `{` from which a whole JSON object decodes."""
    decoder = json.JSONDecoder()
    at = 0
    while (start := output.find("{", at)) != -1:
        if start == 0 or output[start - 1] == "\n":
            try:
                obj, _ = decoder.raw_decode(output, start)
            except ValueError:
                obj = None
            if isinstance(obj, dict) and ("testResults" in obj or "stats" in obj):
                return obj
        at = start + 1
    return None


def _jest(report: dict[str, Any]) -> ParsedRun:
    run = ParsedRun()
    for suite in report.get("testResults") or []:
        if not isinstance(suite, dict):
            continue
        cases = [c for c in suite.get("assertionResults") or [] if isinstance(c, dict)]
        if not cases and suite.get("status") == "failed":  # the file itself did not load
            message = str(suite.get("message") or suite.get("failureMessage") or "")
            run.tests.append(TestCase(id=str(suite.get("name", "?")), status="error",
                                      message=_first(message), output=trim_output(message)))
        for case in cases:
            # Built from the parts: vitest's fullName starts with an empty file-level title (" adds").
            ancestors = [str(a) for a in case.get("ancestorTitles") or [] if str(a).strip()]
            title = SEP.join([*ancestors, str(case.get("title") or case.get("fullName") or "?").strip()])
            status = JEST_STATUS.get(str(case.get("status")), "failed")
            failure = "\n".join(str(m) for m in case.get("failureMessages") or [])
            run.tests.append(TestCase(id=str(title), status=status, message=_first(failure),
                                      output=trim_output(failure) if status == "failed" else ""))
    total = report.get("numTotalTests")
    # Counted from the tests themselves: vitest 1's summary counts skipped tests as passed.
    run.counts = tally(run.tests) if run.tests else None
    if not run.tests and not total:
        run.collected_ok = False
        run.problem = "no tests were found"
    return run


def _mocha(report: dict[str, Any]) -> ParsedRun:
    run = ParsedRun()
    failed = {_key(t) for t in report.get("failures") or [] if isinstance(t, dict)}
    pending = {_key(t) for t in report.get("pending") or [] if isinstance(t, dict)}
    for test in report.get("tests") or []:
        if not isinstance(test, dict):
            continue
        key = _key(test)
        err = test.get("err") if isinstance(test.get("err"), dict) else {}
        if key in pending or test.get("pending"):
            run.tests.append(TestCase(id=key, status="skipped"))
        elif key in failed or err:
            detail = "\n".join(str(x) for x in (err.get("message"), err.get("stack")) if x)
            run.tests.append(TestCase(id=key, status="failed", message=_first(str(err.get("message", ""))),
                                      output=trim_output(detail)))
        else:
            run.tests.append(TestCase(id=key, status="passed"))
    for hook in report.get("failures") or []:  # a failing hook ("before all" ...) is no test of its own
        if isinstance(hook, dict) and _key(hook) not in {t.id for t in run.tests}:
            err = hook.get("err") if isinstance(hook.get("err"), dict) else {}
            run.tests.append(TestCase(id=_key(hook), status="error", message=_first(str(err.get("message", "")))))
    stats = report.get("stats") or {}
    if isinstance(stats, dict) and isinstance(stats.get("tests"), int):
        run.counts = {"passed": int(stats.get("passes") or 0), "failed": int(stats.get("failures") or 0),
                      "error": 0, "skipped": int(stats.get("pending") or 0), "xfail": 0}
        run.counts["total"] = sum(run.counts.values())
    return run


def _key(test: dict[str, Any]) -> str:
    return str(test.get("fullTitle") or test.get("title") or "?")


def _first(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")[:300]
