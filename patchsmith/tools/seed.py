"""The Safety layer: the agent works in a separate working tree seeded with the user's current state, and its
patch goes back into the user's tree only through `apply_back`, which never leaves a half-applied result.

Nothing here writes to the user's working tree, index, stash, refs or object store: the workspace has a
git store of its own beside it (gitstore) that borrows the user's objects through alternates, the seed
commit is made in a per-repository seeds store beside the worktrees (so a resumed run finds it), every
snapshot lives in the workspace's store, and removing the workspace removes its store. Host-side git never
reads the workspace's own `.git`, which the agent may rewrite at will."""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from .git import GitError, absolute_git_dir, repo_root, run_git
from .gitstore import store_dir, store_path
from .snapshot import diff_against, has_changes, snapshot_tree
from .workspace import Workspace
from .workstore import add_tags, check_out, create_store, remove_tree, remove_workspace, tag_refs

SEED_MESSAGE = "patchsmith seed: HEAD plus the working tree's uncommitted and untracked changes"
# A fixed identity and date: seeding works without any git identity configured, and the same state always
# gives the same seed commit.
SEED_ENV = {"GIT_AUTHOR_NAME": "patchsmith", "GIT_AUTHOR_EMAIL": "patchsmith@localhost",
            "GIT_COMMITTER_NAME": "patchsmith", "GIT_COMMITTER_EMAIL": "patchsmith@localhost",
            "GIT_AUTHOR_DATE": "2000-01-01T00:00:00+0000", "GIT_COMMITTER_DATE": "2000-01-01T00:00:00+0000"}
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"  # git's empty tree: the base of a repo without commits


@dataclass(frozen=True)
class SeededWorkspace:
    root: Path  # the agent's worktree
    base: str  # the seed commit: the final patch is measured against it
    user_root: Path  # the user's own working tree (never written to until apply_back)
    head: str | None = None  # the seed's parent: the user's HEAD when the run started (None: no commit yet)

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


def _user_excludes_file(user_root: Path) -> Path | None:
    """The user's own global ignore file, which decides what is "untracked" as much as .gitignore does (a
    secret in an ignored .env must not be copied to the agent). Only read, as a path, never run."""
    proc = run_git(user_root, "config", "--path", "--get", "core.excludesFile", check=False,
                   env={"GIT_CONFIG_GLOBAL": os.path.expanduser("~/.gitconfig")})
    if proc.returncode == 0 and proc.stdout.strip():
        return Path(proc.stdout.strip()).expanduser()
    xdg = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "git" / "ignore"
    return xdg if xdg.is_file() else None


def _seeds_store(user_root: Path, folder: Path) -> Path:
    """The store that holds this repository's seed commits, kept between runs in `folder` (beside the
    agent's worktrees, never in a sandbox) so a resumed run finds its seed: it borrows the user's objects
    and holds only what seeding hashed (the user's uncommitted files), never what an agent wrote."""
    common = absolute_git_dir(user_root, common=True)
    store = folder / ".patchsmith-seeds" / (hashlib.sha1(str(common).encode()).hexdigest()[:16] + ".git")
    if (store / "objects" / "info" / "alternates").is_file():
        return store
    fmt = run_git(user_root, "rev-parse", "--show-object-format", check=False).stdout.strip() or "sha1"
    store.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".making-", dir=store.parent)) / "store.git"
    run_git(tmp.parent, "init", "-q", "--bare", f"--object-format={fmt}", str(tmp), use_store=False)
    (tmp / "objects" / "info" / "alternates").write_text(f"{common / 'objects'}\n")
    try:
        tmp.rename(store)  # atomic: a concurrent run made it first, and then that one is used
    except OSError:
        pass
    remove_tree(tmp.parent)
    return store


def _make_store(user_root: Path, dest: Path, seeds: Path) -> None:
    common = absolute_git_dir(user_root, common=True)
    exclude = common / "info" / "exclude"
    fmt = run_git(user_root, "rev-parse", "--show-object-format", check=False).stdout.strip() or "sha1"
    create_store(dest, borrow=[seeds / "objects", common / "objects"], origin=common,
                 excludes=exclude.read_text(errors="replace") if exclude.is_file() else "",
                 excludes_file=_user_excludes_file(user_root), object_format=fmt)


def _seed_commit(user_root: Path, seeds: Path) -> str:
    """The user's tree hashed into the seeds store (their untracked files never enter their own .git)."""
    env = {"GIT_DIR": str(seeds), "GIT_WORK_TREE": str(user_root)}
    (seeds / "info").mkdir(exist_ok=True)
    exclude = absolute_git_dir(user_root, common=True) / "info" / "exclude"
    (seeds / "info" / "exclude").write_text(exclude.read_text(errors="replace") if exclude.is_file() else "")
    excludes_file = _user_excludes_file(user_root)
    setting = ["core.excludesFile", str(excludes_file)] if excludes_file else ["--unset-all", "core.excludesFile"]
    run_git(seeds, "config", *setting, env={"GIT_DIR": str(seeds)}, check=False, use_store=False)
    head = run_git(user_root, "rev-parse", "HEAD").stdout.strip() if _has_head(user_root) else None
    tree = snapshot_tree(user_root, base=head, env=env)
    parents = ["-p", head] if head else []
    return run_git(user_root, "commit-tree", tree, *parents, "-m", SEED_MESSAGE,
                   env={**env, **SEED_ENV}).stdout.strip()


@dataclass(frozen=True)
class SeedRecord:
    """What makes a seed commit again later (`patchsmith resume`), even after `git gc` removed it: its
    parent and the patch from the parent to it. Seeds are made deterministically (fixed identity, date and
    message), so the same parent and files give back the very same commit."""

    commit: str
    head: str | None
    patch: str  # head -> seed, as `git apply` takes it


def seed_record(seeded: SeededWorkspace) -> SeedRecord:
    """Taken right after seeding, before the agent touches the worktree."""
    patch = diff_against(seeded.root, seeded.head or EMPTY_TREE)
    return SeedRecord(commit=seeded.base, head=seeded.head, patch=patch)


def seed_worktree(user_repo: Path, dest: Path, at: SeedRecord | None = None) -> SeededWorkspace:
    """A detached working tree at `dest` holding exactly the user's current files (tracked, staged, unstaged
    and untracked-not-ignored), committed in the repository's seeds store as the seed; or, given `at` (an
    earlier run's seed, when a run is resumed), at that seed, made again from its record when the commit is
    gone from the store. Raises ValueError with what to do."""
    user_root = _user_root(user_repo)
    dest = Path(dest).resolve()
    if dest == user_root or user_root in dest.parents:
        raise ValueError(f"the agent's worktree {dest} must be outside the repository {user_root}")
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise ValueError(f"{dest} already exists and is not an empty directory; choose another location")
    try:
        seeds = _seeds_store(user_root, dest.parent)
        head = run_git(user_root, "rev-parse", "HEAD").stdout.strip() if _has_head(user_root) else None
        if at is None:
            commit = _seed_commit(user_root, seeds)
        else:
            commit, head = at.commit, at.head
            if not _has_commit(seeds, at.commit):
                _rebuild_seed(user_root, seeds, at)
        _make_store(user_root, dest, seeds)
        if head:  # the user's tags up to HEAD: versions computed from git (setuptools-scm) stay the user's
            add_tags(store_path(dest), tag_refs(absolute_git_dir(user_root, common=True), head))
        check_out(dest, commit)
    except (GitError, OSError) as exc:
        remove_workspace(dest)
        raise ValueError(f"could not create the agent's worktree from {user_root}: {exc}") from None
    return SeededWorkspace(root=dest, base=commit, user_root=user_root, head=head if at is None else at.head)


def _has_commit(seeds: Path, commit: str) -> bool:
    return run_git(seeds, "cat-file", "-e", f"{commit}^{{commit}}", check=False, env={"GIT_DIR": str(seeds)},
                   use_store=False).returncode == 0


def _rebuild_seed(user_root: Path, seeds: Path, at: SeedRecord) -> None:
    """The seed commit made again in the seeds store from its parent and recorded patch, in a scratch index
    (no working tree involved); the same inputs give the same commit, which is checked."""
    if at.head is None or not _has_commit(seeds, at.head):
        raise ValueError(f"the run's seed {at.commit[:12]} and its parent {str(at.head)[:12]} are no longer in "
                         f"{user_root}; start a new run")
    with tempfile.TemporaryDirectory(prefix="patchsmith-reseed-") as tmp:
        env = {"GIT_DIR": str(seeds), "GIT_INDEX_FILE": str(Path(tmp) / "index")}
        run_git(seeds, "read-tree", at.head, env=env, use_store=False)
        if at.patch.strip():
            data = (at.patch if at.patch.endswith("\n") else at.patch + "\n").encode("utf-8", "surrogateescape")
            run_git(seeds, "apply", "--cached", "--binary", "-", input=data, text=False, env=env, use_store=False)
        tree = run_git(seeds, "write-tree", env=env, use_store=False).stdout.strip()
        commit = run_git(seeds, "commit-tree", tree, "-p", at.head, "-m", SEED_MESSAGE, env={**env, **SEED_ENV},
                         use_store=False).stdout.strip()
    if commit != at.commit:
        raise ValueError(f"the recorded seed patch gives commit {commit[:12]}, not the run's {at.commit[:12]}; "
                         "start a new run")


def restore_patch(root: Path, patch: str, exclude: list[str] | tuple[str, ...] = ()) -> None:
    """Bring a fresh worktree to a recorded state: `patch` (as `Workspace.diff` made it) applied to its
    files, except the paths in `exclude` (already in place, such as build outputs a harness copies in).
    Raises ValueError when it does not apply."""
    if not has_changes(patch):
        return
    data = (patch if patch.endswith("\n") else patch + "\n").encode("utf-8", errors="surrogateescape")
    skip = [f"--exclude={path}" for path in exclude]
    proc = run_git(root, "apply", "--binary", "--whitespace=nowarn", *skip, "-", input=data, text=False,
                   check=False)
    if proc.returncode != 0:
        raise ValueError(f"the recorded patch does not apply: {proc.stderr.decode(errors='replace').strip()[-300:]}")


def _is_linked_worktree_of(root: Path, user_root: Path) -> bool:
    """True when `root` is a linked worktree (a `.git` file, not a directory) of the user's repository: how
    older patchsmith versions made the agent's worktree."""
    marker = root / ".git"
    if not marker.is_file() or marker.is_symlink():
        return False
    common_dir = absolute_git_dir(user_root, common=True)
    try:
        gitdir = Path(marker.read_text().split("gitdir:", 1)[1].strip())
    except (IndexError, OSError):
        return False
    return (common_dir / "worktrees") in gitdir.resolve().parents


def remove_worktree(user_repo: Path, root: Path) -> None:
    """Delete the agent's worktree and its store, whatever the agent did inside it."""
    user_root = _user_root(user_repo)
    root = Path(root).resolve() if not Path(root).is_symlink() else Path(os.path.abspath(root))
    if root == user_root or root in user_root.parents:
        raise ValueError(f"refusing to remove {root}: it is (or contains) the user's repository")
    if store_dir(root) is not None or store_path(root).exists():
        remove_workspace(root)
        return
    if root.exists() or root.is_symlink():
        if not _is_linked_worktree_of(root, user_root):
            raise ValueError(f"refusing to remove {root}: it is not a worktree created from {user_root}")
        run_git(user_root, "worktree", "remove", "--force", "--force", str(root), check=False)
        remove_tree(root)
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
    if not has_changes(patch):
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
    """The patch re-expressed against the working tree as it is now, merged in a scratch index and a scratch
    object store that borrows the user's (so the user's .git gains nothing); None on a conflict. The
    working tree is never involved."""
    with tempfile.TemporaryDirectory(prefix="patchsmith-3way-") as tmp:
        objects = Path(tmp) / "objects"
        objects.mkdir()
        env = {"GIT_INDEX_FILE": str(Path(tmp) / "index"), "GIT_OBJECT_DIRECTORY": str(objects),
               "GIT_ALTERNATE_OBJECT_DIRECTORIES": str(absolute_git_dir(user_root, common=True) / "objects")}
        current = snapshot_tree(user_root, env=env)
        run_git(user_root, "read-tree", current, env=env)
        if not _apply(user_root, patch, "--cached", "--3way", env=env):
            return None
        done = run_git(user_root, "write-tree", env=env, check=False)
        if done.returncode:
            return None
        out = run_git(user_root, "diff", "--binary", "--no-color", "--no-ext-diff", "--no-textconv", "--no-renames",
                      current, done.stdout.strip(), env=env, text=False).stdout
        return out.decode("utf-8", errors="surrogateescape")
