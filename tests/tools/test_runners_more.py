"""Go and Rust repositories: `fix` tests them with their own runners, parsed into the same per-test result.
Each test runs the real toolchain on a tiny real project (in CI, PATCHSMITH_CI=1, a missing toolchain fails)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from patchsmith.tools.run_tests import run_tests_tool
from patchsmith.tools.sandbox.local import LocalSandbox
from patchsmith.tools.workspace import Workspace

from .conftest import make_repo

GO_FILES = {
    "go.mod": "module example.com/calc\n\ngo 1.19\n",
    "calc.go": "package calc\n\nfunc Add(a, b int) int { return a - b }\n\nfunc Mul(a, b int) int { return a * b }\n",
    "calc_test.go": (
        'package calc\n\nimport "testing"\n\n'
        'func TestAdd(t *testing.T) {\n\tif got := Add(2, 3); got != 5 {\n\t\tt.Errorf("Add(2, 3) = %d, want 5", got)\n\t}\n}\n\n'
        'func TestMul(t *testing.T) {\n\tif Mul(2, 3) != 6 {\n\t\tt.Fatal("bad")\n\t}\n}\n\n'
        'func TestTable(t *testing.T) {\n\tt.Run("small", func(t *testing.T) {})\n'
        '\tt.Run("big", func(t *testing.T) { t.Error("big broke") })\n}\n\n'
        'func TestSkip(t *testing.T) { t.Skip("not today") }\n'),
}
RUST_FILES = {
    "Cargo.toml": '[package]\nname = "calc"\nversion = "0.1.0"\nedition = "2021"\n',
    "src/lib.rs": (
        "pub fn add(a: i32, b: i32) -> i32 { a - b }\n\n#[cfg(test)]\nmod tests {\n    use super::*;\n"
        "    #[test]\n    fn adds() { assert_eq!(add(2, 3), 5); }\n"
        "    #[test]\n    fn subtracts_zero() { assert_eq!(add(2, 0), 2); }\n"
        "    #[test]\n    #[ignore]\n    fn slow() {}\n}\n"),
}


def need(tool: str) -> None:
    if shutil.which(tool) is None:
        if os.environ.get("PATCHSMITH_CI"):
            pytest.fail(f"{tool} is not installed; .ci/run installs it")
        pytest.skip(f"{tool} is not installed")


def workspace(root: Path) -> Workspace:
    return Workspace(root=root, base="HEAD", sandbox=LocalSandbox(root, base_env=dict(os.environ)))


def statuses(obs) -> dict[str, str]:  # noqa: ANN001
    return {t["id"]: t["status"] for t in obs.data["tests"]}


def test_go_test_json_is_detected_and_parsed_per_test(tmp_path: Path) -> None:
    need("go")
    repo = make_repo(tmp_path / "go", GO_FILES)
    obs = run_tests_tool(workspace(repo), {})
    assert obs.data["runner"] == "go" and obs.data["command"] == "go test -json ./...", obs.data
    assert statuses(obs) == {"TestAdd": "failed", "TestMul": "passed", "TestTable/small": "passed",
                             "TestTable/big": "failed", "TestSkip": "skipped"}, obs.data["output_tail"]
    tests = {t["id"]: t for t in obs.data["tests"]}
    assert "Add(2, 3) = -1, want 5" in tests["TestAdd"]["message"]
    assert obs.data["counts"]["failed"] == 2 and obs.data["counts"]["total"] == 5
    one = run_tests_tool(workspace(repo), {"tests": ["TestMul", "TestTable/small"]})
    assert one.data["command"] == "go test -json -run '^(TestMul|TestTable)$' ./..."
    assert set(statuses(one)) == {"TestMul", "TestTable/small", "TestTable/big"}


def test_a_go_package_that_does_not_build_is_a_collection_problem(tmp_path: Path) -> None:
    need("go")
    repo = make_repo(tmp_path / "go", {**GO_FILES, "calc.go": "package calc\n\nfunc Add(a, b int) int { return a -\n"})
    obs = run_tests_tool(workspace(repo), {})
    assert not obs.data["collected_ok"] and "did not build" in obs.data["problem"], obs.data


def test_cargo_test_is_detected_and_parsed_per_test(tmp_path: Path) -> None:
    need("cargo")
    repo = make_repo(tmp_path / "rs", RUST_FILES)
    obs = run_tests_tool(workspace(repo), {})
    assert obs.data["runner"] == "cargo" and obs.data["command"] == "cargo test", obs.data
    assert statuses(obs) == {"tests::adds": "failed", "tests::subtracts_zero": "passed",
                             "tests::slow": "skipped"}, obs.data["output_tail"]
    tests = {t["id"]: t for t in obs.data["tests"]}
    assert "left == right" in tests["tests::adds"]["message"] and "right: 5" in tests["tests::adds"]["output"]
    assert obs.data["counts"] == {"passed": 1, "failed": 1, "error": 0, "skipped": 1, "xfail": 0, "total": 3}
    broken = make_repo(tmp_path / "rs2", {**RUST_FILES, "src/lib.rs": "pub fn add( -> i32 {}\n"})
    bad = run_tests_tool(workspace(broken), {})
    assert not bad.data["collected_ok"] and "did not compile" in bad.data["problem"], bad.data


SUBTESTS = '''\
import unittest


class TestS(unittest.TestCase):
    def test_plain(self):
        pass

    @unittest.skip("later")
    def test_skipped(self):
        pass

    def test_two_subtests_fail(self):
        for i in range(4):
            with self.subTest(i=i):
                self.assertLess(i, 2)

    def test_subtests_pass(self):
        for i in range(3):
            with self.subTest(i=i):
                pass
'''
PYENV = Path("/root/.pyenv/versions")
PYTHONS = sorted(str(p) for p in PYENV.glob("3.1[1-9]*/bin/python3")) if PYENV.is_dir() else []


@pytest.mark.skipif(not PYTHONS, reason="no pyenv Pythons 3.11+ on this machine")
@pytest.mark.parametrize("python", PYTHONS, ids=[p.split("/")[-3] for p in PYTHONS])
def test_unittest_counts_agree_across_python_versions(tmp_path: Path, python: str) -> None:
    """3.12 stopped counting skipped tests in `Ran N tests`, and every failed subtest is a failure in the
    summary: the counts come from the per-test lines, one result a test, on every version."""
    repo = make_repo(tmp_path / "ut", {"tests/__init__.py": "", "tests/test_s.py": SUBTESTS})
    ws = Workspace(root=repo, base="HEAD", sandbox=LocalSandbox(repo, base_env=dict(os.environ)),
                   test_command=f"{python} -m unittest -v {{tests}}")
    obs = run_tests_tool(ws, {"tests": ["tests/test_s.py"]})
    assert statuses(obs) == {"tests.test_s.TestS.test_plain": "passed", "tests.test_s.TestS.test_skipped": "skipped",
                             "tests.test_s.TestS.test_two_subtests_fail": "failed",
                             "tests.test_s.TestS.test_subtests_pass": "passed"}, obs.data["output_tail"]
    assert obs.data["counts"] == {"passed": 2, "failed": 1, "error": 0, "skipped": 1, "xfail": 0, "total": 4}


# jest, vitest and mocha: their real output on one tiny project each, recorded by runner_output/record.py.
RECORDED = Path(__file__).parent / "runner_output"
JS_EXPECTED = {"adds": "passed", "fails": "failed", "skipped one": "skipped", "suite inner ok": "passed",
               "suite inner bad": "failed"}


@pytest.mark.parametrize("runner", ["jest", "vitest", "mocha"])
def test_js_runners_json_output_is_parsed_per_test(runner: str) -> None:
    from patchsmith.tools.testing import parse_output

    run = parse_output("js", (RECORDED / f"{runner}.out").read_text())
    got = {t.id.replace(" > ", " "): t.status for t in run.tests}
    assert got == JS_EXPECTED, got
    assert run.counts == {"passed": 2, "failed": 2, "error": 0, "skipped": 1, "xfail": 0, "total": 5}
    bad = next(t for t in run.tests if t.id.endswith("inner bad"))
    assert "boom" in bad.message and "boom" in bad.output
    assert "3" in next(t for t in run.tests if t.id == "fails").output  # the assertion's expected value


@pytest.mark.parametrize(("script", "runner", "command"), [
    ("jest", "jest", "npm test --silent -- --json"),
    ("vitest run", "vitest", "npm test --silent -- --reporter=json"),
    ("mocha 'test/**/*.spec.js'", "mocha", "npm test --silent -- --reporter json test/a.spec.js")])
def test_js_runners_are_detected_from_the_test_script(tmp_path: Path, script: str, runner: str, command: str) -> None:
    import json

    from patchsmith.tools.testing.detect import plan

    repo = make_repo(tmp_path / runner, {"package.json": json.dumps({"scripts": {"test": script}}),
                                         "test/a.spec.js": ""})
    got = plan(workspace(repo), ["test/a.spec.js"] if runner == "mocha" else [])
    assert (got.runner, got.command, got.parser) == (runner, command, "js")
