"""`go test -json`: one JSON event a line (run/output/pass/fail/skip), per package and test."""

from __future__ import annotations

import json
import re

from .report import ParsedRun, Status, TestCase, trim_output

BUILD_FAILED = re.compile(r"^FAIL\s+(\S+) \[(?:build|setup) failed\]")
COMPILE_ERROR = re.compile(r"^\S+\.go:\d+:\d+: ")
FINAL: dict[str, Status] = {"pass": "passed", "fail": "failed", "skip": "skipped"}


def parse(output: str, exit_code: int | None = None) -> ParsedRun:
    run = ParsedRun()
    results: dict[tuple[str, str], str] = {}
    outputs: dict[tuple[str, str], list[str]] = {}
    package_output: dict[str, list[str]] = {}
    failed_packages: list[str] = []
    for line in output.splitlines():
        event = _event(line)
        if event is None:
            continue
        package, test, action = str(event.get("Package", "")), event.get("Test"), event.get("Action")
        if not isinstance(test, str):  # a package's own events: its output, and whether it built
            if action == "output":
                package_output.setdefault(package, []).append(str(event.get("Output", "")))
            elif action == "fail":
                failed_packages.append(package)
            continue
        key = (package, test)
        if action == "output":
            outputs.setdefault(key, []).append(str(event.get("Output", "")))
        elif action in FINAL:
            results[key] = action
    parents = {(p, t.rsplit("/", 1)[0]) for p, t in results if "/" in t}
    for key, action in results.items():
        if key in parents:
            continue  # a test with subtests: the subtests are reported on their own
        text = "".join(outputs.get(key, []))
        lines = [x.strip() for x in text.splitlines() if x.strip() and not x.lstrip().startswith(("=== ", "--- "))]
        run.tests.append(TestCase(id=key[1], status=FINAL[action], message=(lines[0] if lines else "")[:300],
                                  output=trim_output(text) if action == "fail" else ""))
    for line in output.splitlines():  # go before 1.24 prints build failures as text, not JSON events
        if m := BUILD_FAILED.match(line):
            failed_packages.append(m.group(1))
            package_output.setdefault(m.group(1), []).extend(
                x + "\n" for x in output.splitlines() if COMPILE_ERROR.match(x))
    broken = [p for p in failed_packages if not any(k[0] == p for k in results)]
    if broken and not run.tests:
        run.collected_ok = False
        detail = "".join(package_output.get(broken[0], []))
        run.problem = f"package {broken[0]} did not build or run: {' '.join(detail.split())[:300]}"
    return run


def _event(line: str) -> dict[str, object] | None:
    if not line.startswith("{"):
        return None
    try:
        event = json.loads(line)
    except ValueError:
        return None
    return event if isinstance(event, dict) and "Action" in event else None
