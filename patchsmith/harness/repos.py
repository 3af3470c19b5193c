"""Repository sources for a task and fresh checkouts of `base_commit`.

Sources, in order: the scenario's git bundle, `--repos-dir` (clones or bare mirrors named `owner__name`,
`owner/name` or `name`), then a mirror cloned once from `https://github.com/<repo>` into the cache.
Checkouts borrow the source's objects through alternates (nothing is copied, the source repository is never
written to) and keep their git metadata outside the checkout, where the agent cannot write (tools.gitstore).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from ..errors import PatchsmithError
from ..tools.git import GitError, run_git
from ..tools.gitstore import store_dir
from ..tools.workstore import HARNESS_IDENTITY, add_tags, check_out, create_store, remove_workspace, tag_refs
from .locks import file_lock
from .tasks import Task


class RepoError(PatchsmithError, RuntimeError):
    """A per-task failure to get the repository at the wanted commit; the batch goes on."""


@dataclass
class RepoSource:
    kind: str  # bundle | local | url
    location: Path
    repos_dir: Path | None = None  # where mirrors of its submodules may be (--repos-dir)


def _is_git_dir(path: Path) -> bool:
    return path.is_dir() and (
        (path / ".git").exists() or ((path / "HEAD").is_file() and (path / "objects").is_dir()))


def candidates(repos_dir: Path, repo: str) -> list[Path]:
    owner, _, name = repo.rpartition("/")
    names = [repo.replace("/", "__"), repo, name, f"{name}.git", f"{repo.replace('/', '__')}.git",
             f"{owner}+{name}", f"{owner}+{name}/repo"]
    return [repos_dir / n for n in dict.fromkeys(n for n in names if n)]


def find_source(task: Task, repos_dir: Path | None, cache_dir: Path, allow_clone: bool = True) -> RepoSource:
    if task.bundle is not None:
        if not task.bundle.is_file():
            raise RepoError(f"{task.instance_id}: bundle {task.bundle} is missing")
        return RepoSource("bundle", task.bundle)
    if repos_dir is not None:
        for path in candidates(Path(repos_dir), task.repo):
            if _is_git_dir(path):
                return RepoSource("local", path, Path(repos_dir))
    if not allow_clone:
        raise RepoError(f"{task.instance_id}: no local copy of {task.repo} (looked in {repos_dir or 'nowhere'}: "
                        f"{task.repo.replace('/', '__')}, {task.repo}, {task.repo.rpartition('/')[2]}) "
                        "and cloning is off")
    return RepoSource("url", _mirror_from_url(task.repo, cache_dir))


def _url(repo: str) -> str:
    return repo if "://" in repo or repo.startswith("git@") else f"https://github.com/{repo}"


def _mirror_dest(repo: str, cache_dir: Path) -> Path:
    return cache_dir / "repos" / (repo.rstrip("/").split("://")[-1].replace("/", "__") + ".git")


def unavailable(task: Task, repos_dir: Path | None, cache_dir: Path, allow_clone: bool = True) -> str:
    """Why no task of `task.repo` can be set up here ("" when one can): checked once per repository before
    a batch, so an offline machine says so at once instead of failing every task."""
    if task.bundle is not None:
        return "" if task.bundle.is_file() else f"bundle {task.bundle} is missing"
    if repos_dir is not None and any(_is_git_dir(p) for p in candidates(Path(repos_dir), task.repo)):
        return ""
    if (_mirror_dest(task.repo, cache_dir) / "HEAD").exists():
        return ""
    if not allow_clone:
        return (f"no local copy of {task.repo} in {repos_dir or '(no --repos-dir)'} (looked for "
                f"{task.repo.replace('/', '__')}, {task.repo}, {task.repo.rpartition('/')[2]}) and cloning is off")
    url = _url(task.repo)
    try:
        proc = subprocess.run(["git", "ls-remote", "--quiet", url, "HEAD"], capture_output=True, text=True,
                              timeout=60, stdin=subprocess.DEVNULL, env={**os.environ, "GIT_TERMINAL_PROMPT": "0"})
        why = "" if proc.returncode == 0 else (proc.stderr.strip().splitlines() or ["no answer"])[-1][:200]
    except (OSError, subprocess.TimeoutExpired) as exc:
        why = str(exc)[:200]
    return f"{task.repo} cannot be cloned from {url} ({why}); give --repos-dir with a mirror of it" if why else ""


def _mirror_from_url(repo: str, cache_dir: Path) -> Path:
    url = _url(repo)
    dest = _mirror_dest(repo, cache_dir)
    with file_lock(dest.with_suffix(".lock")):
        if not (dest / "HEAD").exists():
            tmp = dest.with_suffix(".partial")
            shutil.rmtree(tmp, ignore_errors=True)
            tmp.parent.mkdir(parents=True, exist_ok=True)
            proc = run_git(tmp.parent, "-c", "protocol.https.allow=always", "-c", "protocol.ssh.allow=always",
                           "-c", "core.sshCommand=ssh", "clone", "--mirror", "--quiet", url,
                           str(tmp), check=False, use_store=False)
            if proc.returncode != 0:
                shutil.rmtree(tmp, ignore_errors=True)
                raise RepoError(f"cloning {url} failed: {proc.stderr.strip()[-300:]}")
            tmp.rename(dest)
    return dest


def _objects_of(location: Path) -> Path:
    """The object directory of a local repository (bare mirror or clone, linked worktree included)."""
    common = run_git(location, "rev-parse", "--path-format=absolute", "--git-common-dir", use_store=False)
    return Path(common.stdout.strip()) / "objects"


def checkout(source: RepoSource, commit: str, dest: Path) -> Path:
    """A fresh working tree at `commit` (detached HEAD) in `dest`; RepoError when the commit is absent.

    Its git metadata lives in a store beside it (tools.gitstore), borrowing the source's objects read-only;
    the `.git` inside is the agent's own, which host-side git never reads."""
    dest = Path(dest)
    remove_workspace(dest)
    dest.mkdir(parents=True)
    try:
        borrow = [] if source.kind == "bundle" else [_objects_of(source.location)]
        store = create_store(dest, borrow=borrow, origin=Path(source.location).resolve(), config=HARNESS_IDENTITY)
        if source.kind == "bundle":
            run_git(store, "fetch", "-q", str(source.location), "+refs/*:refs/bundle/*",
                    env={"GIT_DIR": str(store)}, use_store=False)
    except GitError as exc:
        remove_workspace(dest)
        raise RepoError(f"reading {source.location} failed: {str(exc)[-300:]}") from None
    if run_git(dest, "cat-file", "-e", f"{commit}^{{commit}}", check=False).returncode != 0:
        remove_workspace(dest)
        raise RepoError(f"commit {commit} is not in {source.location} ({source.kind}); "
                        "fetch it into that repository or point --repos-dir at a fuller mirror")
    try:
        add_tags(store, reachable_tags(source, store, commit))
        try:
            check_out(dest, commit)
        except GitError:
            _checkout_present(dest, commit)
    except GitError as exc:
        remove_workspace(dest)
        raise RepoError(f"checking out {commit}: {exc}") from None
    if source.repos_dir is not None:
        fill_submodules(dest, commit, source.repos_dir)
    return dest


def reachable_tags(source: RepoSource, store: Path, commit: str) -> list[str]:
    """The source's tags that `commit` contains, as `<object id> refs/tags/<name>`: what setuptools-scm and
    versioneer compute the project's version from (`git describe`). The official harness builds from a full
    clone, so it has them; a tag `commit` contains is no later than it, so none tells of the future."""
    if source.kind == "bundle":
        return tag_refs(store, commit, prefix="refs/bundle/tags/")
    return tag_refs(_objects_of(source.location).parent, commit)


def _submodule_repo(url: str) -> str:
    """`https://github.com/astropy/astropy-helpers.git` (or `git@github.com:o/n`) -> `astropy/astropy-helpers`."""
    path = url.strip().rstrip("/").removesuffix(".git").split("://")[-1].replace(":", "/")
    return "/".join(path.split("/")[-2:])


def fill_submodules(dest: Path, commit: str, repos_dir: Path) -> list[str]:
    """Fill each submodule (a gitlink of `commit`) whose repository has a mirror in `repos_dir` with its
    files at the recorded commit; returns the paths filled. The official harness clones without submodules
    and lets the build fetch them from the internet (astropy's ah_bootstrap runs `git submodule update
    --init`); offline, the mirror stands in. The files stay invisible to git (the path is a gitlink without a
    repository), so they are never part of a patch."""
    listing = run_git(dest, "ls-tree", "-r", "-z", commit, check=False).stdout
    links = {path: meta.split()[2] for meta, _, path in (e.partition("\t") for e in listing.split("\0") if e)
             if meta.split()[0] == "160000"}
    if not links:
        return []
    config = run_git(dest, "config", "--blob", f"{commit}:.gitmodules", "--get-regexp", r"submodule\..*\.url",
                     check=False).stdout
    urls = {}
    for line in config.splitlines():
        key, _, url = line.partition(" ")
        name = key.removeprefix("submodule.").removesuffix(".url")
        path = run_git(dest, "config", "--blob", f"{commit}:.gitmodules", f"submodule.{name}.path",
                       check=False).stdout.strip() or name
        urls[path] = url
    filled = []
    for path, sha in links.items():
        target = dest / path
        if path not in urls or (target.is_dir() and any(target.iterdir())):
            continue
        for mirror in candidates(repos_dir, _submodule_repo(urls[path])):
            if _is_git_dir(mirror) and _extract(mirror, sha, target):
                filled.append(path)
                break
    return filled


def _extract(mirror: Path, sha: str, target: Path) -> bool:
    """The tree of `sha` in `mirror`, written into `target` (False when the commit is not there)."""
    if run_git(mirror, "cat-file", "-e", f"{sha}^{{commit}}", check=False, use_store=False).returncode != 0:
        return False
    target.mkdir(parents=True, exist_ok=True)
    archive = run_git(mirror, "archive", "--format=tar", sha, text=False, check=False, timeout=300, use_store=False)
    if archive.returncode != 0:
        return False
    unpacked = subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, capture_output=True,
                              timeout=300)
    return unpacked.returncode == 0


def _absent_blobs(dest: Path, commit: str) -> list[str]:
    """Paths at `commit` whose blobs the repository lacks (partial mirrors leave out their largest files)."""
    tree = run_git(dest, "ls-tree", "-r", "-z", commit).stdout
    blobs = [(meta.split()[2], path) for meta, _, path in (e.partition("\t") for e in tree.split("\0") if e)
             if meta.split()[1] == "blob"]
    lines = run_git(dest, "cat-file", "--batch-check", input="\n".join(sha for sha, _ in blobs) + "\n",
                    check=False).stdout.splitlines()
    return [path for (_, path), line in zip(blobs, lines, strict=False) if line.endswith(" missing")]


def _checkout_present(dest: Path, commit: str) -> None:
    """Check out what the repository has: files whose blobs are absent stay out (sparse), so the rest of the
    commit is usable; raises GitError when nothing is absent (the failure is something else)."""
    absent = _absent_blobs(dest, commit)
    if not absent:
        raise GitError(f"checkout of {commit} failed")
    patterns = "/*\n" + "".join(f"!/{p}\n" for p in absent)
    run_git(dest, "sparse-checkout", "set", "--no-cone", "--stdin", input=patterns)
    check_out(dest, commit)


def absent_files(root: Path) -> list[str]:
    """The files of the checked-out commit that a partial mirror lacked (left out by _checkout_present)."""
    store = store_dir(root)
    try:
        lines = (store / "info" / "sparse-checkout").read_text().splitlines() if store else []
    except OSError:
        return []
    return [line[2:] for line in lines if line.startswith("!/")]


def remove_checkout(dest: Path) -> None:
    remove_workspace(dest)
