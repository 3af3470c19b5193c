"""run_tests and its parsers, fed the real output of pytest, unittest and node --test run in tmp repositories."""

from __future__ import annotations

import os
import shutil
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from patchsmith.tools.run_tests import run_tests_tool
from patchsmith.tools.sandbox.local import LocalSandbox
from patchsmith.tools.testing import parse_output
from patchsmith.tools.testing.detect import custom_plan, parser_for_command
from patchsmith.tools.workspace import Workspace

from .conftest import make_repo

PYTEST_FILE = '''\
import unittest

import pytest


def test_ok():
    print("noise")


def test_fail():
    x = 1
    assert x == 2, "x should be two"


@pytest.fixture
def broken():
    raise RuntimeError("fixture boom")


def test_error(broken):
    pass


@pytest.mark.skip(reason="not today")
def test_skip():
    pass


@pytest.mark.xfail(reason="known bug")
def test_xfail():
    assert False


@pytest.mark.xfail(reason="fixed?")
def test_xpass():
    pass


@pytest.mark.parametrize("n", [1, 2, "a - b"])
def test_param(n):
    assert n != 2


class TestK:
    def test_m(self):
        assert "a" in "xyz"


class TestU(unittest.TestCase):
    def test_u(self):
        self.assertEqual(1, 2)
'''

OTHER_PYTEST_FILE = '''\
def test_fail():
    assert "other" == "file"
'''

UNITTEST_FILE = '''\
import unittest


class TestX(unittest.TestCase):
    def test_a(self):
        print("chatter")

    def test_b(self):
        self.assertEqual(1, 2)

    def test_c(self):
        raise KeyError("k")

    @unittest.skip("later")
    def test_d(self):
        pass

    @unittest.expectedFailure
    def test_e(self):
        self.fail("x")

    @unittest.expectedFailure
    def test_f(self):
        pass

    def test_g(self):
        """Docstring line."""

    def test_sub(self):
        for i in range(3):
            with self.subTest(i=i):
                self.assertNotEqual(i, 1)
'''

NODE_FILE = '''\
const test = require('node:test');
const assert = require('node:assert');
test('adds', () => { assert.strictEqual(1 + 1, 2); });
test('fails', () => { assert.strictEqual(1 + 1, 3); });
test('skipped one', { skip: 'not now' }, () => {});
test('todo one', { todo: true }, () => {});
test.describe('suite', () => {
  test.it('inner ok', () => {});
  test.it('inner bad', () => { throw new Error('boom'); });
});
'''

NODE_OTHER = '''\
const test = require('node:test');
test('other passes', () => { console.log('hello from test'); });
'''

needs_node = pytest.mark.skipif(shutil.which("node") is None, reason="node not installed")
PY310 = Path("/root/.pyenv/versions/3.10.13/bin/python3.10")
py310 = str(PY310) if PY310.exists() else shutil.which("python3.10")


def workspace(root: Path, env: dict[str, str] | None = None, **kw) -> Workspace:
    base_env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", **(env or {})}
    return Workspace(root=root, base="HEAD", sandbox=LocalSandbox(root, base_env=base_env), **kw)


@pytest.fixture(scope="session")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Each runner run once for real (concurrently: the runs only read their repositories); the tests below
    read these results."""
    tmp = tmp_path_factory.mktemp("runs")
    jobs: dict[str, tuple[Workspace, dict]] = {}
    py = make_repo(tmp / "py", {"pytest.ini": "[pytest]\n", "tests/test_a.py": PYTEST_FILE,
                                "tests/test_other.py": OTHER_PYTEST_FILE})
    jobs["pytest"] = (workspace(py), {})
    jobs["pytest_one"] = (workspace(py), {"tests": ["tests/test_a.py::test_ok", "tests/test_a.py::test_param[1]"]})
    jobs["pytest_verbose"] = (workspace(py, test_command="python -m pytest -v -p no:cacheprovider"), {})
    jobs["pytest_none"] = (workspace(py), {"tests": ["tests/test_a.py::test_absent"]})
    broken = make_repo(tmp / "broken", {"pyproject.toml": "[tool.pytest.ini_options]\n",
                                        "tests/test_a.py": "def test_a():\n    pass\n",
                                        "tests/test_b.py": "import nosuchmodule\n"})
    jobs["pytest_broken"] = (workspace(broken), {})
    # A `python` without site-packages: pytest is not importable, so detection falls back to unittest.
    shim = tmp / "bin"
    shim.mkdir()
    (shim / "python").write_text(f'#!/bin/sh\nexec {sys.executable} -S "$@"\n')
    (shim / "python").chmod(0o755)
    no_pytest = {"PATH": f"{shim}:{os.environ['PATH']}"}
    ut = make_repo(tmp / "ut", {"tests/test_mod.py": UNITTEST_FILE, "tests/test_broken.py": "import nosuchmod\n"})
    jobs["unittest"] = (workspace(ut, no_pytest), {})
    jobs["unittest_one"] = (workspace(ut, no_pytest), {"tests": ["tests.test_mod.TestX.test_a"]})
    if py310:
        jobs["unittest_310"] = (workspace(ut, test_command=f"{py310} -m unittest -v {{tests}}"),
                                {"tests": ["tests/test_mod.py"]})
    if shutil.which("node"):
        node = make_repo(tmp / "node", {"test/math.test.js": NODE_FILE, "test/other.test.js": NODE_OTHER,
                                        "package.json": '{"name": "x", "scripts": {"test": "node --test"}}'})
        jobs["node"] = (workspace(node), {})
        jobs["node_spec"] = (workspace(node, test_command="node --test --test-reporter=spec"), {})
        jobs["node_one"] = (workspace(node), {"tests": ["test/other.test.js"]})
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = {key: pool.submit(run_tests_tool, ws, args) for key, (ws, args) in jobs.items()}
        return {key: future.result() for key, future in futures.items()}


def statuses(obs) -> dict[str, str]:
    return {t["id"]: t["status"] for t in obs.data["tests"]}


def test_pytest_statuses_from_real_output(runs: dict) -> None:
    obs = runs["pytest"]
    assert obs.ok and obs.data["runner"] == "pytest" and obs.data["collected_ok"]
    assert obs.data["command"] == "python -m pytest -rA -q -p no:cacheprovider"
    assert statuses(obs) == {
        "tests/test_a.py::test_ok": "passed", "tests/test_a.py::test_param[1]": "passed",
        "tests/test_a.py::test_param[a - b]": "passed", "tests/test_a.py:24": "skipped",
        "tests/test_a.py::test_xfail": "xfail", "tests/test_a.py::test_xpass": "passed",
        "tests/test_a.py::test_error": "error", "tests/test_a.py::test_fail": "failed",
        "tests/test_a.py::test_param[2]": "failed", "tests/test_a.py::TestK::test_m": "failed",
        "tests/test_a.py::TestU::test_u": "failed", "tests/test_other.py::test_fail": "failed"}
    assert obs.data["counts"] == {"passed": 4, "failed": 5, "error": 1, "skipped": 1, "xfail": 1, "total": 12}
    assert obs.data["exit_code"] == 1


def test_pytest_failure_output_is_matched_to_each_test(runs: dict) -> None:
    tests = {t["id"]: t for t in runs["pytest"].data["tests"]}
    assert "fixture boom" in tests["tests/test_a.py::test_error"]["output"]
    assert tests["tests/test_a.py::test_fail"]["message"].startswith("AssertionError: x should be two")
    assert "assert 1 == 2" in tests["tests/test_a.py::test_fail"]["output"]
    # Two tests named test_fail in different files: each gets its own file's section.
    assert "'other' == 'file'" in tests["tests/test_other.py::test_fail"]["output"]
    assert "'other'" not in tests["tests/test_a.py::test_fail"]["output"]
    assert "assert 2 != 2" in tests["tests/test_a.py::test_param[2]"]["output"]
    assert "'a' in 'xyz'" in tests["tests/test_a.py::TestK::test_m"]["output"]
    assert tests["tests/test_a.py:24"]["message"] == "not today"


def test_pytest_observation_summarises_for_the_model(runs: dict) -> None:
    text = runs["pytest"].text
    assert "Result: 5 failed, 1 error, 4 passed, 1 skipped, 1 xfail (exit code 1" in text
    assert "Failing tests (6):" in text and "  FAILED tests/test_a.py::test_fail - AssertionError" in text
    assert "Failure output (first 3):" in text and text.count("\n--- tests/") == 3
    assert "\n--- tests/test_a.py::TestK::test_m ---" not in text  # only the first three are shown


def test_pytest_verbose_output_without_ra(runs: dict) -> None:
    obs = runs["pytest_verbose"]
    assert obs.data["runner"] == "custom" and "PASSED" not in obs.data["output_tail"].split("short test summary")[-1]
    expected = {k: v for k, v in statuses(runs["pytest"]).items() if k != "tests/test_a.py:24"}
    expected["tests/test_a.py::test_skip"] = "skipped"
    assert statuses(obs) == expected
    tests = {t["id"]: t for t in obs.data["tests"]}
    assert tests["tests/test_a.py::test_skip"]["message"] == "not today"
    assert "assert 1 == 2" in tests["tests/test_a.py::test_fail"]["output"]


def test_pytest_selected_tests_and_nothing_collected(runs: dict) -> None:
    one = runs["pytest_one"]
    assert statuses(one) == {"tests/test_a.py::test_ok": "passed", "tests/test_a.py::test_param[1]": "passed"}
    assert "All tests passed." in one.text and one.data["command"].endswith(
        "tests/test_a.py::test_ok 'tests/test_a.py::test_param[1]'")
    none = runs["pytest_none"]
    assert not none.data["collected_ok"] and none.data["exit_code"] == 4
    assert "could not be collected" in none.text


def test_pytest_collection_error(runs: dict) -> None:
    obs = runs["pytest_broken"]
    assert not obs.data["collected_ok"] and obs.data["exit_code"] == 2
    assert "Interrupted: 1 error during collection in tests/test_b.py" in obs.text
    assert "No module named 'nosuchmodule'" in obs.text
    assert statuses(obs) == {"tests/test_b.py": "error"}


def test_unittest_detected_without_pytest_and_parsed(runs: dict) -> None:
    obs = runs["unittest"]
    assert obs.data["runner"] == "unittest"
    assert obs.data["command"] == "python -m unittest -v tests/test_broken.py tests/test_mod.py"
    assert statuses(obs) == {
        "test_broken": "error", "tests.test_mod.TestX.test_a": "passed",
        "tests.test_mod.TestX.test_b": "failed", "tests.test_mod.TestX.test_c": "error",
        "tests.test_mod.TestX.test_d": "skipped", "tests.test_mod.TestX.test_e": "xfail",
        "tests.test_mod.TestX.test_f": "failed", "tests.test_mod.TestX.test_g": "passed",
        "tests.test_mod.TestX.test_sub": "failed"}
    assert obs.data["counts"] == {"passed": 2, "failed": 3, "error": 2, "skipped": 1, "xfail": 1, "total": 9}
    assert not obs.data["collected_ok"] and "could not load test_broken" in obs.text
    tests = {t["id"]: t for t in obs.data["tests"]}
    assert tests["tests.test_mod.TestX.test_b"]["message"] == "AssertionError: 1 != 2"
    assert "[subtest i=1]" in tests["tests.test_mod.TestX.test_sub"]["output"]
    assert tests["tests.test_mod.TestX.test_f"]["message"] == "unexpected success"
    assert tests["tests.test_mod.TestX.test_d"]["message"] == "later"


def test_unittest_selected_test(runs: dict) -> None:
    obs = runs["unittest_one"]
    assert statuses(obs) == {"tests.test_mod.TestX.test_a": "passed"} and obs.data["collected_ok"]
    assert "All tests passed." in obs.text


@pytest.mark.skipif(py310 is None, reason="python3.10 not available")
def test_unittest_pre_311_verbose_form(runs: dict) -> None:
    obs = runs["unittest_310"]
    assert "test_b (tests.test_mod.TestX) ... FAIL" in obs.data["output_tail"]
    got = statuses(obs)
    assert got["tests.test_mod.TestX.test_b"] == "failed" and got["tests.test_mod.TestX.test_a"] == "passed"
    assert got["tests.test_mod.TestX.test_g"] == "passed" and got["tests.test_mod.TestX.test_sub"] == "failed"
    assert len(got) == 8


NODE_EXPECTED = {"adds": "passed", "fails": "failed", "skipped one": "skipped", "todo one": "skipped",
                 "suite > inner ok": "passed", "suite > inner bad": "failed", "other passes": "passed"}


@needs_node
@pytest.mark.parametrize("key", ["node", "node_spec"])
def test_node_reporters(runs: dict, key: str) -> None:
    obs = runs[key]
    assert statuses(obs) == NODE_EXPECTED, obs.data["output_tail"]
    assert obs.data["counts"] == {"passed": 3, "failed": 2, "error": 0, "skipped": 2, "xfail": 0, "total": 7}
    tests = {t["id"]: t for t in obs.data["tests"]}
    assert "boom" in tests["suite > inner bad"]["output"] and "2 !== 3" in tests["fails"]["output"]


@needs_node
def test_node_detection_and_selection(runs: dict) -> None:
    assert runs["node"].data["command"] == "node --test" and runs["node"].data["runner"] == "node"
    assert "TAP version" in runs["node"].data["output_tail"]  # node's default reporter off a terminal
    assert "✖ failing tests:" in runs["node_spec"].data["output_tail"]  # the spec reporter's recap
    one = runs["node_one"]
    assert one.data["command"] == "node --test test/other.test.js"
    assert statuses(one) == {"other passes": "passed"}


def test_configured_command_placeholder_and_parser_choice(repo: Path) -> None:
    plan = custom_plan("make test ARGS='{tests}'", ["a b", "c"])
    assert plan.command == "make test ARGS=''a b' c'" and plan.parser == "auto"
    assert custom_plan("tox -e py --", ["t1"]).command == "tox -e py -- t1"
    assert custom_plan("pytest -x {tests}", []).command == "pytest -x"
    assert parser_for_command("python -m pytest") == "pytest"
    assert parser_for_command("npm test") == "node"
    ws = workspace(repo, test_command="printf 'PASSED t.py::a\\n' {tests}")
    obs = run_tests_tool(ws, {"tests": "x y"})  # a string is taken as a list of ids
    assert obs.data["command"] == "printf 'PASSED t.py::a\\n' x y" and obs.data["runner"] == "custom"


def test_timeout_is_reported(repo: Path) -> None:
    ws = workspace(repo, test_command="sleep 5")
    ws.command_timeout = 1  # type: ignore[attr-defined]
    obs = run_tests_tool(ws, {})
    assert obs.data["timed_out"] and "timed out" in obs.text


def test_bad_arguments_and_no_runner(repo: Path, tmp_path: Path) -> None:
    assert "not options" in run_tests_tool(workspace(repo), {"tests": ["--collect-only"]}).error
    assert "bad arguments" in run_tests_tool(workspace(repo), {"tests": 3}).error
    empty = make_repo(tmp_path / "empty", {"README.md": "hi\n"})
    obs = run_tests_tool(workspace(empty), {})
    assert not obs.ok and "no test runner found" in obs.error


def test_auto_parser_picks_the_matching_format() -> None:
    tap = "TAP version 13\nok 1 - a\nnot ok 2 - b\n1..2\n"
    assert [t.status for t in parse_output("auto", tap).tests] == ["passed", "failed"]
    unittest_out = "test_x (m.T.test_x) ... ok\n\n----------------------------------------------------------------------\nRan 1 test in 0.001s\n\nOK\n"
    assert parse_output("auto", unittest_out).tests[0].id == "m.T.test_x"
