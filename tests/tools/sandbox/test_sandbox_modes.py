"""Choosing a backend and enforcing permission modes at the sandbox boundary."""

from __future__ import annotations

import shutil
import subprocess
import uuid
import warnings
from pathlib import Path

import pytest
from sandbox_backends import ISOLATING, require_backend

from patchsmith.tools.sandbox import (
    LocalSandbox,
    ModeRefused,
    SandboxFallbackWarning,
    SandboxUnavailable,
    available_backends,
    check_mode,
    make_sandbox,
    resolve_kind,
)
from patchsmith.tools.sandbox import bwrap as bwrap_mod


@pytest.fixture
def no_bwrap(monkeypatch):
    """This machine as if bubblewrap were not installed."""
    monkeypatch.setattr(bwrap_mod.shutil, "which", lambda name: None)


def test_local_is_always_available_and_names_are_checked(tmp_path: Path) -> None:
    status = available_backends()
    assert set(status) == {"local", "bwrap", "docker"} and status["local"] is None
    with pytest.raises(ValueError, match="choose one of local, bwrap, docker, auto"):
        make_sandbox("podman", tmp_path)


@pytest.mark.bwrap
def test_auto_prefers_bwrap(tmp_path: Path) -> None:
    require_backend("bwrap")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no fallback warning when bwrap works
        sandbox = make_sandbox("auto", tmp_path)
    assert sandbox.name == "bwrap" and sandbox.isolates


def test_auto_falls_back_to_local_with_a_warning(tmp_path: Path, no_bwrap) -> None:
    assert resolve_kind("auto")[0] == "local"
    with pytest.warns(SandboxFallbackWarning, match="apt-get install bubblewrap"):
        sandbox = make_sandbox("auto", tmp_path)
    assert isinstance(sandbox, LocalSandbox) and not sandbox.isolates


def test_missing_bwrap_is_one_clear_line(tmp_path: Path, no_bwrap) -> None:
    with pytest.raises(SandboxUnavailable) as info:
        make_sandbox("bwrap", tmp_path)
    assert "apt-get install bubblewrap" in str(info.value) and "\n" not in str(info.value)


def test_namespaces_off_is_one_clear_line(tmp_path: Path, monkeypatch) -> None:
    # A stand-in bwrap that fails the way the real one does when user namespaces are disabled.
    fake = tmp_path / "bwrap"
    fake.write_text("#!/bin/sh\necho 'bwrap: No permissions to creating new namespace, likely because the "
                    "kernel does not allow non-privileged user namespaces.' >&2\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setattr(bwrap_mod.shutil, "which", lambda name: str(fake))
    with pytest.raises(SandboxUnavailable, match="user namespaces are off") as info:
        make_sandbox("bwrap", tmp_path)
    assert "\n" not in str(info.value)


def test_full_auto_needs_an_isolating_backend(tmp_path: Path) -> None:
    with pytest.raises(ModeRefused, match="--sandbox bwrap or --sandbox docker"):
        check_mode("full-auto", LocalSandbox(tmp_path))
    for mode in ("ask", "auto-edit"):
        check_mode(mode, LocalSandbox(tmp_path))
    with pytest.raises(ValueError, match="unknown mode"):
        check_mode("yolo", LocalSandbox(tmp_path))


@pytest.mark.parametrize("kind", ISOLATING)
def test_full_auto_is_allowed_on_isolating_backends(kind: str, tmp_path: Path) -> None:
    require_backend(kind)
    sandbox = make_sandbox(kind, tmp_path)
    try:
        check_mode("full-auto", sandbox)
        with pytest.raises(ModeRefused, match="read_only=True"):
            check_mode("read-only", sandbox)  # a writable mount cannot back read-only mode
    finally:
        sandbox.close()


@pytest.mark.parametrize("kind", ISOLATING)
def test_read_only_mounts_the_workspace_read_only(kind: str, tmp_path: Path) -> None:
    require_backend(kind)
    (tmp_path / "src.py").write_text("x = 1\n")
    sandbox = make_sandbox(kind, tmp_path, read_only=True)
    try:
        check_mode("read-only", sandbox)
        result = sandbox.exec("cat src.py; echo y > src.py; echo z > new.txt; rm src.py; echo done")
        assert "x = 1" in result.output and "done" in result.output
        assert "Read-only file system" in result.output
        assert (tmp_path / "src.py").read_text() == "x = 1\n" and not (tmp_path / "new.txt").exists()
        assert sandbox.exec("echo scratch > /tmp/s && cat /tmp/s").output.strip() == "scratch"  # /tmp still works
    finally:
        sandbox.close()


def test_read_only_on_local_warns_that_commands_can_write(tmp_path: Path) -> None:
    with pytest.warns(UserWarning, match="commands run as you"):
        check_mode("read-only", LocalSandbox(tmp_path, read_only=True))


@pytest.mark.parametrize("kind", ISOLATING)
def test_linked_worktree_git_works_but_the_users_repo_is_read_only(kind: str, tmp_path: Path) -> None:
    require_backend(kind)
    repo, tree = tmp_path / "repo", tmp_path / "tree"

    def git(*args: str, cwd: Path = repo) -> str:
        return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=cwd, check=True,
                              capture_output=True, text=True).stdout

    repo.mkdir()
    git("init", "-q")
    (repo / "a.py").write_text("a = 1\n")
    git("add", "a.py")
    git("commit", "-qm", "init")
    git("worktree", "add", "-q", str(tree))
    head = git("rev-parse", "HEAD")
    sandbox = make_sandbox(kind, tree)
    try:
        result = sandbox.exec("echo 'b = 2' >> a.py; git status --short; git diff --stat; "
                              "git -c user.name=x -c user.email=x@x commit -qam sneaky; echo commit=$?")
        assert "M a.py" in result.output and "1 file changed" in result.output
        assert "commit=0" not in result.output
    finally:
        sandbox.close()
    assert git("rev-parse", "HEAD") == head  # the user's repository is untouched
    assert "b = 2" in (tree / "a.py").read_text()


@pytest.mark.bwrap
def test_bwrap_shows_ro_paths_under_the_hidden_home(tmp_path: Path) -> None:
    require_backend("bwrap")
    cache = Path.home() / f".patchsmith-test-cache-{uuid.uuid4().hex[:8]}"
    cache.mkdir()
    try:
        (cache / "env.txt").write_text("venv here\n")
        sandbox = make_sandbox("bwrap", tmp_path, ro_paths=[cache])
        result = sandbox.exec(f"cat {cache}/env.txt; touch {cache}/x; echo rc=$?")
        assert "venv here" in result.output and "rc=0" not in result.output
    finally:
        shutil.rmtree(cache)
