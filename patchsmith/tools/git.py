"""Thin helpers over the git CLI (GitPython for repository discovery), every call hardened.

Host-side git must never run anything the agent planted. A workspace patchsmith made (`gitstore`) keeps its
git dir, index and object store outside the workspace, where no sandbox can write, and every call names it
explicitly (GIT_DIR, GIT_WORK_TREE): a `.git` file or folder, `commondir`, config or hooks the agent wrote in
the workspace are never read. Every call also runs with no system or global config and with the settings
that run programs forced off (fsmonitor, hooks, pager, external diff, credential helpers, transports), so
even the repository's own config cannot make the host run a program it names; attribute-driven filters,
diff and merge drivers are unset by the store's info/attributes (which wins over any .gitattributes).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from pathlib import Path

from ..errors import PatchsmithError
from .gitstore import store_dir

# `-c` settings that win over every config file git reads. Each names a way git could start a program or
# reach the network; the values switch that off.
HARDENED = ("core.fsmonitor=false", "core.hooksPath=/dev/null", "core.pager=cat", "core.editor=true",
            "core.askPass=", "core.sshCommand=false", "core.alternateRefsCommand=",
            "core.attributesFile=/dev/null", "core.untrackedCache=false", "credential.helper=",
            "diff.external=", "diff.noprefix=false", "diff.mnemonicPrefix=false", "diff.relative=false",
            "color.ui=false", "gc.auto=0", "maintenance.auto=false", "submodule.recurse=false",
            "protocol.allow=never", "protocol.file.allow=always", "uploadpack.packObjectsHook=",
            "advice.detachedHead=false", "commit.gpgSign=false", "tag.gpgSign=false")
# Environment variables that would steer git (another git dir, config, object store, program to run): none
# is inherited; run_git sets what it needs itself.
KEEP_ENV = ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL")
BASE_ENV = {"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_ATTR_NOSYSTEM": "1",
            "GIT_TERMINAL_PROMPT": "0", "GIT_PAGER": "cat", "GIT_NO_REPLACE_OBJECTS": "1",
            "GIT_PROTOCOL_FROM_USER": "0", "GIT_ASKPASS": "/bin/false", "SSH_ASKPASS": "/bin/false"}


class GitError(PatchsmithError, RuntimeError):
    """A git command failed; the message carries git's own stderr."""


def git_env(root: Path | None = None, extra: Mapping[str, str] | None = None, use_store: bool = True) -> dict[str, str]:
    """The environment for a host-side git in `root`: the caller's minus every GIT_* variable, plus the
    hardening, plus GIT_DIR/GIT_WORK_TREE when `root` is a workspace with its own store."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_") or k in KEEP_ENV}
    env.update(BASE_ENV)
    if root is not None and use_store:
        store = store_dir(Path(root))
        if store is not None:
            env.update({"GIT_DIR": str(store), "GIT_WORK_TREE": str(Path(root).resolve())})
    env.update(extra or {})
    return env


def git_argv(*args: str) -> list[str]:
    hardening = [item for setting in HARDENED for item in ("-c", setting)]
    return ["git", *hardening, *args]


def run_git(root: Path, *args: str, input: str | bytes | None = None, env: dict[str, str] | None = None,
            check: bool = True, text: bool = True, timeout: float | None = None,
            use_store: bool = True) -> subprocess.CompletedProcess:
    """git `args` in `root`, hardened; in a workspace with its own store, on that store (`use_store=False`:
    plain discovery, or whatever GIT_DIR `env` names)."""
    if isinstance(input, str) and not text:
        input = input.encode()
    full_env = git_env(root, env, use_store)
    try:
        proc = subprocess.run(git_argv(*args), cwd=root, input=input, capture_output=True, text=text,
                              env=full_env, stdin=None if input is not None else subprocess.DEVNULL,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        raise GitError(f"git {' '.join(args[:3])} took longer than {timeout:g}s") from None
    except OSError as exc:  # e.g. `root` was removed under us
        raise GitError(f"git {' '.join(args[:3])} could not start in {root}: {exc}") from None
    if check and proc.returncode != 0:
        err = proc.stderr if text else proc.stderr.decode(errors="replace")
        raise GitError(f"git {' '.join(args[:3])} failed: {err.strip()}")
    return proc


def repo_root(path: Path) -> Path:
    """The top of the git working tree containing `path`, or GitError with what to do."""
    import git  # GitPython costs ~60 ms to import: only the commands that look for a repository pay it

    try:
        repo = git.Repo(path, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise GitError(f"{path} is not inside a Git repository; run `git init` there or pass --repo PATH") from None
    if repo.bare or repo.working_tree_dir is None:
        raise GitError(f"{path} is a bare repository; pass --repo with a checked-out working tree")
    return Path(repo.working_tree_dir).resolve()


def absolute_git_dir(root: Path, common: bool = False) -> Path:
    """The git dir (or the common dir) host-side git uses for `root`."""
    store = store_dir(Path(root))
    if store is not None:
        return store
    out = run_git(root, "rev-parse", "--git-common-dir" if common else "--absolute-git-dir").stdout.strip()
    return (Path(root) / out).resolve()

