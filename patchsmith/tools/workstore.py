"""Create, populate and remove a workspace with its own git store (see gitstore for the layout and why)."""

from __future__ import annotations

import os
import re
import shutil
import stat
from pathlib import Path

from .git import GitError, run_git
from .gitstore import ATTRIBUTES, MARKER, ORIGIN, canonical, store_dir, store_path
from .gitstore import origin as origin_of

HARNESS_IDENTITY = {"user.email": "harness@patchsmith.invalid", "user.name": "patchsmith harness"}


def _config(git_dir: Path, values: dict[str, str]) -> None:
    for key, value in values.items():
        run_git(git_dir, "config", key, value, env={"GIT_DIR": str(git_dir)}, use_store=False)


def _init(git_dir: Path, object_format: str = "sha1") -> None:
    run_git(git_dir.parent, "init", "-q", "--bare", f"--object-format={object_format}", str(git_dir),
            use_store=False)
    for hook in (git_dir / "hooks").glob("*"):
        hook.unlink()  # git's sample hooks: nothing there is ever run, and nothing there is needed
    _config(git_dir, {"core.bare": "false", "core.logAllRefUpdates": "false", "gc.auto": "0"})


def create_store(root: Path, *, borrow: list[Path], origin: Path, excludes: str = "",
                 excludes_file: Path | None = None, object_format: str = "sha1",
                 config: dict[str, str] | None = None) -> Path:
    """A fresh store for workspace `root` borrowing objects from `borrow` (object directories, read only)."""
    root = canonical(root)
    store = store_path(root)
    remove_tree(store)
    store.parent.mkdir(parents=True, exist_ok=True)
    _init(store, object_format)
    _config(store, {**({"core.excludesFile": str(excludes_file)} if excludes_file else {}), **(config or {})})
    (store / "objects" / "info" / "alternates").write_text("".join(f"{p}\n" for p in borrow))
    (store / "info").mkdir(exist_ok=True)
    (store / "info" / "exclude").write_text(excludes)
    (store / "info" / "attributes").write_text(ATTRIBUTES)
    (store / ORIGIN).write_text(f"{origin}\n")
    (store / MARKER).write_text(f"{root}\n")  # last: only a complete store is ever used
    return store


def check_out(root: Path, commit: str) -> None:
    """Make workspace `root` exactly `commit` (files, the store's HEAD and index), then give the agent a
    fresh `.git` of its own there."""
    root = Path(root).resolve()
    root.mkdir(parents=True, exist_ok=True)
    run_git(root, "checkout", "-q", "--force", "--detach", commit)
    write_agent_gitdir(root, commit)


def write_agent_gitdir(root: Path, commit: str) -> None:
    """The `.git` the agent's own git uses inside the sandbox: HEAD at `commit`, a copy of the store's
    index, objects borrowed (read-only) from the store. Host-side git never reads it."""
    root = Path(root).resolve()
    store = store_dir(root)
    if store is None:
        raise GitError(f"{root} has no patchsmith store")
    agent = root / ".git"
    remove_tree(agent)
    _init(agent)
    (agent / "objects" / "info" / "alternates").write_text(f"{store / 'objects'}\n")
    (agent / "HEAD").write_text(f"{commit}\n")
    for name in ("index", "info/exclude"):
        if (store / name).is_file():
            shutil.copyfile(store / name, agent / name)
    write_packed_refs(agent, tag_refs(store))
    identity = {k: run_git(store, "config", "--get", k, check=False, env={"GIT_DIR": str(store)},
                           use_store=False).stdout.strip()
                for k in HARNESS_IDENTITY}
    _config(agent, {k: v for k, v in identity.items() if v})


def tag_refs(git_dir: Path, contained_in: str | None = None, prefix: str = "refs/tags/") -> list[str]:
    """`<object id> refs/tags/<name>` for each tag of `git_dir` under `prefix` (with `contained_in`: only
    those whose commit that commit contains, so none is later than it)."""
    merged = ["--merged", contained_in] if contained_in else []
    proc = run_git(git_dir, "for-each-ref", *merged, "--format=%(objectname) %(refname)", prefix,
                   env={"GIT_DIR": str(git_dir)}, use_store=False, check=False)
    lines = proc.stdout.splitlines() if proc.returncode == 0 else []
    return [f"{sha} refs/tags/{ref.removeprefix(prefix)}" for sha, _, ref in (x.partition(" ") for x in lines)]


def write_packed_refs(git_dir: Path, refs: list[str]) -> None:
    """`refs` (`<object id> <refname>` lines) as the only packed refs of `git_dir`, a fresh repository."""
    if refs:
        (git_dir / "packed-refs").write_text("".join(f"{line}\n" for line in sorted(refs, key=lambda x: x.split()[1])))


def add_tags(git_dir: Path, refs: list[str]) -> None:
    """Create the tags `refs` (`<object id> refs/tags/<name>` lines) in `git_dir`, beside its other refs."""
    if refs:
        updates = "".join(f"update {ref} {sha}\n" for sha, ref in (line.split() for line in refs))
        run_git(git_dir, "update-ref", "--stdin", input=updates, env={"GIT_DIR": str(git_dir)}, use_store=False)
        run_git(git_dir, "pack-refs", "--all", env={"GIT_DIR": str(git_dir)}, use_store=False)


def ignore_paths(root: Path, rels: list[str]) -> None:
    """Make git ignore the files `rels` of workspace `root` (files the harness put there, such as build
    outputs, that are never part of a patch): in its store and in the agent's `.git`, as info/exclude lines."""
    if not rels:
        return
    lines = "".join("/" + re.sub(r"([\\*?\[])", r"\\\1", rel) + "\n" for rel in rels)
    for git_dir in (store_dir(root), Path(root) / ".git"):
        info = git_dir / "info" if git_dir is not None else None
        if info is None or info.is_symlink() or git_dir.is_symlink() or not info.is_dir():
            continue
        with open(info / "exclude", "a", encoding="utf-8") as fh:
            fh.write(lines)


def remove_tree(path: Path) -> None:
    """Delete `path` whatever the agent did to it: a symlink is unlinked (never followed), folders it made
    unwritable or unreadable are opened up first. Never raises for what is already gone."""
    path = Path(path)
    if path.is_symlink() or path.is_file():
        path.unlink(missing_ok=True)
        return
    if not path.exists():
        return

    def opened_up(func, failed: str, _exc) -> None:
        try:
            parent = os.path.dirname(failed)
            os.chmod(parent, stat.S_IRWXU)
            if os.path.isdir(failed) and not os.path.islink(failed):
                os.chmod(failed, stat.S_IRWXU)
                shutil.rmtree(failed, ignore_errors=True)
            else:
                os.unlink(failed)
        except OSError:
            pass

    shutil.rmtree(path, onerror=opened_up)
    if path.exists():
        shutil.rmtree(path, ignore_errors=True)


def remove_workspace(root: Path) -> None:
    """Delete workspace `root` and its store."""
    store = store_path(root)
    remove_tree(canonical(root))
    remove_tree(store)


def clone_workspace(src: Path, commit: str, dest: Path, identity: dict[str, str] | None = None) -> Path:
    """`dest`: a fresh workspace at `commit` borrowing the objects of workspace (or repository) `src`, with
    src's ignore rules; its store is its own, so nothing src's agent wrote in src's `.git` is read."""
    src_store = store_dir(src)
    if src_store is not None:
        objects, source = src_store / "objects", origin_of(src_store)
        exclude = src_store / "info" / "exclude"
        excludes_file = run_git(src_store, "config", "--get", "core.excludesFile", check=False,
                                env={"GIT_DIR": str(src_store)}, use_store=False).stdout.strip()
    else:
        common = Path(run_git(src, "rev-parse", "--path-format=absolute", "--git-common-dir").stdout.strip())
        objects, source, exclude, excludes_file = common / "objects", common, common / "info" / "exclude", ""
    remove_workspace(dest)
    Path(dest).mkdir(parents=True)
    create_store(dest, borrow=[objects], origin=source,
                 excludes=exclude.read_text(errors="replace") if exclude.is_file() else "",
                 excludes_file=Path(excludes_file) if excludes_file else None, config=identity)
    if src_store is not None:  # the tags the source workspace had (versions computed from git stay right)
        add_tags(store_path(dest), tag_refs(src_store))
    check_out(dest, commit)
    return Path(dest)
