"""Bring a worktree's index up to date: list files with their blob ids, parse only blobs not seen before.

`git ls-files -s` gives the blob id of every tracked file without reading it; files changed in the working
tree or untracked are hashed here (git's blob hash), so an edit re-parses exactly the edited file.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import sqlite3
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..git import GitError, absolute_git_dir, run_git
from ..gitstore import origin, store_dir
from .extract import MAX_FILE_BYTES, FileFacts, extract
from .freshness import Dirty
from .languages import load, spec_for_path
from .store import IndexStore, db_path_for

# Below this much work a process pool costs more than it saves (a one-file edit must stay well under 0.1 s).
_POOL_MIN_FILES = 24
_POOL_MIN_BYTES = 1_500_000
_BATCH_BYTES = 400_000

ProgressFn = Callable[[int, int], None]  # (files done, files to parse)


@dataclass
class BuildStats:
    files: int = 0  # files of an indexed language in the worktree
    parsed: int = 0  # parsed in this run
    reused: int = 0  # taken from the cache
    skipped: Counter[str] = field(default_factory=Counter)  # reason -> count
    parse_errors: int = 0  # parsed with syntax errors (their definitions are kept)
    symbols: int = 0
    seconds: float = 0.0
    db_path: str = ""
    rebuilt: bool = False  # a corrupt cache was found and rebuilt

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())


@dataclass(frozen=True, slots=True)
class Entry:
    path: str
    sha: str
    lang: str


def git_blob_sha(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def git_common_dir(root: Path) -> Path:
    """The repository's shared git directory (worktrees of one repository share it, and so do patchsmith
    workspaces made from one repository: their store names it), never read from the workspace's own .git."""
    store = store_dir(root)
    if store is not None:
        return origin(store)
    return absolute_git_dir(root, common=True)


def _rehash(root: Path, entries: dict[str, Entry], paths: set[str], stats: BuildStats, max_bytes: int) -> None:
    """Give `paths` the blob id of their working-tree content (or drop them: deleted, a link, unreadable)."""
    for path in paths:
        full = root / path
        try:
            if full.is_symlink():
                stats.skipped["symlink"] += 1
                del entries[path]
                continue
            if full.stat().st_size > max_bytes:  # don't read it: its hash only needs to be stable and unique
                sha = "size:" + hashlib.sha1(f"{path}:{full.stat().st_size}:{full.stat().st_mtime_ns}".encode()).hexdigest()
            else:
                sha = git_blob_sha(full.read_bytes())
        except FileNotFoundError:  # deleted in the working tree
            entries.pop(path, None)
            continue
        except OSError:
            stats.skipped["unreadable"] += 1
            entries.pop(path, None)
            continue
        entries[path] = Entry(path, sha, entries[path].lang)


def list_worktree(root: Path, stats: BuildStats, max_bytes: int = MAX_FILE_BYTES,
                  dirty: Dirty | None = None) -> list[Entry]:
    """Every indexable file of the working tree as it is now, with its blob id; the rest is counted skipped.
    `dirty`, when the caller has just listed it, saves listing it again."""
    if dirty is None:
        # Refresh git's stat cache first (what `git status` does): in a fresh checkout every file is "racily
        # clean" and each `ls-files -m` would re-read them all. Only stat data changes; failure is fine.
        run_git(root, "update-index", "-q", "--refresh", check=False)
        listed = run_git(root, "ls-files", "-z", "-t", "-m", "-o", "--exclude-standard").stdout
        records = [(r[0], r[2:]) for r in listed.split("\0") if len(r) >= 3]
    else:
        records = [("C", p) for p in dirty[0]] + [("?", p) for p in dirty[1]]
    staged = run_git(root, "ls-files", "-s", "-z").stdout
    entries: dict[str, Entry] = {}
    rehash: set[str] = set()
    for record in staged.split("\0"):
        if not record:
            continue
        meta, _, path = record.partition("\t")
        mode, sha, stage = meta.split(" ")
        spec = spec_for_path(path)
        if spec is None:
            stats.skipped["unknown-language"] += 1
            continue
        if mode == "120000":
            stats.skipped["symlink"] += 1
            continue
        if mode == "160000":
            stats.skipped["submodule"] += 1
            continue
        if stage != "0":  # merge conflict: the working tree file is what matters
            rehash.add(path)
        entries[path] = Entry(path, sha, spec.name)
    for tag, path in records:
        spec = spec_for_path(path)
        if spec is None:
            if tag == "?":
                stats.skipped["unknown-language"] += 1
            continue
        if path in entries or tag == "?":
            rehash.add(path)
            entries.setdefault(path, Entry(path, "", spec.name))
    _rehash(root, entries, rehash, stats, max_bytes)
    return sorted(entries.values(), key=lambda e: e.path)


def _parse_batch(root: str, batch: list[tuple[str, str, str]], max_bytes: int) -> list[tuple[str, str, FileFacts | None]]:
    """Worker: read and parse files; None marks a file that vanished or cannot be read."""
    out: list[tuple[str, str, FileFacts | None]] = []
    for path, sha, lang in batch:
        full = os.path.join(root, path)
        try:
            if os.path.islink(full):
                out.append((path, sha, None))
                continue
            with open(full, "rb") as fh:
                data = fh.read(max_bytes + 1)
        except OSError:
            out.append((path, sha, None))
            continue
        try:
            facts = extract(data, lang, max_bytes)
        except Exception:  # a grammar bug must not take the whole index down; the file is counted skipped
            facts = FileFacts(status="parse-failed", lang=lang)
        out.append((path, sha, facts))
    return out


def _batches(entries: list[Entry], root: Path) -> list[list[tuple[str, str, str]]]:
    """Group files into batches of similar byte size, biggest files first so the pool ends evenly."""
    sized = []
    for e in entries:
        try:
            sized.append((os.path.getsize(root / e.path), e))
        except OSError:
            sized.append((0, e))
    sized.sort(key=lambda t: -t[0])
    batches: list[list[tuple[str, str, str]]] = []
    current: list[tuple[str, str, str]] = []
    size = 0
    for n, e in sized:
        current.append((e.path, e.sha, e.lang))
        size += n
        if size >= _BATCH_BYTES:
            batches.append(current)
            current, size = [], 0
    if current:
        batches.append(current)
    return batches


def update_index(root: Path, cache_dir: Path | None = None, *, workers: int | None = None,
                 max_bytes: int = MAX_FILE_BYTES, progress: ProgressFn | None = None,
                 dirty: Dirty | None = None) -> BuildStats:
    """Build or refresh the index of the worktree at `root`; returns what was done. Raises GitError when
    `root` is not a git working tree."""
    started = time.perf_counter()
    root = Path(root).resolve()
    if not (root / ".git").exists():
        raise GitError(f"{root} is not the top of a Git working tree; pass --repo with the repository root")
    db_path = db_path_for(git_common_dir(root), cache_dir)
    try:
        stats = _update(root, db_path, workers, max_bytes, progress, dirty)
    except sqlite3.DatabaseError:
        # A cache damaged past its header (torn pages, truncated file): start over once.
        for suffix in ("", "-wal", "-shm"):
            Path(str(db_path) + suffix).unlink(missing_ok=True)
        stats = _update(root, db_path, workers, max_bytes, progress, dirty)
        stats.rebuilt = True
    stats.seconds = time.perf_counter() - started
    return stats


def _update(root: Path, db_path: Path, workers: int | None, max_bytes: int,
            progress: ProgressFn | None, dirty: Dirty | None) -> BuildStats:
    stats = BuildStats(db_path=str(db_path))
    entries = list_worktree(root, stats, max_bytes, dirty)
    key = str(root)
    with IndexStore.open(db_path) as store:
        stats.rebuilt = store.rebuilt
        stored = store.file_shas(key)
        current = {e.path for e in entries}
        removed = [p for p in stored if p not in current]
        changed = [e for e in entries if stored.get(e.path) != e.sha]
        known = store.known_blobs(e.sha for e in changed)
        to_parse_by_sha: dict[str, Entry] = {}
        for e in changed:
            if e.sha not in known:
                to_parse_by_sha.setdefault(e.sha, e)
        upserts: list[tuple[str, int]] = [(e.path, known[e.sha]) for e in changed if e.sha in known]
        parsed_blobs: dict[str, int] = {}
        vanished: set[str] = set()
        todo = list(to_parse_by_sha.values())
        for _path, sha, facts in _run_parsers(root, todo, workers, max_bytes, progress):
            if facts is None:
                vanished.add(sha)
                stats.skipped["missing"] += 1
                continue
            parsed_blobs[sha] = store.add_blob(sha, facts)
            stats.parsed += 1
        for e in changed:
            if e.sha in parsed_blobs:
                upserts.append((e.path, parsed_blobs[e.sha]))
            elif e.sha in vanished and e.path in stored:
                removed.append(e.path)
        if upserts or removed:  # the warm path writes nothing
            store.set_files(key, upserts, removed)
            if parsed_blobs:
                store.prune()
            store.commit()
        row = store.conn.execute(
            "SELECT COUNT(*), COALESCE(SUM(b.nsyms), 0), COALESCE(SUM(b.parse_errors), 0) "
            "FROM files f JOIN blobs b ON b.id = f.blob WHERE f.root = ?", (key,)).fetchone()
        stats.files, stats.symbols, stats.parse_errors = int(row[0]), int(row[1]), int(row[2])
        stats.reused = stats.files - stats.parsed
        for status, count in store.conn.execute(
                "SELECT b.status, COUNT(*) FROM files f JOIN blobs b ON b.id = f.blob "
                "WHERE f.root = ? AND b.status != 'ok' GROUP BY b.status", (key,)):
            stats.skipped[status] += count
    return stats


def _run_parsers(root: Path, todo: list[Entry], workers: int | None, max_bytes: int,
                 progress: ProgressFn | None):
    total = len(todo)
    done = 0
    if progress:
        progress(0, total)
    if not todo:
        return
    batches = _batches(todo, root)
    workers = workers or min(2, os.cpu_count() or 1)
    total_bytes = sum(os.path.getsize(root / e.path) for e in todo if (root / e.path).exists())
    if workers <= 1 or len(todo) < _POOL_MIN_FILES or total_bytes < _POOL_MIN_BYTES:
        for batch in batches:
            results = _parse_batch(str(root), batch, max_bytes)
            done += len(results)
            if progress:
                progress(done, total)
            yield from results
        return
    # A fork pool starts its processes before its own helper threads (concurrent.futures does not, and can
    # deadlock a forked child on a lock one of those threads held). Grammars are loaded first so the children
    # inherit them instead of importing anything.
    for lang in {e.lang for e in todo}:
        load(lang)
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    with multiprocessing.get_context(method).Pool(workers) as pool:
        jobs = [(str(root), batch, max_bytes) for batch in batches]
        for results in pool.imap(_parse_batch_args, jobs):
            done += len(results)
            if progress:
                progress(done, total)
            yield from results


def _parse_batch_args(job: tuple[str, list[tuple[str, str, str]], int]) -> list[tuple[str, str, FileFacts | None]]:
    return _parse_batch(*job)
