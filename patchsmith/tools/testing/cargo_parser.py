"""`cargo test` (libtest's output): `test name ... ok|FAILED|ignored`, `---- name stdout ----` details,
and one `test result:` summary per test binary."""

from __future__ import annotations

import re

from .report import ParsedRun, Status, TestCase, trim_output

RESULT = re.compile(r"^test (\S+?)(?: - should panic)? \.\.\. (ok|FAILED|ignored(?:, .*)?)$")
DETAIL = re.compile(r"^---- (\S+) std(?:out|err) ----$")
SUMMARY = re.compile(r"^test result: \w+\. (\d+) passed; (\d+) failed; (\d+) ignored;")
STATUS: dict[str, Status] = {"ok": "passed", "FAILED": "failed", "ignored": "skipped"}


def parse(output: str, exit_code: int | None = None) -> ParsedRun:
    run = ParsedRun()
    cases: dict[str, TestCase] = {}
    details: dict[str, list[str]] = {}
    current: str | None = None
    totals = [0, 0, 0]
    summaries = 0
    for line in output.splitlines():
        if m := RESULT.match(line):
            name, word = m.groups()
            cases[name] = TestCase(id=name, status=STATUS[word.split(",")[0]],
                                   message=word.partition(", ")[2] if word.startswith("ignored") else "")
            current = None
        elif m := DETAIL.match(line):
            current = m.group(1)
            details[current] = []
        elif line.strip() == "failures:" or line.startswith("test result:"):
            current = None
            if m := SUMMARY.match(line):
                summaries += 1
                totals = [t + int(x) for t, x in zip(totals, m.groups(), strict=True)]
        elif current is not None:
            details[current].append(line)
    for name, lines in details.items():
        if name in cases:
            text = "\n".join(lines)
            cases[name].output = trim_output(text)
            cases[name].message = next((x.strip() for x in lines if x.strip() and not x.startswith("thread ")),
                                       "")[:300]
    run.tests = list(cases.values())
    if summaries:
        run.counts = {"passed": totals[0], "failed": totals[1], "error": 0, "skipped": totals[2], "xfail": 0,
                      "total": sum(totals)}
    elif re.search(r"^error(\[E\d+\])?: ", output, re.M):
        run.collected_ok = False
        first = next(x for x in output.splitlines() if re.match(r"^error(\[E\d+\])?: ", x))
        run.problem = f"the crate did not compile: {first[:300]}"
    return run
