"""The Safety layer: the agent works in a separate git worktree seeded with the user's current state, and its
patch goes back into the user's tree only through `apply_back`, which never leaves a half-applied result.

Nothing here writes to the user's working tree, index, stash or refs: the snapshot is built in a temporary
index, the seed commit is a dangling commit object (kept alive by the worktree's detached HEAD), and the only
administrative trace is the worktree entry under .git/worktrees, removed by `remove_worktree`."""

from __future__ import annotations

import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from .git import GitError, repo_root, run_git, snapshot_tree
from .workspace import Workspace

SEED_MESSAGE = "patchsmith seed: HEAD plus the working tree's uncommitted and untracked changes"
# A fixed identity and date: seeding works without any git identity configured, and the same state always
# gives the same seed commit.
SEED_ENV = {"GIT_AUTHOR_NAME": "patchsmith", "GIT_AUTHOR_EMAIL": "patchsmith@localhost",
            "GIT_COMMITTER_NAME": "patchsmith", "GIT_COMMITTER_EMAIL": "patchsmith@localhost",
            "GIT_AUTHOR_DATE": "2000-01-01T00:00:00+0000", "GIT_COMMITTER_DATE": "2000-01-01T00:00:00+0000"}
NO_HOOKS = ("-c", "core.hooksPath=/dev/null")  # the user's hooks must not run on our checkout


@dataclass(frozen=True)
class SeededWorkspace:
    root: Path  # the agent's worktree
    base: str  # the seed commit: the final patch is measured against it
    user_root: Path  # the user's own working tree (never written to until apply_back)

    def workspace(self, **kwargs) -> Workspace:
        return Workspace(root=self.root, base=self.base, **kwargs)


@dataclass(frozen=True)
class ApplyResult:
    applied: bool
    method: str  # "clean", "3way", "empty", or "conflict"
    message: str
    patch_file: Path | None = None  # where the patch was saved when it could not be applied
    files: tuple[str, ...] = ()


def _user_root(user_repo: Path) -> Path:
    try:
        return repo_root(Path(user_repo))
    except GitError as exc:
        raise ValueError(str(exc)) from None


def _has_head(root: Path) -> bool:
    return run_git(root, "rev-parse", "--verify", "-q", "HEAD^{commit}", check=False).returncode == 0


def seed_worktree(user_repo: Path, dest: Path, commit: str | None = None) -> SeededWorkspace:
    """A detached worktree at `dest` holding exactly the user's current files (tracked, staged, unstaged and
    untracked-not-ignored), committed there as the seed; or, given `commit` (an earlier run's seed, when a
    run is resumed), at that commit. Raises ValueError with what to do when impossible."""
    user_root = _user_root(user_repo)
    dest = Path(dest).resolve()
    if dest == user_root or user_root in dest.parents:
        raise ValueError(f"the agent's worktree {dest} must be outside the repository {user_root}")
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise ValueError(f"{dest} already exists and is not an empty directory; choose another location")
    if commit is not None and run_git(user_root, "cat-file", "-e", f"{commit}^{{commit}}",
                                      check=False).returncode != 0:
        raise ValueError(f"commit {commit} is no longer in {user_root} (removed by `git gc`?)")
    try:
        if commit is None:
            commit = _seed_commit(user_root)
        dest.parent.mkdir(parents=True, exist_ok=True)
        if dest.exists():
            dest.rmdir()  # empty (checked above); `git worktree add` wants to create it
        run_git(user_root, *NO_HOOKS, "worktree", "add", "--detach", str(dest), commit)
    except GitError as exc:
        raise ValueError(f"could not create the agent's worktree from {user_root}: {exc}") from None
    return SeededWorkspace(root=dest, base=commit, user_root=user_root)


def _seed_commit(user_root: Path) -> str:
    tree = snapshot_tree(user_root)
    parents = ["-p", run_git(user_root, "rev-parse", "HEAD").stdout.strip()] if _has_head(user_root) else []
    return run_git(user_root, "commit-tree", tree, *parents, "-m", SEED_MESSAGE, env=SEED_ENV).stdout.strip()


def restore_patch(root: Path, patch: str, exclude: list[str] | tuple[str, ...] = ()) -> None:
    """Bring a fresh worktree to a recorded state: `patch` (as `Workspace.diff` made it) applied to its
    files, except the paths in `exclude` (already in place, such as build outputs a harness copies in).
    Raises ValueError when it does not apply."""
    if not patch.strip():
        return
    data = (patch if patch.endswith("\n") else patch + "\n").encode("utf-8", errors="surrogateescape")
    skip = [f"--exclude={path}" for path in exclude]
    proc = run_git(root, "apply", "--binary", "--whitespace=nowarn", *skip, "-", input=data, text=False,
                   check=False)
    if proc.returncode != 0:
        raise ValueError(f"the recorded patch does not apply: {proc.stderr.decode(errors='replace').strip()[-300:]}")


def _is_linked_worktree_of(root: Path, user_root: Path) -> bool:
    """True when `root` is a linked worktree (a `.git` file, not a directory) of the user's repository."""
    marker = root / ".git"
    if not marker.is_file():
        return False
    common = run_git(user_root, "rev-parse", "--git-common-dir").stdout.strip()
    common_dir = (user_root / common).resolve()
    try:
        gitdir = Path(marker.read_text().split("gitdir:", 1)[1].strip())
    except (IndexError, OSError):
        return False
    return (common_dir / "worktrees") in gitdir.resolve().parents


def remove_worktree(user_repo: Path, root: Path) -> None:
    """Delete the agent's worktree and its entry (`git worktree remove --force`, then `git worktree prune`)."""
    user_root = _user_root(user_repo)
    root = Path(root).resolve()
    if root == user_root or root in user_root.parents:
        raise ValueError(f"refusing to remove {root}: it is (or contains) the user's repository")
    if root.exists():
        if not _is_linked_worktree_of(root, user_root):
            raise ValueError(f"refusing to remove {root}: it is not a worktree created from {user_root}")
        run_git(user_root, "worktree", "remove", "--force", "--force", str(root), check=False)
        if root.exists():
            shutil.rmtree(root, ignore_errors=True)
    run_git(user_root, "worktree", "prune", check=False)


def _files_in(patch: str) -> tuple[str, ...]:
    return tuple(line[len("diff --git a/"):].split(" b/", 1)[0] for line in patch.splitlines()
                 if line.startswith("diff --git a/"))


def _save(user_root: Path, patch: str, save_dir: Path | None) -> Path:
    if save_dir is None:
        common = run_git(user_root, "rev-parse", "--git-common-dir").stdout.strip()
        save_dir = (user_root / common).resolve() / "patchsmith"
    save_dir = Path(save_dir)
    save_dir.mkdir(parents=True, exist_ok=True)
    path = save_dir / f"patch-{time.strftime('%Y%m%d-%H%M%S')}-{time.time_ns() % 1_000_000:06d}.diff"
    path.write_bytes(patch.encode("utf-8", errors="surrogateescape"))
    return path


def apply_back(user_repo: Path, patch: str, save_dir: Path | None = None) -> ApplyResult:
    """Apply the agent's patch to the user's working tree (not the index): cleanly if it applies as is,
    else through a 3-way merge computed off to the side; on a conflict the tree is left untouched and the
    patch is saved to a file."""
    user_root = _user_root(user_repo)
    files = _files_in(patch)
    if not patch.strip():
        return ApplyResult(True, "empty", "nothing to apply: the patch is empty")
    if not patch.endswith("\n"):
        patch += "\n"
    if _apply(user_root, patch, check_only=True) and _apply(user_root, patch):  # git apply is all-or-nothing
        return ApplyResult(True, "clean", f"applied the patch to {len(files)} file(s) in {user_root}", files=files)
    merged = _three_way(user_root, patch)
    if merged is not None:
        if not merged.strip():
            return ApplyResult(True, "3way", "the working tree already contains these changes", files=files)
        if _apply(user_root, merged, check_only=True) and _apply(user_root, merged):
            return ApplyResult(True, "3way", f"applied the patch with a 3-way merge to {len(files)} file(s) in "
                                             f"{user_root}", files=files)
    saved = _save(user_root, patch, save_dir)
    return ApplyResult(False, "conflict", f"the patch conflicts with changes made in {user_root} since the run "
                                          f"started; nothing was changed. The patch is saved in {saved} "
                                          f"(apply it yourself with `git apply --3way {saved}`)",
                       patch_file=saved, files=files)


def _apply(user_root: Path, patch: str, *flags: str, check_only: bool = False,
           env: dict[str, str] | None = None) -> bool:
    # Patches carry non-UTF-8 bytes as surrogate escapes (see git.diff_against): encode them back exactly.
    data = patch.encode("utf-8", errors="surrogateescape")
    args = ["apply", *flags, *(["--check"] if check_only else []), "-"]
    return run_git(user_root, *args, input=data, env=env, text=False, check=False).returncode == 0


def _three_way(user_root: Path, patch: str) -> str | None:
    """The patch re-expressed against the working tree as it is now, merged in a scratch index; None on a
    conflict (the working tree is never involved)."""
    with tempfile.TemporaryDirectory(prefix="patchsmith-3way-") as tmp:
        env = {"GIT_INDEX_FILE": str(Path(tmp) / "index")}
        current = snapshot_tree(user_root)
        run_git(user_root, "read-tree", current, env=env)
        if not _apply(user_root, patch, "--cached", "--3way", env=env):
            return None
        done = run_git(user_root, "write-tree", env=env, check=False)
        if done.returncode:
            return None
        out = run_git(user_root, "diff", "--binary", "--no-color", "--no-ext-diff", "--no-renames", current,
                      done.stdout.strip(), text=False).stdout
        return out.decode("utf-8", errors="surrogateescape")
