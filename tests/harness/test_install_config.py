"""Tasks that carry their own environment description (SWE-rebench's `install_config`, fields as the dataset
writes them) are built and scored from it, for repositories in no spec table.

Offline: the environment's pip reads only a wheelhouse the test makes from this interpreter's own installed
pytest (and setuptools for the build), never an index; the tests run in the sandbox without network.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata as md
import json
import os
import sys
import zipfile
from pathlib import Path

import pytest
from harness_helpers import git
from packaging.requirements import Requirement

from patchsmith.errors import UserError
from patchsmith.harness.pipeline import Harness
from patchsmith.harness.specs import TABLE, spec_for
from patchsmith.harness.tasks import load_tasks, task_from_row

PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"
# SWE-rebench's test command (as its rows carry it) and log parser name.
INSTALL = "python setup.py develop"
TEST_CMD = "pytest --no-header -rA --tb=line --color=no -p no:cacheprovider -W ignore::DeprecationWarning"


def _wheel_from_installed(name: str, dest: Path) -> None:
    """A py3-none-any wheel rebuilt from an installed pure-Python distribution (its RECORD lists the files)."""
    dist = md.distribution(name)
    files = [f for f in dist.files or [] if not str(f).startswith("..") and "__pycache__" not in str(f)]
    info = next(f.parts[0] for f in files if f.parts[0].endswith(".dist-info"))
    whl = dest / f"{dist.metadata['Name'].replace('-', '_')}-{dist.version}-py3-none-any.whl"
    records = []
    with zipfile.ZipFile(whl, "w") as zf:
        for f in files:
            if f.name in ("RECORD", "INSTALLER", "REQUESTED", "direct_url.json"):
                continue
            data = Path(dist.locate_file(f)).read_bytes()
            zf.writestr(str(f), data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            records.append(f"{f},sha256={digest},{len(data)}")
        zf.writestr(f"{info}/RECORD", "\n".join([*records, f"{info}/RECORD,,"]) + "\n")


def _closure(names: list[str]) -> list[str]:
    seen: list[str] = []
    todo = list(names)
    while todo:
        name = todo.pop()
        if name.lower() in (s.lower() for s in seen):
            continue
        seen.append(name)
        for raw in md.distribution(name).requires or []:
            req = Requirement(raw)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(req.name)
    return seen


@pytest.fixture(scope="module")
def offline_pip(tmp_path_factory: pytest.TempPathFactory):
    """pip in built environments sees only a local wheelhouse (no index: nothing leaves the machine)."""
    wanted = ["pytest", "setuptools"]
    try:
        names = _closure(wanted)
    except md.PackageNotFoundError as exc:
        pytest.skip(f"this interpreter lacks {exc} to build an offline wheelhouse from")
    house = tmp_path_factory.mktemp("wheelhouse")
    for name in names:
        _wheel_from_installed(name, house)
    saved = {k: os.environ.get(k) for k in ("PIP_NO_INDEX", "PIP_FIND_LINKS", "PIP_CONSTRAINT")}
    os.environ.update(PIP_NO_INDEX="1", PIP_FIND_LINKS=str(house), PIP_CONSTRAINT="")
    yield house
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def install_config(**extra) -> dict:
    """An `install_config` with every field SWE-rebench rows carry (nulls where a row leaves one unset)."""
    config = {"python": PYTHON, "packages": "", "reqs_path": None, "env_yml_path": None, "no_use_env": None,
              "pip_packages": ["pytest", "setuptools"], "pre_install": ["apt-get update && apt-get install -y gcc"],
              # As some rows (and the official django specs) write it: setup.py, which needs no `wheel`.
              "install": INSTALL, "test_cmd": TEST_CMD, "log_parser": "parse_log_pytest",
              "eval_commands": None, "env_vars": None}
    config.update(extra)
    return config


def rebench_row(repo: str, base: str, patch: str, test_patch: str, f2p: list[str], p2p: list[str],
                config: dict) -> dict:
    """A row as SWE-rebench writes it: test lists as lists, install_config per instance."""
    return {"instance_id": f"{repo.replace('/', '__')}-1", "repo": repo, "base_commit": base, "patch": patch,
            "test_patch": test_patch, "problem_statement": "see the tests", "hints_text": "",
            "created_at": "2024-01-01T00:00:00", "version": "1.0", "environment_setup_commit": base,
            "FAIL_TO_PASS": f2p, "PASS_TO_PASS": p2p, "meta": {"num_modified_files": 1},
            "license_name": "MIT", "install_config": config}


def _score(tmp_path: Path, repos: Path, row: dict, patch: str, cache: Path) -> dict:
    rows = tmp_path / "tasks.jsonl"
    tmp_path.mkdir(parents=True, exist_ok=True)
    rows.write_text(json.dumps(row) + "\n")
    task = load_tasks(rows)[0]
    harness = Harness(repos_dir=repos, cache_dir=cache, allow_clone=False, timeout=300)
    return harness.process(task, tmp_path / "out" / task.instance_id, patch=patch)


def test_install_config_becomes_the_spec(tmp_path: Path) -> None:
    row = rebench_row("acme/widget", "a" * 40, "", "", ["t.py::test_a"], [],
                      install_config(packages="requirements.txt", reqs_path=["requirements/test.txt"],
                                     env_vars={"TZ": "UTC"}, eval_commands=["export A=1"]))
    task = task_from_row(row)
    assert task.repo not in TABLE
    spec = spec_for(task)
    assert (spec.python, spec.requirements, spec.requirements_all) == (PYTHON, ("requirements/test.txt",), True)
    assert spec.pip_packages == ("pytest", "setuptools") and spec.install == INSTALL and spec.test_cmd == TEST_CMD
    assert spec.parser == "pytest" and spec.test_env == (("TZ", "UTC"),) and spec.eval_commands == ("export A=1",)
    as_string = spec_for(task_from_row(dict(row, install_config=json.dumps(row["install_config"]))))
    assert as_string == spec  # parquet exports keep install_config as a JSON string
    with pytest.raises(UserError, match="log_parser"):
        spec_for(task_from_row(dict(row, install_config=install_config(log_parser="parse_log_cargo"))))


WIDGET = "def area(w, h):\n    return w + h\n"
WIDGET_TESTS = "from widget import area\n\n\ndef test_square():\n    assert area(0, 0) == 0\n"
FIX = """diff --git a/widget.py b/widget.py
--- a/widget.py
+++ b/widget.py
@@ -1,2 +1,2 @@
 def area(w, h):
-    return w + h
+    return w * h
"""
NEW_TEST = """diff --git a/test_widget.py b/test_widget.py
--- a/test_widget.py
+++ b/test_widget.py
@@ -3,3 +3,7 @@ from widget import area
\x20
 def test_square():
     assert area(0, 0) == 0
+
+
+def test_rect():
+    assert area(2, 3) == 6
"""


@pytest.mark.slow
@pytest.mark.timeout(1200)  # one environment build (seconds on an idle machine, minutes on a busy one)
def test_task_with_its_own_install_config_is_built_and_scored(tmp_path: Path, offline_pip: Path) -> None:
    origin = tmp_path / "repos" / "acme__widget"
    origin.mkdir(parents=True)
    git(origin, "init", "-q")
    (origin / "widget.py").write_text(WIDGET)
    (origin / "test_widget.py").write_text(WIDGET_TESTS)
    (origin / "setup.py").write_text("from setuptools import setup\n\nsetup(name='widget', version='1', "
                                     "py_modules=['widget'])\n")
    git(origin, "add", "-A")
    git(origin, "-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "widget")
    base = git(origin, "rev-parse", "HEAD")
    row = rebench_row("acme/widget", base, FIX, NEW_TEST, ["test_widget.py::test_rect"],
                      ["test_widget.py::test_square"], install_config())
    gold = _score(tmp_path / "gold", origin.parent, row, FIX, tmp_path / "cache")
    assert gold["status"] == "resolved", gold["reason"]
    assert gold["evaluation"]["test_command"] == f"{TEST_CMD} test_widget.py"
    build_logs = list((tmp_path / "cache" / "envs").glob("*/build.log"))
    text = build_logs[0].read_text()
    assert "skipped, installs system packages: apt-get update" in text and INSTALL in text
    empty = _score(tmp_path / "empty", origin.parent, row, "", tmp_path / "cache")
    assert empty["env"]["reused"]
    assert empty["status"] == "unresolved" and empty["evaluation"]["fail_to_pass"]["failure"] == [
        "test_widget.py::test_rect"] and empty["evaluation"]["pass_to_pass"]["success"] == ["test_widget.py::test_square"]


SIX = Path(os.environ.get("PATCHSMITH_SIX_MIRROR", "/work/.mirror/benjaminp+six/repo"))
SIX_FIX = "10a2b75b8be7b68eacfa168834d9938b77d2d7e3"  # "Add assertNotRegex. (#289)": six.py and its test


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_real_repository_in_no_table_from_its_install_config(tmp_path: Path, offline_pip: Path) -> None:
    """benjaminp/six at the parent of a real fix, as a SWE-rebench row: gold resolves, empty does not."""
    if not (SIX / "HEAD").is_file():
        pytest.skip(f"no mirror of benjaminp/six at {SIX} (bring one with the fetch tool)")
    repos = tmp_path / "repos"
    repos.mkdir()
    # A local mirror of the real history, as a fixture: the harness reads it as the task's repository.
    git(repos, "clone", "-q", "--mirror", str(SIX), str(repos / "benjaminp__six"))
    base = git(repos / "benjaminp__six", "rev-parse", f"{SIX_FIX}^")
    patch = git(repos / "benjaminp__six", "diff", base, SIX_FIX, "--", "six.py") + "\n"
    test_patch = git(repos / "benjaminp__six", "diff", base, SIX_FIX, "--", "test_six.py") + "\n"
    assert "benjaminp/six" not in TABLE
    row = rebench_row("benjaminp/six", base, patch, test_patch, ["test_six.py::test_assertNotRegex"],
                      ["test_six.py::test_assertRegex", "test_six.py::test_assertRaisesRegex",
                       "test_six.py::test_add_metaclass"], install_config(pre_install=[]))
    gold = _score(tmp_path / "gold", repos, row, patch, tmp_path / "cache")
    assert gold["status"] == "resolved", gold["reason"]
    empty = _score(tmp_path / "empty", repos, row, "", tmp_path / "cache")
    assert empty["status"] == "unresolved"
    assert empty["evaluation"]["fail_to_pass"]["failure"] == ["test_six.py::test_assertNotRegex"]
    assert len(empty["evaluation"]["pass_to_pass"]["success"]) == 3
