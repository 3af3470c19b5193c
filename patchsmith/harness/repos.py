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
        run_git(dest, "-c", "advice.detachedHead=false", "checkout", "--quiet", "--force", "--detach", commit)
        # Identity for any commit a tool makes inside the throwaway workspace.
        run_git(dest, "config", "user.email", "harness@patchsmith.invalid")
        run_git(dest, "config", "user.name", "patchsmith harness")
    except GitError as exc:
        shutil.rmtree(dest, ignore_errors=True)
        raise RepoError(f"checking out {commit}: {exc}") from None
    return dest


def remove_checkout(dest: Path) -> None:
    shutil.rmtree(dest, ignore_errors=True)
