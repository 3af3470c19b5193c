"""unittest `-v`: `test_x (module.Class.test_x) ... ok` lines (and the pre-3.11 `test_x (module.Class)` form),
failure output from the `FAIL:`/`ERROR:` blocks."""

from __future__ import annotations

import re

from .report import ParsedRun, TestCase, tally, trim_output

HEADER = re.compile(r"^(\w+) \(([\w.]+)\)(?: \(([^)]*)\))?(?: \.\.\. ?(.*))?$")
SUB = re.compile(r"^\s+(\w+) \(([\w.]+)\) \((.*)\) \.\.\. (.*)$")
OUTCOME = re.compile(r"^(.*?)(?:\.\.\. )?(ok|FAIL|ERROR|skipped(?: .*)?|expected failure|unexpected success)$")
BLOCK = re.compile(r"^(FAIL|ERROR|UNEXPECTED SUCCESS): (\w+) \(([\w.]+)\)(?: \((.*)\))?$")
RAN = re.compile(r"^Ran (\d+) tests? in ")
TOTALS = re.compile(r"^(OK|FAILED)(?: \((.*)\))?$")
LOADER = "unittest.loader._FailedTest"


def _test_id(name: str, where: str) -> str:
    # 3.11+: `test_x (pkg.mod.Class.test_x)`; older: `test_x (pkg.mod.Class)`.
    return where if where.rsplit(".", 1)[-1] == name else f"{where}.{name}"


def _status(word: str) -> tuple[str, str]:
    if word == "ok":
        return "passed", ""
    if word == "FAIL":
        return "failed", ""
    if word == "ERROR":
        return "error", ""
    if word.startswith("skipped"):
        return "skipped", word[len("skipped") :].strip().strip("'\"")
    if word == "expected failure":
        return "xfail", "expected failure"
    return "failed", "unexpected success"


def parse(output: str, exit_code: int | None = None) -> ParsedRun:
    lines = output.splitlines()
    run = ParsedRun()
    by_id: dict[str, TestCase] = {}
    pending: str | None = None  # a test whose outcome word has not been printed yet (docstring, chatter)

    def record(test_id: str, word: str) -> None:
        status, message = _status(word)
        case = by_id.get(test_id)
        if case is None:
            case = by_id[test_id] = TestCase(id=test_id, status=status, message=message)
            run.tests.append(case)
        elif status in ("failed", "error"):
            case.status, case.message = status, message or case.message

    for line in lines:
        if line.startswith("=" * 20) or RAN.match(line):
            pending = None
            continue
        sub = SUB.match(line)
        if sub:
            name, where, params, word = sub.groups()
            m = OUTCOME.match(word)
            if m and m.group(2) in ("FAIL", "ERROR"):
                record(_test_id(name, where), m.group(2))
                by_id[_test_id(name, where)].message = f"subtest ({params}) {'failed' if m.group(2) == 'FAIL' else 'errored'}"
            pending = None
            continue
        head = HEADER.match(line)
        if head:
            name, where, _params, rest = head.groups()
            test_id = _test_id(name, where)
            m = OUTCOME.match(rest or "")
            if rest is not None and m and (m.group(1) == "" or rest.endswith(" ... " + m.group(2)) or rest == m.group(2)):
                record(test_id, m.group(2))
                pending = None
            else:
                pending = test_id
            continue
        if pending:
            m = OUTCOME.match(line.strip())
            if m and (line.strip() == m.group(2) or " ... " in line):
                record(pending, m.group(2))
                pending = None
    _attach_blocks(run, lines, by_id)
    _totals(run, lines)
    failed_loads = [t for t in run.tests if t.id.startswith(LOADER)]
    for t in failed_loads:
        t.id = t.id[len(LOADER) + 1 :]  # the module or name that could not be loaded
    if failed_loads:
        run.collected_ok = False
        run.problem = (f"could not load {', '.join(t.id for t in failed_loads)} (the failure output below shows "
                       f"why)")
    elif run.counts is not None and run.counts["total"] == 0:
        run.collected_ok = False
        run.problem = "no tests were found (unittest discovers files named test*.py in packages)"
    return run


def _attach_blocks(run: ParsedRun, lines: list[str], by_id: dict[str, TestCase]) -> None:
    i = 0
    while i < len(lines):
        m = BLOCK.match(lines[i])
        if not m:
            i += 1
            continue
        kind, name, where, params = m.groups()
        test_id = _test_id(name, where)
        j = i + 1
        if j < len(lines) and lines[j].startswith("-" * 20) and not (j + 1 < len(lines) and RAN.match(lines[j + 1])):
            j += 1
        body = []
        while j < len(lines) and not lines[j].startswith("=" * 20) and not (
                lines[j].startswith("-" * 20) and j + 1 < len(lines) and RAN.match(lines[j + 1])):
            body.append(lines[j])
            j += 1
        case = by_id.get(test_id)
        if case is None:
            status = "error" if kind == "ERROR" else "failed"
            case = by_id[test_id] = TestCase(id=test_id, status=status)
            run.tests.append(case)
        text = "\n".join(body).strip("\n")
        if params:
            text = f"[subtest {params}]\n{text}"
        case.output = trim_output(f"{case.output}\n\n{text}" if case.output else text)
        last = next((b.strip() for b in reversed(body) if b.strip()), "")
        if not case.message and kind != "UNEXPECTED SUCCESS":
            case.message = last[:300]
        i = j


def _totals(run: ParsedRun, lines: list[str]) -> None:
    ran = next((int(m.group(1)) for line in lines if (m := RAN.match(line))), None)
    if ran is None:
        return
    counts = dict.fromkeys(("passed", "failed", "error", "skipped", "xfail"), 0)
    totals = next((m for line in reversed(lines) if (m := TOTALS.match(line.strip()))), None)
    if totals and totals.group(2):
        for part in totals.group(2).split(","):
            key, _, num = part.strip().partition("=")
            if not num.isdigit():
                continue
            field = {"failures": "failed", "errors": "error", "skipped": "skipped", "expected failures": "xfail",
                     "unexpected successes": "failed"}.get(key)
            if field:
                counts[field] += int(num)
    counts["passed"] = max(0, ran - sum(counts.values()))
    counts["total"] = ran
    run.counts = counts
    if len(run.tests) >= ran:
        # Verbose output named every test: count those. The summary counts each failed subtest as a failure,
        # and from Python 3.12 on its "Ran N tests" leaves skipped tests out, so it disagrees across versions.
        run.counts = tally(run.tests)
