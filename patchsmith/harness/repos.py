"""Repository sources for a task and fresh checkouts of `base_commit`.

Sources, in order: the scenario's git bundle, `--repos-dir` (clones or bare mirrors named `owner__name`,
`owner/name` or `name`), then a mirror cloned once from `https://github.com/<repo>` into the cache.
Checkouts are `git clone --shared` (objects borrowed through alternates, so nothing is copied and the
source repository is never written to).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from ..errors import PatchsmithError
from ..tools.git import GitError, run_git
from .locks import file_lock
from .tasks import Task


class RepoError(PatchsmithError, RuntimeError):
    """A per-task failure to get the repository at the wanted commit; the batch goes on."""


@dataclass
class RepoSource:
    kind: str  # bundle | local | url
    location: Path


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
                return RepoSource("local", path)
    if not allow_clone:
        raise RepoError(f"{task.instance_id}: no local copy of {task.repo} (looked in {repos_dir or 'nowhere'}: "
                        f"{task.repo.replace('/', '__')}, {task.repo}, {task.repo.rpartition('/')[2]}) "
                        "and cloning is off")
    return RepoSource("url", _mirror_from_url(task.repo, cache_dir))


def _mirror_from_url(repo: str, cache_dir: Path) -> Path:
    url = repo if "://" in repo or repo.startswith("git@") else f"https://github.com/{repo}"
    dest = cache_dir / "repos" / (repo.rstrip("/").split("://")[-1].replace("/", "__") + ".git")
    with file_lock(dest.with_suffix(".lock")):
        if not (dest / "HEAD").exists():
            tmp = dest.with_suffix(".partial")
            shutil.rmtree(tmp, ignore_errors=True)
            tmp.parent.mkdir(parents=True, exist_ok=True)
            proc = run_git(tmp.parent, "clone", "--mirror", "--quiet", url, str(tmp), check=False)
            if proc.returncode != 0:
                shutil.rmtree(tmp, ignore_errors=True)
                raise RepoError(f"cloning {url} failed: {proc.stderr.strip()[-300:]}")
            tmp.rename(dest)
    return dest


def checkout(source: RepoSource, commit: str, dest: Path) -> Path:
    """A fresh working tree at `commit` (detached HEAD) in `dest`; RepoError when the commit is absent."""
    dest = Path(dest)
    if dest.exists():
        shutil.rmtree(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    args = ["clone", "--quiet", "--no-checkout"]
    if source.kind != "bundle":
        args.append("--shared")
    proc = run_git(dest.parent, *args, str(source.location), str(dest), check=False)
    if proc.returncode != 0:
        raise RepoError(f"cloning {source.location} failed: {proc.stderr.strip()[-300:]}")
    if run_git(dest, "cat-file", "-e", f"{commit}^{{commit}}", check=False).returncode != 0:
        shutil.rmtree(dest, ignore_errors=True)
        raise RepoError(f"commit {commit} is not in {source.location} ({source.kind}); "
                        "fetch it into that repository or point --repos-dir at a fuller mirror")
    try:
        if run_git(dest, "-c", "advice.detachedHead=false", "checkout", "--quiet", "--force", "--detach", commit,
                   check=False).returncode != 0:
            _checkout_present(dest, commit)
        # Identity for any commit a tool makes inside the throwaway workspace.
        run_git(dest, "config", "user.email", "harness@patchsmith.invalid")
        run_git(dest, "config", "user.name", "patchsmith harness")
    except GitError as exc:
        shutil.rmtree(dest, ignore_errors=True)
        raise RepoError(f"checking out {commit}: {exc}") from None
    return dest


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
    run_git(dest, "-c", "advice.detachedHead=false", "checkout", "--quiet", "--force", "--detach", commit)


def remove_checkout(dest: Path) -> None:
    shutil.rmtree(dest, ignore_errors=True)
