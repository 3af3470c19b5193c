"""Which test runner a repository uses, and the command that runs it (or some of its tests)."""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

from ..files import listed_files
from ..workspace import Workspace

PYTEST_ARGS = "-m pytest -rA -q -p no:cacheprovider"
NPM_PLACEHOLDER = "no test specified"
JS_REPORTERS = {"vitest": "--reporter=json", "jest": "--json", "mocha": "--reporter json"}
PY_TEST_FILE = re.compile(r"(^|/)(test_[^/]*|[^/]*_test)\.py$")
NODE_TEST_FILE = re.compile(r"(^|/)(test/[^/]+|[^/]*[.-]test|test-[^/]*)\.[cm]?[jt]s$")
# Which interpreter the sandbox has, and (only when asked: importing pytest takes a while) whether it has pytest.
PROBE = ("for p in python python3; do if command -v $p >/dev/null 2>&1; then "
         "if [ -n \"{check}\" ] && $p -c 'import pytest' >/dev/null 2>&1; then echo \"$p pytest\"; "
         "else echo \"$p\"; fi; exit 0; fi; done; echo none")


@dataclass
class TestPlan:
    __test__ = False

    runner: str  # pytest | unittest | node | jest | vitest | mocha | go | cargo | custom
    command: str
    parser: str  # the parser to read its output with: pytest | unittest | node | js | go | cargo | auto


def _quoted(tests: list[str]) -> str:
    return " ".join(shlex.quote(t) for t in tests)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def pytest_configured(root: Path) -> bool:
    return ((root / "pytest.ini").is_file() or (root / "conftest.py").is_file()
            or "[tool.pytest" in _read(root / "pyproject.toml")
            or "[tool:pytest]" in _read(root / "setup.cfg")
            or "[pytest]" in _read(root / "tox.ini"))


def parser_for_command(command: str) -> str:
    if "pytest" in command:
        return "pytest"
    if "unittest" in command:
        return "unittest"
    if re.search(r"\b(jest|vitest|mocha)\b", command):
        return "js"
    if re.search(r"\b(node|npm|npx|yarn|pnpm)\b", command):
        return "node"
    if re.search(r"\bgo test\b.*-json", command):
        return "go"
    if re.search(r"\bcargo (\+\S+ )?test\b", command):
        return "cargo"
    return "auto"


def custom_plan(template: str, tests: list[str]) -> TestPlan:
    """A configured command: `{tests}` is replaced by the quoted test ids (or nothing); without the
    placeholder, ids are appended."""
    if "{tests}" in template:
        command = template.replace("{tests}", _quoted(tests)).strip()
    else:
        command = f"{template} {_quoted(tests)}".strip()
    return TestPlan(runner="custom", command=command, parser=parser_for_command(template))


def _node_test_script(root: Path) -> str | None:
    try:
        pkg = json.loads(_read(root / "package.json") or "{}")
    except json.JSONDecodeError:
        return None
    script = (pkg.get("scripts") or {}).get("test") if isinstance(pkg, dict) else None
    return script if isinstance(script, str) and NPM_PLACEHOLDER not in script else None


def _unittest_targets(root: Path, files: list[str]) -> list[str]:
    """Plain `unittest` discovery only finds test files inside packages; name the others explicitly."""
    tests = [f for f in files if re.search(r"(^|/)test[^/]*\.py$", f)]
    hidden = []
    for f in tests:
        parts = f.split("/")[:-1]
        if any(not (root / "/".join(parts[: i + 1]) / "__init__.py").is_file() for i in range(len(parts))):
            hidden.append(f)
    return hidden if hidden else []


def plan(ws: Workspace, tests: list[str]) -> TestPlan | str:
    """The plan, or a message saying why no runner was found."""
    if ws.test_command:
        return custom_plan(ws.test_command, tests)
    root = ws.root
    files = listed_files(root)
    py_tests = [f for f in files if PY_TEST_FILE.search(f)]
    node_script = _node_test_script(root)
    node_tests = [f for f in files if NODE_TEST_FILE.search(f) and "node_modules/" not in f]
    explicit_pytest = pytest_configured(root)
    if explicit_pytest or py_tests:
        probe = ws.exec(PROBE.format(check="" if explicit_pytest else "1"), timeout=60).output.split()
        python = probe[0] if probe and probe[0] != "none" else "python"
        has_pytest = "pytest" in probe
        if explicit_pytest or has_pytest:
            return TestPlan("pytest", f"{python} {PYTEST_ARGS} {_quoted(tests)}".strip(), "pytest")
        targets = tests or _unittest_targets(root, files)
        return TestPlan("unittest", f"{python} -m unittest -v {_quoted(targets)}".strip(), "unittest")
    if node_script is not None:
        if "node --test" in node_script or "node:test" in node_script:
            return TestPlan("node", f"node --test {_quoted(tests)}".strip(), "node")
        for runner, flag in JS_REPORTERS.items():  # the script's own command, with the JSON reporter added
            if re.search(rf"\b{runner}\b", node_script):
                return TestPlan(runner, f"npm test --silent -- {flag} {_quoted(tests)}".strip(), "js")
        extra = f" -- {_quoted(tests)}" if tests else ""
        return TestPlan("node", f"npm test --silent{extra}", "node")
    if node_tests:
        return TestPlan("node", f"node --test {_quoted(tests)}".strip(), "node")
    if (root / "go.mod").is_file():
        names = sorted({re.escape(t.split("/")[0]) for t in tests})  # -run splits subtests at '/'
        pattern = f" -run {shlex.quote('^(' + '|'.join(names) + ')$')}" if names else ""
        return TestPlan("go", f"go test -json{pattern} ./...", "go")
    if (root / "Cargo.toml").is_file():
        return TestPlan("cargo", f"cargo test{' -- ' + _quoted(tests) if tests else ''}", "cargo")
    if any(f.endswith(".py") for f in files):
        return TestPlan("unittest", f"python -m unittest -v {_quoted(tests)}".strip(), "unittest")
    return ("no test runner found: no pytest configuration, Python test files (test_*.py), package.json test "
            "script, node test files, go.mod or Cargo.toml; run the tests with bash, or configure a test command")
