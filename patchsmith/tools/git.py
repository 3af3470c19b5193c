"""Thin helpers over the git CLI (GitPython for repository discovery)."""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

import git

from ..errors import PatchsmithError


class GitError(PatchsmithError, RuntimeError):
    """A git command failed; the message carries git's own stderr."""


def run_git(root: Path, *args: str, input: str | bytes | None = None, env: dict[str, str] | None = None,
            check: bool = True, text: bool = True) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_PAGER": "cat", **(env or {})}
    if isinstance(input, str) and not text:
        input = input.encode()
    proc = subprocess.run(["git", "-C", str(root), *args], input=input, capture_output=True, text=text,
                          env=full_env)
    if check and proc.returncode != 0:
        err = proc.stderr if text else proc.stderr.decode(errors="replace")
        raise GitError(f"git {' '.join(args[:3])} failed: {err.strip()}")
    return proc


def repo_root(path: Path) -> Path:
    """The top of the git working tree containing `path`, or GitError with what to do."""
    try:
        repo = git.Repo(path, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise GitError(f"{path} is not inside a Git repository; run `git init` there or pass --repo PATH") from None
    if repo.bare or repo.working_tree_dir is None:
        raise GitError(f"{path} is a bare repository; pass --repo with a checked-out working tree")
    return Path(repo.working_tree_dir).resolve()


def snapshot_tree(root: Path) -> str:
    """A tree object of the working tree as it is now (tracked + untracked, minus ignored), without
    touching the real index."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {"GIT_INDEX_FILE": str(Path(tmp) / "index")}
        has_head = run_git(root, "rev-parse", "--verify", "-q", "HEAD", check=False).returncode == 0
        if has_head:
            run_git(root, "read-tree", "HEAD", env=env)
        run_git(root, "add", "-A", "--", ".", env=env)
        return run_git(root, "write-tree", env=env).stdout.strip()


def diff_against(root: Path, base: str, paths: list[str] | None = None) -> str:
    """The patch from commit `base` to the working tree now, new files included, as `git apply` takes it."""
    tree = snapshot_tree(root)
    args = ["diff", "--binary", "--no-color", "--no-ext-diff", base, tree]
    if paths:
        args += ["--", *paths]
    # Not every changed file is UTF-8: surrogateescape keeps such bytes, so encoding the patch the same way
    # gives back exactly what git printed (strict decoding made ws.diff() fail on a Latin-1 file).
    return run_git(root, *args, text=False).stdout.decode("utf-8", errors="surrogateescape")
