"""`node --test`: the TAP reporter (`ok 1 - name`, YAML diagnostics) and the spec reporter (`✔ name (1ms)`)."""

from __future__ import annotations

import re

from .report import ParsedRun, TestCase, trim_output

TAP_RESULT = re.compile(r"^(\s*)(ok|not ok) \d+(?: - (.*?))?(?: # (SKIP|TODO)\b\s*(.*))?$", re.I)
TAP_SUBTEST = re.compile(r"^(\s*)# Subtest: (.*)$")
TAP_COUNT = re.compile(r"^# (tests|pass|fail|cancelled|skipped|todo) (\d+)$")
SPEC_LINE = re.compile(r"^(\s*)([✔✖﹣▶]) (.*)$")
SPEC_COUNT = re.compile(r"^ℹ (tests|pass|fail|cancelled|skipped|todo) (\d+)$")
SPEC_TAIL = re.compile(r"^(.*?)(?: \(([\d.]+m?s)\))?(?: # (.*))?$")
SEP = " > "


def parse(output: str, exit_code: int | None = None) -> ParsedRun:
    lines = output.splitlines()
    if any(line.startswith("TAP version") or TAP_RESULT.match(line) for line in lines):
        run = _parse_tap(lines)
    else:
        run = _parse_spec(lines)
    if run.counts is None and run.tests:
        return run
    if run.counts is not None and run.counts["total"] == 0 and not run.tests:
        run.collected_ok = False
        run.problem = "no tests were found (node --test runs files such as test/*.js and *.test.js)"
    return run


def _counts(found: dict[str, int]) -> dict[str, int]:
    counts = {"passed": found.get("pass", 0), "failed": found.get("fail", 0) + found.get("cancelled", 0),
              "error": 0, "skipped": found.get("skipped", 0) + found.get("todo", 0), "xfail": 0}
    counts["total"] = found.get("tests", sum(counts.values()))
    return counts


def _yaml_block(lines: list[str], start: int, indent: int) -> tuple[dict[str, str], int]:
    """The `---` ... `...` diagnostics after a TAP result: top-level keys, with `|-` blocks joined."""
    pad = " " * (indent + 2)
    if start >= len(lines) or lines[start].strip() != "---" or not lines[start].startswith(pad):
        return {}, start
    fields: dict[str, str] = {}
    key = None
    i = start + 1
    while i < len(lines) and lines[i].strip() != "...":
        line = lines[i]
        body = line[len(pad) :] if line.startswith(pad) else line.strip()
        m = re.match(r"^([A-Za-z_]\w*): ?(.*)$", body)
        if m and not body.startswith(" "):
            key, value = m.groups()
            fields[key] = "" if value in ("|-", "|", ">-") else value.strip("'\"")
        elif key is not None:
            fields[key] = (fields[key] + "\n" + body.strip()).strip("\n")
        i += 1
    return fields, i + 1


def _parse_tap(lines: list[str]) -> ParsedRun:
    run = ParsedRun()
    names: list[str] = []  # current `# Subtest:` path
    has_children: dict[int, bool] = {}
    found: dict[str, int] = {}
    i = 0
    while i < len(lines):
        line = lines[i]
        sub = TAP_SUBTEST.match(line)
        if sub:
            depth = len(sub.group(1)) // 4
            del names[depth:]
            names.append(sub.group(2))
            has_children[depth] = False
            i += 1
            continue
        m = TAP_RESULT.match(line)
        if not m:
            c = TAP_COUNT.match(line)
            if c:
                found[c.group(1)] = int(c.group(2))
            i += 1
            continue
        indent, word, name, directive, reason = m.groups()
        depth = len(indent) // 4
        fields, i = _yaml_block(lines, i + 1, len(indent))
        if depth > 0:
            has_children[depth - 1] = True
        if has_children.get(depth) or fields.get("type") == "suite" or fields.get("failureType") == "subtestsFailed":
            has_children[depth] = False
            continue  # a suite or file: its leaf tests are reported on their own
        path = names[:depth] + [name or (names[depth] if depth < len(names) else "?")]
        test_id = SEP.join(path)
        if directive:
            run.tests.append(TestCase(id=test_id, status="skipped", message=(f"{directive.upper()} {reason}").strip()))
        elif word == "ok":
            run.tests.append(TestCase(id=test_id, status="passed"))
        else:
            cancelled = "cancel" in fields.get("failureType", "")
            message = fields.get("error", "").splitlines()[0] if fields.get("error") else ""
            detail = "\n".join(x for x in (fields.get("error", ""), fields.get("stack", "")) if x)
            run.tests.append(TestCase(id=test_id, status="error" if cancelled else "failed", message=message,
                                      output=trim_output(detail)))
    if found:
        run.counts = _counts(found)
    return run


def _parse_spec(lines: list[str]) -> ParsedRun:
    run = ParsedRun()
    stack: list[str] = []  # open suites (`▶ name` without a duration)
    found: dict[str, int] = {}
    last_failed: TestCase | None = None
    last_indent = 0
    detail: list[str] = []

    def flush() -> None:
        nonlocal last_failed, detail
        if last_failed is not None:
            text = "\n".join(detail).strip("\n")
            last_failed.output = trim_output(text)
            last_failed.message = next((x.strip() for x in detail if x.strip()), "")[:300]
        last_failed, detail = None, []

    for line in lines:
        if line.startswith("✖ failing tests:"):
            break  # the end-of-run recap repeats the failures
        c = SPEC_COUNT.match(line)
        if c:
            flush()
            found[c.group(1)] = int(c.group(2))
            continue
        m = SPEC_LINE.match(line)
        if not m:
            if last_failed is not None and (len(line) - len(line.lstrip()) > last_indent or not line.strip()):
                detail.append(line[last_indent + 2 :] if line.startswith(" " * (last_indent + 2)) else line.strip())
            continue
        flush()
        indent, mark, rest = m.groups()
        depth = len(indent) // 2
        tail = SPEC_TAIL.match(rest)
        name, duration, note = tail.groups() if tail else (rest, None, None)
        if mark == "▶":
            del stack[depth:]
            if duration is None:
                stack.append(name)
            continue
        if len(stack) > depth and stack[depth] == name:
            del stack[depth:]  # `✖ suite (1ms)`: the end of a suite, not a test
            continue
        del stack[depth:]
        test_id = SEP.join([*stack, name])
        note = (note or "").strip()
        if mark == "﹣" or note.upper().startswith(("SKIP", "TODO")):
            run.tests.append(TestCase(id=test_id, status="skipped", message=note))
        elif mark == "✔":
            run.tests.append(TestCase(id=test_id, status="passed"))
        else:
            case = TestCase(id=test_id, status="failed")
            run.tests.append(case)
            last_failed, last_indent = case, len(indent)
    flush()
    if found:
        run.counts = _counts(found)
    return run
