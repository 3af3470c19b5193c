"""Test-output parsers, one per runner, producing {test id: status} the way the official harness does.

Ids are matched as the official log parsers produce them: the pytest parser takes the second
whitespace-separated token of a `-rA` summary line, so an id containing a space (a parametrized case
such as `test_x[a b]`) is cut at its first space, and so are the ids in the datasets.
"""

from __future__ import annotations

import re
from collections.abc import Callable

PASSED, FAILED, SKIPPED, ERROR, XFAIL = "PASSED", "FAILED", "SKIPPED", "ERROR", "XFAIL"
STATUSES = (FAILED, PASSED, SKIPPED, ERROR, XFAIL)
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


_TEST_FIRST = re.compile(r"^(\S+::\S+)\s+(" + "|".join(STATUSES) + r")(?:\s|$)")  # `pytest -v` lines


def parse_pytest(log: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for raw in log.splitlines():
        line = ANSI.sub("", raw).strip()
        if not line.startswith(STATUSES):
            match = _TEST_FIRST.match(line)
            if match:
                out[match.group(1)] = match.group(2)
            continue
        if line.startswith(FAILED):
            line = line.replace(" - ", " ")
        parts = line.split()
        if len(parts) <= 1 or parts[0] not in STATUSES or re.fullmatch(r"\[\d+\]", parts[1]):
            continue  # `SKIPPED [2] file:line: reason` names no test
        out[parts[1]] = parts[0]
    return out


def _option_name(test_id: str) -> str:
    """A parameter that is an absolute path keeps only its last part (ids then hold no machine's paths)."""
    match = re.match(r"(.*?)\[(.*)\]", test_id)
    if not match:
        return test_id
    main, option = match.groups()
    if option.startswith("/") and not option.startswith("//") and "*" not in option:
        option = "/" + option.split("/")[-1]
    return f"{main}[{option}]"


def parse_pytest_options(log: str) -> dict[str, str]:
    """pytest, with path-valued parameters shortened as the official parser does for requests and pylint."""
    return {_option_name(k): v for k, v in parse_pytest(log).items()}


_CONTROL = str.maketrans("", "", "".join(chr(c) for c in range(1, 32)))


def parse_pytest_v2(log: str) -> dict[str, str]:
    """Later pytest output (astropy, sphinx, scikit-learn): colour codes dropped, `STATUS id` summary lines
    and `id STATUS` verbose lines, as the official `parse_log_pytest_v2` reads them."""
    out: dict[str, str] = {}
    for raw in log.split("\n"):
        line = re.sub(r"\[(\d+)m", "", raw).translate(_CONTROL)
        if line.startswith(STATUSES):
            if line.startswith(FAILED):
                line = line.replace(" - ", " ")
            parts = line.split()
            if len(parts) >= 2:
                out[parts[1]] = parts[0]
        elif line.endswith(STATUSES):
            parts = line.split()
            if len(parts) >= 2:
                out[parts[0]] = parts[1]
    return out


def parse_seaborn(log: str) -> dict[str, str]:
    """seaborn: `FAILED id`, `PASSED id` and `id PASSED ...` lines (the official `parse_log_seaborn`)."""
    out: dict[str, str] = {}
    for line in log.split("\n"):
        parts = line.split()
        if line.startswith(FAILED) and len(parts) > 1:
            out[parts[1]] = FAILED
        elif f" {PASSED} " in line and len(parts) > 1 and parts[1] == PASSED:
            out[parts[0]] = PASSED
        elif line.startswith(PASSED) and len(parts) > 1:
            out[parts[1]] = PASSED
    return out


def parse_matplotlib(log: str) -> dict[str, str]:
    return parse_pytest(log.replace("MouseButton.LEFT", "1").replace("MouseButton.RIGHT", "3"))


def parse_django(log: str) -> dict[str, str]:
    out: dict[str, str] = {}
    prev_test: str | None = None
    for raw in log.splitlines():
        line = raw.strip()
        if " ... " in line:
            prev_test = line.split(" ... ")[0]
        for suffix in (" ... ok", " ... OK", " ...  OK"):
            if line.endswith(suffix):
                out[line.rsplit(suffix, 1)[0]] = PASSED
                break
        if " ... skipped" in line:
            out[line.split(" ... skipped")[0]] = SKIPPED
        if line.endswith(" ... FAIL"):
            out[line.split(" ... FAIL")[0]] = FAILED
        if line.startswith("FAIL:") and len(line.split()) > 1:
            out[line.split()[1].strip()] = FAILED
        if line.endswith(" ... ERROR"):
            out[line.split(" ... ERROR")[0]] = ERROR
        if line.startswith("ERROR:") and len(line.split()) > 1:
            out[line.split()[1].strip()] = ERROR
        if line.startswith("ok") and prev_test is not None:
            # The test printed output between its name and its verdict.
            out[prev_test] = PASSED
    return out


def parse_sympy(log: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for match in re.findall(r"(_*) (.*)\.py:(.*) (_*)", log):
        out[f"{match[1]}.py:{match[2]}"] = FAILED
    for raw in log.splitlines():
        line = raw.strip()
        if not line.startswith("test_"):
            continue
        name = line.split()[0]
        if line.endswith(" E"):
            out[name] = ERROR
        elif line.endswith(" F"):
            out[name] = FAILED
        elif line.endswith(" ok"):
            out[name] = PASSED
        elif line.endswith(" f"):
            out[name] = XFAIL
    return out


_TAP = re.compile(r"^(not ok|ok)\s+\d+\s*(?:-\s*)?(.*?)\s*(#\s*(SKIP|TODO).*)?$", re.I)
_SPEC = re.compile(r"^([\u2714\u2716\ufe0e\ufe0f]+|﹣)\s*(.*?)\s*(\([\d.]+m?s\))?$")


def parse_tap(log: str) -> dict[str, str]:
    """Node's built-in test runner: TAP (`ok 1 - name`, `not ok 2 - name`) or its spec reporter (✔/✖)."""
    out: dict[str, str] = {}
    for raw in log.splitlines():
        line = ANSI.sub("", raw).strip()
        match = _TAP.match(line)
        if match:
            name = match.group(2)
            if match.group(4) and match.group(4).upper() == "SKIP":
                out[name] = SKIPPED
            else:
                out[name] = FAILED if match.group(1).lower() == "not ok" else PASSED
            continue
        match = _SPEC.match(line)
        if match and match.group(2):
            out[match.group(2)] = PASSED if "\u2714" in match.group(1) else FAILED
    return out


PARSERS: dict[str, Callable[[str], dict[str, str]]] = {
    "pytest": parse_pytest, "pytest-options": parse_pytest_options, "matplotlib": parse_matplotlib,
    "pytest-v2": parse_pytest_v2, "seaborn": parse_seaborn,
    "django": parse_django, "sympy": parse_sympy, "tap": parse_tap,
}


def lookup(test_id: str, status: dict[str, str]) -> str | None:
    """The status of a dataset id, trying it whole and cut at its first space (as the official parser cuts)."""
    if test_id in status:
        return status[test_id]
    cut = test_id.split(" ", 1)[0]
    if cut != test_id and cut in status:
        return status[cut]
    return None


def passed(status: str | None) -> bool:
    return status in (PASSED, XFAIL)


def failed(status: str | None) -> bool:
    return status is None or status in (FAILED, ERROR)
