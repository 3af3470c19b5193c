"""pytest: per-test results from the `-rA` short test summary, failure output from the FAILURES/ERRORS sections."""

from __future__ import annotations

import re

from .report import ParsedRun, TestCase, trim_output

SUMMARY_HEADER = re.compile(r"^=+ short test summary info =+$")
SECTION_HEADER = re.compile(r"^=+ (.+?) =+$")
CASE_HEADER = re.compile(r"^_+ (.+?) _+$")
RESULT = re.compile(r"^(PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS) (.+)$")
SKIP = re.compile(r"^\[(\d+)\] (.+?): (.*)$")
FINAL = re.compile(r"(\d+) (passed|failed|errors?|skipped|xfailed|xpassed|deselected|warnings?|rerun)\b")
DURATION = re.compile(r"\bin [\d.]+s\b")
# `-v` progress lines: `tests/test_a.py::test_x SKIPPED (reason)    [ 36%]`; they name every test, which matters
# when a configured command lacks -rA (the summary then lists failures only, and skips by location).
VERBOSE = re.compile(r"^(\S.*?::.*?) (PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS)(?: \((.*)\))?\s+\[\s*\d+%\]$")
STATUS = {"PASSED": "passed", "FAILED": "failed", "ERROR": "error", "SKIPPED": "skipped", "XFAIL": "xfail",
          "XPASS": "passed"}


def _split_id(rest: str) -> tuple[str, str]:
    """`id - message` where the id may itself hold ` - ` inside [parameters]: split at the first ` - ` with
    balanced brackets on its left."""
    pos = rest.find(" - ")
    while pos >= 0:
        left = rest[:pos]
        if left.count("[") == left.count("]"):
            return left, rest[pos + 3 :]
        pos = rest.find(" - ", pos + 3)
    return rest, ""


def _sections(lines: list[str]) -> list[tuple[str, str]]:
    """(title, body) of each FAILURES/ERRORS sub-section, e.g. `TestK.test_m`, `ERROR at setup of test_x`;
    titles repeat when tests in different files share a name."""
    out: list[tuple[str, str]] = []
    in_section = False
    title, body = None, []
    for line in lines:
        header = SECTION_HEADER.match(line)
        case = CASE_HEADER.match(line) if in_section and not header else None
        if header or case:
            if title is not None:
                out.append((title, "\n".join(body)))
            title, body = (case.group(1) if case else None), []
            if header:
                in_section = header.group(1) in ("FAILURES", "ERRORS")
        elif title is not None:
            body.append(line)
    if title is not None:
        out.append((title, "\n".join(body)))
    return out


def _section_key(test_id: str) -> str:
    """The title pytest gives a test's failure section: the id after the file, `::` written as `.`."""
    parts = test_id.split("::")
    return ".".join(parts[1:]) if len(parts) > 1 else parts[0]


def parse(output: str, exit_code: int | None = None) -> ParsedRun:
    lines = output.splitlines()
    run = ParsedRun()
    start = next((i for i, line in enumerate(lines) if SUMMARY_HEADER.match(line)), None)
    if start is not None:
        for line in lines[start + 1 :]:
            m = RESULT.match(line)
            if not m:
                continue
            word, rest = m.groups()
            if word == "SKIPPED":
                s = SKIP.match(rest)
                where, reason = (s.group(2), s.group(3)) if s else (rest, "")
                run.tests.append(TestCase(id=where, status="skipped", message=reason))
                continue
            test_id, message = _split_id(rest)
            if word == "XPASS":
                message = ("XPASS " + message).strip()
            run.tests.append(TestCase(id=test_id.strip(), status=STATUS[word], message=message.strip()))
    _merge_verbose(run, lines)
    for line in reversed(lines):
        if DURATION.search(line) and (FINAL.search(line) or "no tests ran" in line):
            counts = dict.fromkeys(("passed", "failed", "error", "skipped", "xfail"), 0)
            for num, word in FINAL.findall(line):
                key = {"errors": "error", "xfailed": "xfail", "xpassed": "passed"}.get(word, word)
                if key in counts:
                    counts[key] += int(num)
            counts["total"] = sum(counts.values())
            run.counts = counts
            break
    _attach_sections(run, lines)
    _collection(run, lines, exit_code)
    return run


def _merge_verbose(run: ParsedRun, lines: list[str]) -> None:
    verbose: dict[str, TestCase] = {}
    for line in lines:
        m = VERBOSE.match(line)
        if m:
            test_id, word, reason = m.groups()
            if test_id not in verbose or STATUS[word] in ("failed", "error"):
                verbose[test_id] = TestCase(id=test_id, status=STATUS[word], message=reason or "")
    if not verbose:
        return
    if any(t.status == "skipped" for t in verbose.values()):
        run.tests = [t for t in run.tests if not (t.status == "skipped" and "::" not in t.id)]
    known = {t.id for t in run.tests}
    run.tests.extend(t for t in verbose.values() if t.id not in known)


def _attach_sections(run: ParsedRun, lines: list[str]) -> None:
    sections = _sections(lines)
    used: set[int] = set()
    for test in run.tests:
        if test.status not in ("failed", "error"):
            continue
        key = _section_key(test.id)
        file = test.id.split("::", 1)[0]
        titles = {key, f"ERROR at setup of {key}", f"ERROR at teardown of {key}", f"ERROR collecting {test.id}"}
        candidates = [i for i, (title, _) in enumerate(sections) if title in titles and i not in used]
        # Same-named tests in different files: the section whose traceback names this test's file.
        chosen = next((i for i in candidates if file in sections[i][1]), candidates[0] if candidates else None)
        if chosen is not None:
            used.add(chosen)
            test.output = trim_output(sections[chosen][1])


def _collection(run: ParsedRun, lines: list[str], exit_code: int | None) -> None:
    interrupted = next((line for line in lines if "Interrupted:" in line), None)
    collect_errors = [t for t in run.tests if t.status == "error" and "::" not in t.id and ":" not in t.id]
    if interrupted or collect_errors:
        run.collected_ok = False
        where = f" in {', '.join(t.id for t in collect_errors)}" if collect_errors else ""
        run.problem = (interrupted.strip("! ") if interrupted else "errors during collection") + where + \
            " (the failure output below shows why)"
    elif exit_code == 5 or (run.counts is not None and run.counts["total"] == 0 and not run.tests):
        run.collected_ok = False
        run.problem = "no tests were collected (check the test ids/paths, or the test file names)"
    elif exit_code in (3, 4) and not run.tests:
        run.collected_ok = False
        usage = [line for line in lines if line.startswith(("ERROR:", "error:", "INTERNALERROR"))]
        run.problem = "\n".join(usage[:10]) or f"pytest stopped with exit code {exit_code} before running tests"
