"""The SQLite cache: parse results keyed by git blob id, plus each worktree's current path -> blob table.

One database per repository (its git common dir), so every worktree of a repository — the user's and the
agent's — shares the parsed blobs. It lives outside the repository, under the user's cache directory.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ...errors import PatchsmithError
from ..cachedir import CACHE_ENV, cache_root
from .extract import FileFacts

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS blobs (
    id INTEGER PRIMARY KEY,
    sha TEXT NOT NULL UNIQUE,
    lang TEXT NOT NULL,
    status TEXT NOT NULL,          -- ok, or why it was skipped
    nsyms INTEGER NOT NULL DEFAULT 0,
    lines INTEGER NOT NULL DEFAULT 0,
    parse_errors INTEGER NOT NULL DEFAULT 0,
    refs TEXT NOT NULL DEFAULT ''  -- distinct identifiers used, space separated
);
CREATE TABLE IF NOT EXISTS symbols (
    blob INTEGER NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    scope TEXT NOT NULL,
    line INTEGER NOT NULL,
    end_line INTEGER NOT NULL,
    signature TEXT NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS symbols_name ON symbols (name COLLATE NOCASE);
CREATE INDEX IF NOT EXISTS symbols_blob ON symbols (blob);
CREATE TABLE IF NOT EXISTS files (
    root TEXT NOT NULL,
    path TEXT NOT NULL,
    blob INTEGER NOT NULL,
    PRIMARY KEY (root, path)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS files_blob ON files (blob);
"""


class CorruptCache(PatchsmithError, RuntimeError):
    """The cache database could not be read; the caller rebuilds it."""


def default_cache_dir() -> Path:
    # As documented: PATCHSMITH_CACHE_DIR names the index folder itself; by default it is <user cache>/index.
    return cache_root() if os.environ.get(CACHE_ENV) else cache_root() / "index"


def db_path_for(git_common_dir: Path, cache_dir: Path | None = None) -> Path:
    """The cache file for a repository: named by its git common dir so worktrees share it."""
    key = hashlib.sha1(str(git_common_dir.resolve()).encode()).hexdigest()[:16]
    return (cache_dir or default_cache_dir()) / f"{git_common_dir.resolve().parent.name or 'repo'}-{key}.sqlite"


@dataclass(frozen=True, slots=True)
class StoredFile:
    path: str
    sha: str
    blob: int
    lang: str
    status: str


@dataclass(frozen=True, slots=True)
class SymbolRow:
    path: str
    name: str
    kind: str
    scope: str
    line: int
    end_line: int
    signature: str
    doc: str
    lang: str

    @property
    def qualified(self) -> str:
        return f"{self.scope}.{self.name}" if self.scope else self.name


_SYMBOL_COLUMNS = "f.path, s.name, s.kind, s.scope, s.line, s.end_line, s.signature, s.doc, b.lang"


class IndexStore:
    """Open with `IndexStore.open(path)`: a corrupt or foreign file is moved aside and recreated."""

    def __init__(self, conn: sqlite3.Connection, path: Path, rebuilt: bool = False) -> None:
        self.conn = conn
        self.path = path
        self.rebuilt = rebuilt  # True when a corrupt cache was found and replaced

    @classmethod
    def open(cls, path: Path) -> IndexStore:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            return cls(_connect(path), path)
        except (sqlite3.DatabaseError, CorruptCache):
            _remove_db(path)
            return cls(_connect(path), path, rebuilt=True)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> IndexStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- writing -------------------------------------------------------------------------------------
    def known_blobs(self, shas: Iterable[str]) -> dict[str, int]:
        wanted = list(set(shas))
        found: dict[str, int] = {}
        for i in range(0, len(wanted), 900):  # stay under SQLite's bound-parameter limit
            chunk = wanted[i:i + 900]
            rows = self.conn.execute(f"SELECT sha, id FROM blobs WHERE sha IN ({','.join('?' * len(chunk))})", chunk)
            found.update(rows)
        return found

    def add_blob(self, sha: str, facts: FileFacts) -> int:
        cur = self.conn.execute(
            "INSERT OR REPLACE INTO blobs (sha, lang, status, nsyms, lines, parse_errors, refs) VALUES (?,?,?,?,?,?,?)",
            (sha, facts.lang, facts.status, len(facts.definitions), facts.lines, int(facts.parse_errors),
             facts.references))
        blob = int(cur.lastrowid or 0)
        if facts.definitions:
            self.conn.executemany(
                "INSERT INTO symbols (blob, name, kind, scope, line, end_line, signature, doc) VALUES (?,?,?,?,?,?,?,?)",
                [(blob, d.name, d.kind, d.scope, d.line, d.end_line, d.signature, d.doc) for d in facts.definitions])
        return blob

    def set_files(self, root: str, upserts: Iterable[tuple[str, int]], removed: Iterable[str]) -> None:
        self.conn.executemany("DELETE FROM files WHERE root = ? AND path = ?", [(root, p) for p in removed])
        self.conn.executemany("INSERT OR REPLACE INTO files (root, path, blob) VALUES (?,?,?)",
                              [(root, p, b) for p, b in upserts])

    def prune(self, keep_orphans: int = 20_000) -> int:
        """Drop parse results no worktree points at, oldest first, beyond `keep_orphans` (kept for commit
        switches)."""
        orphans = [r[0] for r in self.conn.execute(
            "SELECT id FROM blobs WHERE id NOT IN (SELECT blob FROM files) ORDER BY id DESC")]
        drop = orphans[keep_orphans:]
        for i in range(0, len(drop), 900):
            chunk = drop[i:i + 900]
            marks = ",".join("?" * len(chunk))
            self.conn.execute(f"DELETE FROM symbols WHERE blob IN ({marks})", chunk)
            self.conn.execute(f"DELETE FROM blobs WHERE id IN ({marks})", chunk)
        return len(drop)

    def commit(self) -> None:
        self.conn.commit()

    # --- reading -------------------------------------------------------------------------------------
    def files(self, root: str) -> dict[str, StoredFile]:
        rows = self.conn.execute(
            "SELECT f.path, b.sha, b.id, b.lang, b.status FROM files f JOIN blobs b ON b.id = f.blob WHERE f.root = ?",
            (root,))
        return {r[0]: StoredFile(*r) for r in rows}

    def file_status(self, root: str, path: str) -> str | None:
        row = self.conn.execute("SELECT b.status FROM files f JOIN blobs b ON b.id = f.blob WHERE f.root = ? AND "
                                "f.path = ?", (root, path)).fetchone()
        return row[0] if row else None

    def file_shas(self, root: str) -> dict[str, str]:
        """path -> blob id: the cheap form the incremental update compares against."""
        return dict(self.conn.execute(
            "SELECT f.path, b.sha FROM files f JOIN blobs b ON b.id = f.blob WHERE f.root = ?", (root,)))

    def find_symbols(self, root: str, name: str, *, nocase: bool = False, limit: int = 200) -> list[SymbolRow]:
        rows = self.conn.execute(
            f"SELECT {_SYMBOL_COLUMNS} FROM symbols s JOIN files f ON f.blob = s.blob JOIN blobs b ON b.id = s.blob "
            "WHERE f.root = ? AND s.name = ? COLLATE NOCASE ORDER BY f.path, s.line LIMIT ?", (root, name, limit * 4))
        found = [SymbolRow(*r) for r in rows]
        if not nocase:
            found = [s for s in found if s.name == name]
        return found[:limit]

    def symbol_names(self, root: str) -> list[str]:
        rows = self.conn.execute(
            "SELECT DISTINCT s.name FROM symbols s JOIN files f ON f.blob = s.blob WHERE f.root = ?", (root,))
        return [r[0] for r in rows]

    def symbols_in_file(self, root: str, path: str) -> list[SymbolRow]:
        rows = self.conn.execute(
            f"SELECT {_SYMBOL_COLUMNS} FROM symbols s JOIN files f ON f.blob = s.blob JOIN blobs b ON b.id = s.blob "
            "WHERE f.root = ? AND f.path = ? ORDER BY s.line, s.end_line DESC", (root, path))
        return [SymbolRow(*r) for r in rows]

    def all_symbols(self, root: str) -> Iterator[SymbolRow]:
        rows = self.conn.execute(
            f"SELECT {_SYMBOL_COLUMNS} FROM symbols s JOIN files f ON f.blob = s.blob JOIN blobs b ON b.id = s.blob "
            "WHERE f.root = ?", (root,))
        return (SymbolRow(*r) for r in rows)

    def files_referencing(self, root: str, name: str) -> list[str]:
        rows = self.conn.execute(
            "SELECT f.path FROM files f JOIN blobs b ON b.id = f.blob "
            "WHERE f.root = ? AND b.status = 'ok' AND instr(' ' || b.refs || ' ', ?) > 0 ORDER BY f.path",
            (root, f" {name} "))
        return [r[0] for r in rows]

    def references(self, root: str) -> dict[str, list[str]]:
        """path -> names it uses, for every parsed file of the worktree."""
        rows = self.conn.execute(
            "SELECT f.path, b.refs FROM files f JOIN blobs b ON b.id = f.blob WHERE f.root = ? AND b.status = 'ok'",
            (root,))
        return {path: refs.split() for path, refs in rows}


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=30, isolation_level="DEFERRED")
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")  # a cache: losing the last commit on power loss is fine
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "meta" in tables:
            row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            if row is None or row[0] != str(SCHEMA_VERSION):
                raise CorruptCache(f"schema version {row[0] if row else 'missing'} != {SCHEMA_VERSION}")
            missing = {"blobs", "symbols", "files"} - tables
            if missing:
                raise CorruptCache(f"tables missing: {', '.join(sorted(missing))}")
        else:
            if tables:
                raise CorruptCache("not a patchsmith index")
            conn.executescript(_SCHEMA)
            conn.execute("INSERT INTO meta (key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
            conn.commit()
        return conn
    except BaseException:
        conn.close()
        raise


def _remove_db(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        try:
            Path(str(path) + suffix).unlink()
        except FileNotFoundError:
            pass
