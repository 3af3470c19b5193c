"""Harness fidelity: environments hold what their spec installs and nothing else, verdicts say what
really happened (not gradable, environment error), and the official per-instance report is written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from patchsmith.harness.envs import EnvManager
from patchsmith.harness.evaluate import evaluate
from patchsmith.harness.repos import checkout, find_source
from patchsmith.harness.specs import spec_for
from patchsmith.harness.tasks import load_tasks

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def python_without_pytest() -> Path | None:
    """A base interpreter (>= 3.10, as patchsmith needs) that has no pytest: pyenv's, or the system's."""
    root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    candidates = sorted(root.glob("3.1[0-9]*/bin/python")) if root.is_dir() else []
    candidates.append(Path("/usr/bin/python3"))
    for python in candidates:
        if not python.exists():
            continue
        probe = subprocess.run([str(python), "-c", "import sys, venv, ensurepip; assert sys.version_info >= (3, 10)"
                                "; import importlib.util as u; sys.exit(u.find_spec('pytest') is not None)"],
                               capture_output=True)
        if probe.returncode == 0:
            return python
    return None


def scenario_env(tmp_path: Path, name: str):
    task = load_tasks(SCENARIOS / name)[0]
    spec = spec_for(task)
    source = find_source(task, None, tmp_path, allow_clone=False)
    env = EnvManager(tmp_path / "cache").get(task, spec, source)
    return task, spec, source, env


def test_scenario_resolves_on_an_interpreter_without_pytest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's first command run by a Python that has no pytest: the environment brings its own."""
    python = python_without_pytest()
    if python is None:
        pytest.skip("no Python >= 3.10 without pytest on this machine")
    monkeypatch.setattr(sys, "executable", str(python))  # the interpreter patchsmith runs on
    task, spec, source, env = scenario_env(tmp_path, "patchsmith__textkit-1")
    workspace = checkout(source, task.base_commit, tmp_path / "ws")
    result = evaluate(task, task.patch, workspace, env, spec, timeout=120)
    assert result.status == "resolved", (result.reason, (tmp_path / "cache").glob("envs/*/build.log"))
    ran = subprocess.run([str(env.root / "bin" / "python"), "-c", "import sys; print(sys.version_info[:2])"],
                         capture_output=True, text=True).stdout
    wanted = subprocess.run([str(python), "-c", "import sys; print(sys.version_info[:2])"],
                            capture_output=True, text=True).stdout
    assert ran == wanted  # the environment is built on the interpreter that has no pytest


def test_environment_inherits_nothing_from_the_interpreter(tmp_path: Path) -> None:
    """`rich` is installed here (patchsmith needs it); a scenario's environment must not see it."""
    _, _, _, env = scenario_env(tmp_path, "patchsmith__textkit-2")
    python = env.root / "bin" / "python"
    probe = subprocess.run([str(python), "-c", "import importlib.util as u, json, sys, pytest; "
                            "print(json.dumps([u.find_spec('rich') is not None, pytest.__file__, sys.path]))"],
                           capture_output=True, text=True, env={"PATH": os.environ["PATH"]})
    assert probe.returncode == 0, probe.stderr
    has_rich, pytest_file, path = json.loads(probe.stdout)
    assert not has_rich, "the environment sees the base interpreter's packages"
    assert Path(pytest_file).resolve().is_relative_to(env.root.resolve()), pytest_file
    assert not any(p.endswith("site-packages") and not Path(p).resolve().is_relative_to(env.root.resolve())
                   for p in path), path


@pytest.fixture(scope="module")
def calc(tmp_path_factory: pytest.TempPathFactory):
    """A tiny real repository as a bare mirror, and a harness over it (real git, real pytest)."""
    from harness_helpers import git, make_repo

    from patchsmith.harness.pipeline import Harness

    root = tmp_path_factory.mktemp("origin") / "calc"
    base = make_repo(root)
    repos = tmp_path_factory.mktemp("repos")
    git(repos, "clone", "-q", "--mirror", str(root), str(repos / "acme__calc"))
    return Harness(repos_dir=repos, cache_dir=tmp_path_factory.mktemp("cache"), allow_clone=False, timeout=60), base


def test_a_deselected_fail_to_pass_test_is_not_gradable(tmp_path: Path, calc) -> None:
    """Only one of two FAIL_TO_PASS tests can run here: the task is not gradable, never resolved."""
    from harness_helpers import GOLD, task_row

    from patchsmith.harness.tasks import task_from_row

    harness, base = calc
    row = task_row(base, FAIL_TO_PASS=json.dumps(["tests/test_calc.py::test_add", "tests/test_calc.py::test_words[c]"]),
                   spec={"deselect": ["tests/test_calc.py::test_words[c]"]})
    result = harness.process(task_from_row(row), tmp_path / "t", patch=GOLD)
    assert result["status"] == "not_gradable" and not result["resolved"], result["reason"]
    assert "1 of 2 FAIL_TO_PASS" in result["reason"] and "test_words[c]" in result["reason"]


MIRRORS = [Path(p) for p in os.environ.get("PATCHSMITH_REPOS_DIRS", "/work/repos:/work/.mirror").split(":")]


def _shared_tasks():
    folder = Path(os.environ.get("PATCHSMITH_SWEBENCH", "/work/shared/swebench"))
    return [t for path in sorted(folder.glob("*.jsonl")) for t in load_tasks(path)]


def _defined_tests(source, commit: str, path: str) -> set[str]:
    """`path::Class::test` and `path::test` ids defined in the file at `commit` of a local mirror."""
    import ast

    proc = subprocess.run(["git", "-C", str(source.location), "show", f"{commit}:{path}"], capture_output=True,
                          text=True)
    if proc.returncode != 0:
        return set()
    ids = set()
    for node in ast.parse(proc.stdout).body:
        if isinstance(node, ast.ClassDef):
            ids |= {f"{path}::{node.name}::{m.name}" for m in node.body if isinstance(m, ast.FunctionDef)}
        elif isinstance(node, ast.FunctionDef):
            ids.add(f"{path}::{node.name}")
    return ids


def test_every_deselection_names_a_test_of_its_version() -> None:
    """Each entry names a test of the release it is applied to: in the test file at the instance's base
    commit when a mirror is here, else (at least) a file and class that the version's dataset ids use."""
    from patchsmith.harness.repos import RepoError

    tasks = _shared_tasks()
    if not tasks:
        pytest.skip("the shared SWE-bench rows are not here (set PATCHSMITH_SWEBENCH)")
    by_version: dict[tuple[str, str], set[str]] = {}
    for task in tasks:
        by_version.setdefault((task.repo, task.version), set()).update(task.fail_to_pass + task.pass_to_pass)
    stale, checked = [], 0
    for task in tasks:
        entries = spec_for(task).deselect
        source = None
        for folder in MIRRORS:
            try:
                source = find_source(task, folder, folder, allow_clone=False) if folder.is_dir() else None
            except RepoError:
                continue
            break
        for entry in entries:
            checked += 1
            path = entry.split("::")[0]
            if source is not None:
                ok = entry in _defined_tests(source, task.base_commit, path)
            else:
                ok = any(i.startswith(entry.rsplit("::", 1)[0] + "::") for i in by_version[task.repo, task.version])
            if not ok:
                stale.append(f"{task.instance_id} ({task.version}): {entry}")
    assert checked and not stale, stale


def _calc_task(base: str, **extra):
    from harness_helpers import task_row

    from patchsmith.harness.tasks import task_from_row

    return task_from_row(task_row(base, **extra))


def test_an_environment_without_its_test_runner_is_an_environment_error(tmp_path: Path, calc) -> None:
    from harness_helpers import GOLD

    harness, base = calc
    task = _calc_task(base, instance_id="acme__calc-nopytest", spec={"packages": []})
    result = harness.process(task, tmp_path / "t", patch=GOLD)
    assert result["status"] == "error" and result["error_kind"] == "environment", result["reason"]
    assert "pytest" in result["reason"]


MISSING_DEP = ("diff --git a/tests/conftest.py b/tests/conftest.py\nnew file mode 100644\n--- /dev/null\n"
               "+++ b/tests/conftest.py\n@@ -0,0 +1 @@\n+import roman_numerals_not_installed\n")
NEW_NAME = ("diff --git a/tests/test_sub.py b/tests/test_sub.py\nnew file mode 100644\n--- /dev/null\n"
            "+++ b/tests/test_sub.py\n@@ -0,0 +1,5 @@\n+from pkg.calc import sub\n+\n+\n"
            "+def test_sub():\n+    assert sub(3, 2) == 1\n")


def test_collection_failing_on_a_missing_dependency_is_an_environment_error(tmp_path: Path, calc) -> None:
    """Nothing ran because the environment lacks a module: not "unresolved" (nothing was tested)."""
    from harness_helpers import TEST_PATCH

    harness, base = calc
    task = _calc_task(base, instance_id="acme__calc-nodep", test_patch=TEST_PATCH + MISSING_DEP)
    result = harness.process(task, tmp_path / "t", patch="")
    assert result["status"] == "error" and result["error_kind"] == "environment", result["reason"]
    assert "roman_numerals_not_installed" in result["reason"]


def test_a_test_importing_a_name_the_fix_adds_is_unresolved_not_an_environment_error(tmp_path: Path, calc) -> None:
    harness, base = calc
    task = _calc_task(base, instance_id="acme__calc-sub", test_patch=NEW_NAME,
                      FAIL_TO_PASS=json.dumps(["tests/test_sub.py::test_sub"]), PASS_TO_PASS="[]")
    result = harness.process(task, tmp_path / "t", patch="")
    assert result["status"] == "unresolved", result["reason"]


def test_a_failed_build_keeps_its_log_with_the_task_and_is_remembered(tmp_path: Path, calc) -> None:
    from harness_helpers import GOLD

    from patchsmith.harness.pipeline import Harness

    harness, base = calc
    install = "echo attempt >> ../../attempts; for i in $(seq 1 40); do echo build line $i; done; exit 3"
    task = _calc_task(base, instance_id="acme__calc-broken", spec={"install": install})
    first = harness.process(task, tmp_path / "t1", patch=GOLD)
    assert first["status"] == "error" and first["error_kind"] == "environment"
    kept = (tmp_path / "t1" / "build.log").read_text()
    assert "build line 1\n" in kept and "build line 40\n" in kept  # the whole log, not its last lines
    # A later run (a new process: a new harness over the same cache) does not build it again...
    again = Harness(repos_dir=harness.repos_dir, cache_dir=harness.cache_dir, allow_clone=False, timeout=60)
    second = again.process(task, tmp_path / "t2", patch=GOLD)
    assert second["status"] == "error" and "failed before" in second["reason"] and "--rebuild-failed" in second["reason"]
    assert "build line 40" in (tmp_path / "t2" / "build.log").read_text()
    attempts = harness.cache_dir / "envs" / "attempts"
    assert attempts.read_text() == "attempt\n"
    # ...unless asked to.
    retry = Harness(repos_dir=harness.repos_dir, cache_dir=harness.cache_dir, allow_clone=False, timeout=60,
                    rebuild_failed=True)
    third = retry.process(task, tmp_path / "t3", patch=GOLD)
    assert third["status"] == "error" and "failed before" not in third["reason"]
    assert attempts.read_text() == "attempt\nattempt\n"


def test_a_patch_importing_what_is_not_installed_is_unresolved_not_an_environment_error(tmp_path: Path, calc) -> None:
    """The prediction's own import breaks collection: the patch's fault, graded as unresolved."""
    from harness_helpers import GOLD

    harness, base = calc
    broken = GOLD.replace("@@ -1,5 +1,5 @@\n def add", "@@ -1,5 +1,6 @@\n+import numpy_not_installed_here\n def add")
    task = _calc_task(base, instance_id="acme__calc-badimport")
    result = harness.process(task, tmp_path / "t", patch=broken)
    assert result["evaluation"]["patch_applied"], result["reason"]
    assert result["status"] == "unresolved", result["reason"]


CRASHING_HOOK = ("diff --git a/tests/conftest.py b/tests/conftest.py\nnew file mode 100644\n--- /dev/null\n"
                 "+++ b/tests/conftest.py\n@@ -0,0 +1,2 @@\n+def pytest_runtest_logreport(report):\n"
                 "+    raise RuntimeError('the code under test broke the runner')\n")


def test_a_runner_crash_in_the_repositorys_code_is_unresolved_not_missing_results(tmp_path: Path, calc) -> None:
    """pytest-7168's empty patch: the tests run, then the repository's own code (there pytest itself) raises
    an INTERNALERROR and no outcome is printed. The official grading fails those tests: unresolved, with
    the crash named, not "no test results" (which says nothing was tested)."""
    harness, base = calc
    task = _calc_task(base, instance_id="acme__calc-crash")
    result = harness.process(task, tmp_path / "t", patch=CRASHING_HOOK)
    assert result["status"] == "unresolved" and not result["evaluation"]["no_results"], result["reason"]
    assert "crashed the test runner (INTERNALERROR at tests/conftest.py:2)" in result["reason"], result["reason"]


LOUD = ("diff --git a/tests/conftest.py b/tests/conftest.py\nnew file mode 100644\n--- /dev/null\n"
        "+++ b/tests/conftest.py\n@@ -0,0 +1,7 @@\n+import pytest\n+\n+\n+@pytest.fixture(autouse=True)\n"
        "+def loud():\n+    print('debug line of a chatty logger ' * 20000)\n+    yield\n")


def test_the_verdict_is_read_from_a_test_output_bigger_than_a_command_output_cap(tmp_path: Path, calc) -> None:
    """`-rA` prints each passed test's captured output (sqlfluff: ~2 MB of debug logs) before the summary
    the verdict is read from: the test run keeps all of it, as the official harness does."""
    from harness_helpers import GOLD, TEST_PATCH

    from patchsmith.tools.sandbox.base import DEFAULT_OUTPUT_CAP

    harness, base = calc
    task = _calc_task(base, instance_id="acme__calc-loud", test_patch=TEST_PATCH + LOUD)
    result = harness.process(task, tmp_path / "t", patch=GOLD)
    assert result["status"] == "resolved", result["reason"]
    assert (tmp_path / "t" / "eval.log").stat().st_size > 2 * DEFAULT_OUTPUT_CAP


def test_an_environment_build_sees_the_nearest_tag_as_the_official_clone_does(tmp_path: Path) -> None:
    """setuptools-scm and versioneer compute the version from git while installing: with no tag pvlib is
    `0.1.dev1497` and its `[all]` extra cannot resolve (pvfactors needs pvlib>=0.9)."""
    from harness_helpers import git, make_repo, task_row

    from patchsmith.harness.tasks import task_from_row

    root = tmp_path / "origin"
    base = make_repo(root)
    git(root, "tag", "-a", "v0.9.5", "-m", "release", "HEAD~1")
    git(tmp_path, "clone", "-q", "--mirror", str(root), str(tmp_path / "repos" / "acme__calc"))
    task = task_from_row(task_row(base, spec={"install": "git describe --tags --long > ../described"}))
    source = find_source(task, tmp_path / "repos", tmp_path / "repos", allow_clone=False)
    env = EnvManager(tmp_path / "cache").get(task, spec_for(task), source)
    described = (env.src.parent / "described").read_text().strip()
    assert described.startswith("v0.9.5-1-g"), described
