"""The user's own environment reaches the agent's worktree: a repository whose tests import a package that is
installed only in its ignored `.venv` passes run_tests in a seeded worktree (which has no `.venv`), on every
backend; and the project's editable install points at the worktree's code, not the user's."""

from __future__ import annotations

import base64
import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from repos import make_repo
from sandbox_backends import ALL, require_backend

from patchsmith.tools.projectenv import detect_project_env
from patchsmith.tools.run_tests import run_tests_tool
from patchsmith.tools.sandbox import make_sandbox
from patchsmith.tools.seed import remove_worktree, seed_worktree
from patchsmith.tools.workspace import Workspace

TEST_FILE = """\
import unittest

import onlyinvenv  # noqa: I001 - first, so that without the venv this is the import that fails

import calc


class T(unittest.TestCase):
    def test_dependency_from_the_venv(self):
        self.assertEqual(onlyinvenv.ANSWER, 42)

    def test_the_worktrees_code(self):
        self.assertEqual(calc.VERSION, "agent")
"""


def _venv_repo(root: Path) -> Path:
    repo = make_repo(
        root, {".gitignore": ".venv/\n", "src/calc.py": 'VERSION = "user"\n', "tests/test_calc.py": TEST_FILE}
    )
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(repo / ".venv")], check=True)
    site = next((repo / ".venv").glob("lib/python*/site-packages"))
    (site / "onlyinvenv.py").write_text("ANSWER = 42\n")  # the dependency exists nowhere else
    (site / "__editable__.calc.pth").write_text(f"{repo / 'src'}\n")  # as `pip install -e .` would
    return repo


def test_detects_an_ignored_venv_and_its_editable_install(tmp_path: Path):
    repo = _venv_repo(tmp_path / "proj")
    env = detect_project_env(repo, environ={})
    assert env is not None and env.kind == "venv" and env.python == (repo / ".venv").resolve()
    assert env.source_paths == ((repo / "src").resolve(),)
    variables = env.variables("/usr/bin", tmp_path / "ws")
    assert variables["PATH"] == f"{repo.resolve() / '.venv' / 'bin'}:/usr/bin"
    assert variables["PYTHONPATH"] == str(tmp_path / "ws" / "src")
    assert detect_project_env(tmp_path / "proj" / "src", environ={}) is None  # nothing there


@pytest.mark.parametrize("kind", ALL)
def test_run_tests_uses_the_projects_venv_in_the_worktree(kind: str, tmp_path: Path):
    require_backend(kind)
    repo = _venv_repo(tmp_path / "proj")
    seeded = seed_worktree(repo, tmp_path / "wt")
    try:
        assert not (seeded.root / ".venv").exists()  # ignored files are not seeded
        (seeded.root / "src" / "calc.py").write_text('VERSION = "agent"\n')  # the agent's edit
        with_env = make_sandbox(kind, seeded.root, project=detect_project_env(repo, environ={}))
        without = make_sandbox(kind, seeded.root)
        try:
            obs = run_tests_tool(Workspace(root=seeded.root, base=seeded.base, sandbox=with_env), {})
            plain = run_tests_tool(Workspace(root=seeded.root, base=seeded.base, sandbox=without), {})
        finally:
            with_env.close()
            without.close()
        assert obs.data["counts"].get("passed") == 2 and not obs.data["counts"].get("failed"), obs.text
        # Without the project's environment the same tests cannot even import their dependency.
        assert not plain.data["counts"].get("passed") and "onlyinvenv" in plain.text, plain.text
    finally:
        remove_worktree(repo, seeded.root)
        shutil.rmtree(seeded.root, ignore_errors=True)


def test_poetry_and_conda_environments_are_found_where_their_managers_keep_them(tmp_path: Path):
    home = tmp_path / "home"
    repo = make_repo(tmp_path / "poet", {"pyproject.toml": '[tool.poetry]\nname = "My App"\nversion = "1"\n'})
    # Poetry's own naming (env_manager.generate_env_name): sha256 of the project path, url-safe base64, 8 chars.
    digest = base64.urlsafe_b64encode(hashlib.sha256(str(repo.resolve()).encode()).digest()).decode()[:8]
    venv = home / ".cache" / "pypoetry" / "virtualenvs" / f"my_app-{digest}-py3.11"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    found = detect_project_env(repo, environ={"HOME": str(home)})
    assert found is not None and (found.kind, found.python) == ("poetry", venv.resolve())

    conda_repo = make_repo(
        tmp_path / "cond", {"environment.yml": "name: science\ndependencies:\n  - numpy\n"}
    )
    prefix = home / "miniconda3" / "envs" / "science"
    (prefix / "conda-meta").mkdir(parents=True)
    found = detect_project_env(conda_repo, environ={"HOME": str(home)})
    assert found is not None and (found.kind, found.python) == ("conda", prefix.resolve())
    assert found.variables("/bin", tmp_path)["CONDA_PREFIX"] == str(prefix.resolve())


NODE_TEST = """\
const test = require("node:test");
const assert = require("node:assert");
const pad = require("onlyinmodules");

test("pads from node_modules", () => assert.strictEqual(pad("7"), "007"));
"""


@pytest.mark.parametrize("kind", ALL[:2])  # the docker base image has no node
def test_run_tests_uses_the_projects_node_modules(kind: str, tmp_path: Path):
    require_backend(kind)
    repo = make_repo(
        tmp_path / "js",
        {
            ".gitignore": "node_modules/\n",
            "test/pad.test.js": NODE_TEST,
            "package.json": '{"name": "js", "scripts": {"test": "node --test"}}\n',
        },
    )
    module = repo / "node_modules" / "onlyinmodules"
    module.mkdir(parents=True)
    (module / "index.js").write_text('module.exports = (s) => s.padStart(3, "0");\n')
    seeded = seed_worktree(repo, tmp_path / "wt")
    try:
        assert not (seeded.root / "node_modules").exists()
        sandbox = make_sandbox(kind, seeded.root, project=detect_project_env(repo, environ={}))
        try:
            obs = run_tests_tool(Workspace(root=seeded.root, base=seeded.base, sandbox=sandbox), {})
        finally:
            sandbox.close()
        assert obs.data["counts"].get("passed") == 1 and not obs.data["counts"].get("failed"), obs.text
    finally:
        remove_worktree(repo, seeded.root)
        shutil.rmtree(seeded.root, ignore_errors=True)
