"""Host code execution through git metadata: whatever the sandboxed agent writes in its workspace (a `.git`
file or folder, a gitdir's `commondir` or `config`, hooks, `.gitattributes` drivers, a nested repository), no
host-side git that patchsmith runs afterwards (snapshot/diff, search, file listing, the symbol index's watch,
apply-back, cleanup, the harness's apply/reset) may run a command it planted. Every attack on every backend.

Each planted command appends to MARK, a host file outside the workspace the sandbox cannot write itself, so
its existence proves the host ran it."""

from __future__ import annotations

import os
import shlex
import subprocess
from pathlib import Path

import pytest
from repos import git, make_repo
from sandbox_backends import ALL, require_backend

from patchsmith.harness import evaluate as harness_eval
from patchsmith.harness.repos import RepoSource, checkout, remove_checkout
from patchsmith.tools.files import listed_files
from patchsmith.tools.index.freshness import WorktreeWatch
from patchsmith.tools.sandbox import make_sandbox
from patchsmith.tools.search import search_files
from patchsmith.tools.seed import apply_back, remove_worktree, seed_worktree
from patchsmith.tools.workspace import Workspace

# Each attack runs in the workspace (cwd) inside the sandbox. $P is an executable payload that appends to
# the marker and passes stdin through (so it works as fsmonitor, hook, clean/smudge filter, textconv, diff).
# $E is a git dir the attacker builds from scratch, borrowing the real objects so git has something to read.
LOCATE = r"""
G=$(git rev-parse --absolute-git-dir); C=$(git rev-parse --path-format=absolute --git-common-dir)
"""
MOVE_DOTGIT = r"""
if [ -d .git ] && [ ! -L .git ]; then mv .git .git.moved; G=$PWD/.git.moved; C=$G; fi
"""
EVIL_GITDIR = r"""
E=$PWD/.evil; rm -rf "$E"; git init -q --bare "$E"
echo "$C/objects" > "$E/objects/info/alternates"; git --git-dir="$G" rev-parse HEAD > "$E/HEAD"
cp "$G/index" "$E/index" 2>/dev/null
git --git-dir="$E" config core.bare false
"""
ARM = r"""
arm() {  # $1 = a git dir whose config the host might read
  git --git-dir="$1" config core.fsmonitor "$P"
  git --git-dir="$1" config core.hooksPath "$PWD/.hooks"
  git --git-dir="$1" config filter.x.clean "$P"; git --git-dir="$1" config filter.x.smudge "$P"
  git --git-dir="$1" config filter.x.required false
  git --git-dir="$1" config diff.x.textconv "$P"; git --git-dir="$1" config diff.x.command "$P"
  git --git-dir="$1" config merge.x.driver "$P %A"; git --git-dir="$1" config core.pager "$P"
  git --git-dir="$1" config uploadpack.packObjectsHook "$P"; git --git-dir="$1" config core.sshCommand "$P"
  git --git-dir="$1" config core.alternateRefsCommand "$P"; git --git-dir="$1" config gc.auto 1
  mkdir -p "$1/hooks"; for h in pre-commit post-checkout post-index-change reference-transaction \
      pre-auto-gc fsmonitor-watchman; do cp "$P" "$1/hooks/$h"; cp "$P" ".hooks/$h"; done
}
mkdir -p .hooks
printf '* filter=x diff=x merge=x\n' > .gitattributes
"""
# Each attack arms its git dir last, so that the plant's own git commands never run the payload.
ATTACKS = {
    # rewrite the worktree's .git (file or folder) to point at a git dir the agent made
    "dotgit-file": LOCATE + MOVE_DOTGIT + EVIL_GITDIR + ARM + r"""arm "$E"
rm -f .git; printf 'gitdir: %s\n' "$E" > .git""",
    # rewrite the writable gitdir's commondir (a linked worktree) to point at the agent's git dir
    "commondir": LOCATE + EVIL_GITDIR + ARM + r"""arm "$E"
echo "$E" > "$G/commondir" 2>/dev/null || true""",
    # arm the current git dir's own config (the harness's checkout: `git config core.fsmonitor ...`)
    "config": LOCATE + ARM + r"""git config --worktree core.fsmonitor "$P" 2>/dev/null || true
arm "$G"
""",
    # a nested repository whose own config carries the payload
    "nested": ARM + r"""mkdir -p vendor/lib && git init -q vendor/lib
echo x > vendor/lib/f && git -C vendor/lib add f && git -C vendor/lib -c user.name=a -c user.email=a@a commit -qm x
arm "$(cd vendor/lib && git rev-parse --absolute-git-dir)"
""",
    # .git as a symlink to the agent's git dir
    "dotgit-symlink": LOCATE + MOVE_DOTGIT + EVIL_GITDIR + ARM + r"""arm "$E"
rm -f .git; ln -s "$E" .git""",
}


def _payload(ws: Path, mark: Path) -> None:
    payload = ws / ".payload.sh"
    payload.write_text(f"#!/bin/sh\necho ran \"$0\" \"$@\" >> {shlex.quote(str(mark))}\ncat\n")
    payload.chmod(0o755)


def _plant(sandbox, ws: Path, mark: Path, attack: str) -> None:
    _payload(ws, mark)
    result = sandbox.exec(f"set -u; P={shlex.quote(str(ws / '.payload.sh'))}\n{ATTACKS[attack]}\necho PLANTED",
                          cwd=ws, timeout=60)
    assert "PLANTED" in result.output, result.output  # the attack itself ran to its end inside the sandbox


def _host_side_git(ws: Workspace) -> str:
    """Everything patchsmith does with git on the host during and after a run; returns the final diff."""
    patch = ws.diff()
    listed_files(ws.root)
    search_files(ws.root, "alpha", backend="git")
    WorktreeWatch(ws.root).fingerprint()
    patch2 = ws.diff(["a.txt"])
    assert patch2 == "" or "a.txt" in patch2
    return patch


@pytest.fixture
def user_repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "user", {"a.txt": "alpha\n", "src/m.py": "x = 1\n"})


def _user_git_state(repo: Path) -> dict:
    gitdir = repo / ".git"
    return {"config": (gitdir / "config").read_text(), "refs": git(repo, "for-each-ref"),
            "hooks": sorted(p.name for p in (gitdir / "hooks").iterdir()),
            "worktrees": sorted(os.listdir(gitdir / "worktrees")) if (gitdir / "worktrees").exists() else []}


@pytest.mark.parametrize("attack", sorted(ATTACKS))
@pytest.mark.parametrize("kind", ALL)
def test_fix_run_host_git_never_runs_planted_commands(kind: str, attack: str, user_repo: Path,
                                                      tmp_path: Path) -> None:
    require_backend(kind)
    mark = tmp_path / "host-pwned"
    before = _user_git_state(user_repo)
    seeded = seed_worktree(user_repo, tmp_path / "work" / "ws")
    sandbox = make_sandbox(kind, seeded.root)
    try:
        ws = seeded.workspace(sandbox=sandbox)
        (ws.root / "a.txt").write_text("alpha edited\n")  # an edit made before the attack must survive it
        _plant(sandbox, ws.root, mark, attack)
        assert not mark.exists(), "the plant ran its own payload: " + mark.read_text()
        patch = _host_side_git(ws)
        assert "alpha edited" in patch
        result = apply_back(user_repo, patch)
        assert result.applied, result.message
    finally:
        sandbox.close()
        remove_worktree(user_repo, seeded.root)
    assert not mark.exists(), f"host git ran the planted command: {mark.read_text()}"
    assert not seeded.root.exists(), "cleanup left the agent's worktree behind"
    assert _user_git_state(user_repo) == before  # no worktree entry left, config/hooks/refs untouched
    assert (user_repo / "a.txt").read_text() == "alpha edited\n"


@pytest.mark.parametrize("attack", sorted(ATTACKS))
@pytest.mark.parametrize("kind", ALL)
def test_harness_host_git_never_runs_planted_commands(kind: str, attack: str, user_repo: Path,
                                                      tmp_path: Path) -> None:
    require_backend(kind)
    mark = tmp_path / "host-pwned"
    commit = git(user_repo, "rev-parse", "HEAD").strip()
    dest = checkout(RepoSource("local", user_repo), commit, tmp_path / "task" / "workspace")
    sandbox = make_sandbox(kind, dest)
    try:
        ws = Workspace(root=dest, base=commit, sandbox=sandbox)
        (dest / "a.txt").write_text("alpha edited\n")
        _plant(sandbox, dest, mark, attack)
        assert not mark.exists(), "the plant ran its own payload: " + mark.read_text()
        patch = _host_side_git(ws)
        assert "alpha edited" in patch
        # the scorer's own steps in that tree: reset after a failed apply, then apply the prediction
        harness_eval._reset(dest)
        applied = harness_eval.apply_patch(dest, patch)
        assert applied.ok, applied.reason
    finally:
        sandbox.close()
        remove_checkout(dest)
    assert not mark.exists(), f"host git ran the planted command: {mark.read_text()}"
    assert not dest.exists()


def test_the_attacks_do_work_against_plain_git(user_repo: Path, tmp_path: Path) -> None:
    """Control: the same plants make an ordinary `git status` on the host run the payload, so the tests
    above would see an attack that got through."""
    mark = tmp_path / "host-pwned"
    dest = tmp_path / "plain"
    subprocess.run(["git", "clone", "-q", str(user_repo), str(dest)], check=True)
    _plant(make_sandbox("local", dest), dest, mark, "config")
    (dest / "a.txt").write_text("changed\n")
    subprocess.run(["git", "-C", str(dest), "add", "-A"], capture_output=True)
    assert mark.exists()
