"""Snapshots of a working tree as git trees, and the patch from a base commit to the tree as it is now.

In a workspace with its own store (gitstore) the snapshot index and every blob stay in that store, so a file
the agent writes and deletes never reaches the user's repository. The snapshot index persists between
steps, so a step re-reads only the files whose stat data changed. Files over the size limits are left out
of the patch (too big to show, record or apply sensibly): the patch starts with a note naming each one with
its size and git blob id, and carries the rest of the changes as usual.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .git import run_git
from .gitstore import store_dir

NOTE = "# patchsmith: "  # lines `git apply` skips (they come before the first `diff --git`)
BINARY_PROBE = 8000  # bytes git itself looks at to call a file binary
HASH_LIMIT = 64 * 1024 * 1024  # bigger left-out files get a sampled fingerprint, not a full hash


@dataclass(frozen=True)
class DiffLimits:
    max_text_bytes: int = 4 * 1024 * 1024  # a text file bigger than this is left out of the patch
    max_binary_bytes: int = 256 * 1024  # a binary one bigger than this too (base85 in the patch, per step)


def _has_head(root: Path, env: dict[str, str]) -> bool:
    return run_git(root, "rev-parse", "--verify", "-q", "HEAD^{commit}", env=env, check=False).returncode == 0


def snapshot_tree(root: Path, base: str | None = None, env: dict[str, str] | None = None) -> str:
    """A tree object of the working tree as it is now (tracked + untracked, minus ignored), without touching
    the real index. `base` (default HEAD) is what the scratch index starts from."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {**(env or {}), "GIT_INDEX_FILE": str(Path(tmp) / "index")}
        start = base or ("HEAD" if _has_head(root, env) else None)
        if start:
            run_git(root, "read-tree", start, env=env)
        run_git(root, "add", "-A", "--", ".", env=env)
        return run_git(root, "write-tree", env=env).stdout.strip()


def _too_big(path: Path, size: int, limits: DiffLimits) -> bool:
    if size <= limits.max_binary_bytes:
        return False
    if size > limits.max_text_bytes:
        return True
    try:
        with open(path, "rb") as fh:
            return b"\0" in fh.read(BINARY_PROBE)
    except OSError:
        return False


def _fingerprint(path: Path, size: int) -> str:
    """The file's git blob id; past HASH_LIMIT, where hashing takes minutes on every step, a sha256 of its
    first and last MiB and its size, labelled as such."""
    if size <= HASH_LIMIT:
        blob = hashlib.sha1(b"blob %d\0" % size)
        with open(path, "rb") as fh:
            while chunk := fh.read(1 << 20):
                blob.update(chunk)
        return f"git blob {blob.hexdigest()}"
    sample = hashlib.sha256()
    with open(path, "rb") as fh:
        sample.update(fh.read(1 << 20))
        fh.seek(max(size - (1 << 20), 0))
        sample.update(fh.read(1 << 20))
    return f"sha256 of its first and last MiB {sample.hexdigest()}"


def _fingerprints(store: Path, root: Path, paths: list[tuple[str, os.stat_result]]) -> dict[str, str]:
    """Fingerprints of big files, cached by (size, mtime, inode) so an unchanged file is not read again."""
    cache_file = store / "patchsmith-bigfiles.json"
    try:
        cache = json.loads(cache_file.read_text())
    except (OSError, ValueError):
        cache = {}
    out = {}
    for rel, st in paths:
        key = f"{st.st_size}:{st.st_mtime_ns}:{st.st_ino}"
        if cache.get(rel, {}).get("key") != key:
            try:
                cache[rel] = {"key": key, "id": _fingerprint(root / rel, st.st_size)}
            except OSError:
                cache[rel] = {"key": key, "id": "unreadable"}
        out[rel] = cache[rel]["id"]
    cache_file.write_text(json.dumps(cache))
    return out


def _big_files(root: Path, env: dict[str, str], limits: DiffLimits) -> list[tuple[str, os.stat_result]]:
    """Changed or new files over the limits (found before `git add` would copy them into the store)."""
    listed = run_git(root, "ls-files", "-z", "-m", "-o", "--exclude-standard", env=env).stdout
    big = []
    for rel in dict.fromkeys(p for p in listed.split("\0") if p):
        try:
            st = os.lstat(root / rel)
        except OSError:
            continue
        if not os.path.islink(root / rel) and _too_big(root / rel, st.st_size, limits):
            big.append((rel, st))
    return big


def _reset_to_base(root: Path, base: str, env: dict[str, str], rels: list[str]) -> None:
    """Put `rels` back as they are in `base` in the snapshot index (absent when `base` lacks them)."""
    at_base = {}
    tree = run_git(root, "ls-tree", "-z", "--full-tree", base, "--", *rels, env=env).stdout
    for record in filter(None, tree.split("\0")):
        meta, _, rel = record.partition("\t")
        mode, _kind, sha = meta.split(" ")
        at_base[rel] = f"{mode} {sha}"
    zero = "0 " + "0" * len(base if len(base) in (40, 64) else "0" * 40)
    info = "".join(f"{at_base.get(rel, zero)}\t{rel}\0" for rel in rels)
    run_git(root, "update-index", "-z", "--index-info", input=info, env=env)


def _tree_in_store(root: Path, base: str, store: Path, limits: DiffLimits) -> tuple[str, list[str]]:
    env = {"GIT_INDEX_FILE": str(store / "patchsmith-snapshot-index")}
    marker = store / "patchsmith-snapshot-base"
    if not Path(env["GIT_INDEX_FILE"]).exists() or (marker.read_text() if marker.exists() else "") != base:
        run_git(root, "read-tree", base, env=env)
        marker.write_text(base)
    big = _big_files(root, env, limits)
    rels = [rel for rel, _ in big]
    run_git(root, "add", "-A", "--", ".", *(f":(exclude,literal){rel}" for rel in rels), env=env)
    if not big:
        return run_git(root, "write-tree", env=env).stdout.strip(), []
    _reset_to_base(root, base, env, rels)
    ids = _fingerprints(store, root, big)
    notes = [f"{NOTE}left out of the patch: {rel} ({st.st_size} bytes, {ids[rel]}), bigger than the diff "
             f"limit" for rel, st in big]
    return run_git(root, "write-tree", env=env).stdout.strip(), notes


def diff_against(root: Path, base: str, paths: list[str] | None = None, limits: DiffLimits | None = None) -> str:
    """The patch from commit `base` to the working tree now, new files included, as `git apply` takes it."""
    store = store_dir(root)
    if store is not None:
        tree, notes = _tree_in_store(root, base, store, limits or DiffLimits())
    else:
        tree, notes = snapshot_tree(root), []
    args = ["diff", "--binary", "--no-color", "--no-ext-diff", "--no-textconv", base, tree]
    if paths:
        args += ["--", *paths]
        notes = [n for n in notes if any(p in n for p in paths)]
    # Not every changed file is UTF-8: surrogateescape keeps such bytes, so encoding the patch the same way
    # gives back exactly what git printed (strict decoding made ws.diff() fail on a Latin-1 file).
    out = run_git(root, *args, text=False).stdout.decode("utf-8", errors="surrogateescape")
    return "".join(f"{n}\n" for n in notes) + out


def has_changes(patch: str) -> bool:
    """False for a patch that is empty or only notes."""
    return any(line.startswith("diff --git ") for line in patch.splitlines())
