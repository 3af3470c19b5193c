"""A per-repository store of what earlier runs learned (SQLite under the user's data directory).

A repository is identified by its root commit, so clones and worktrees of it share one memory. Items are
facts (how the tests run, where things live, environment quirks) and lessons (what a task was, which files
its fix touched, what the decisive change was, or what went wrong). Every item keeps its origin and its
`created_at`: in evaluation a task may only recall items written by tasks created before it.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from ...tools.index.mentions import tokenize
from .secrets import scrub

Kind = Literal["fact", "lesson"]
SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    repo TEXT NOT NULL,
    kind TEXT NOT NULL,
    text TEXT NOT NULL,
    origin TEXT NOT NULL,
    files TEXT NOT NULL DEFAULT '[]',
    created_at REAL NOT NULL,
    stored_at REAL NOT NULL,
    UNIQUE (repo, kind, text)
);
CREATE INDEX IF NOT EXISTS items_repo ON items (repo, created_at);
CREATE VIRTUAL TABLE IF NOT EXISTS items_fts USING fts5(words);
"""
COLUMNS = "items.id, repo, kind, text, origin, files, created_at, stored_at"
MAX_QUERY_WORDS = 400  # distinct words of the issue; long tracebacks beyond are noise


class MemoryItem(BaseModel):
    id: int | None = None
    repo: str
    kind: Kind
    text: str = Field(min_length=1)
    origin: str  # where it came from: "run 3f2a… (task x-1)", "import", "user"
    files: list[str] = Field(default_factory=list)
    created_at: float  # when the knowledge arose: the task's created_at in harness runs, else the run's time
    stored_at: float = Field(default_factory=time.time)

    def age(self, now: float | None = None) -> str:
        days = ((now or time.time()) - self.created_at) / 86400
        if days < 1:
            return "today"
        return f"{int(days)} day{'s' if int(days) != 1 else ''} ago"


class MemoryStore:
    """One SQLite file for all repositories; every query names its repository."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._db() as db:
            db.executescript(SCHEMA)

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=30)
        try:
            with db:
                yield db
        finally:
            db.close()

    def add(self, item: MemoryItem, secrets: Iterable[str] = ()) -> int | None:
        """Store `item` with every secret masked; an item already there (same text) is not stored twice."""
        return self.add_many([item], secrets)[0]

    def add_many(self, items: Iterable[MemoryItem], secrets: Iterable[str] = ()) -> list[int | None]:
        """One transaction for many items (an import, a benchmark's store): the new ids, None where a copy
        was already there."""
        secrets, ids = list(secrets), []
        with self._db() as db:
            for item in items:
                clean = item.model_copy(update={"text": scrub(item.text, secrets),
                                                "origin": scrub(item.origin, secrets)})
                cur = db.execute("INSERT OR IGNORE INTO items (repo, kind, text, origin, files, created_at, "
                                 "stored_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                                 (clean.repo, clean.kind, clean.text, clean.origin, json.dumps(clean.files),
                                  clean.created_at, clean.stored_at))
                new = cur.lastrowid if cur.rowcount else None
                if new is not None:  # code-aware words, so `parse_config` matches "parse config" and back
                    words = " ".join(tokenize(clean.text + " " + " ".join(clean.files)))
                    db.execute("INSERT INTO items_fts (rowid, words) VALUES (?, ?)", (new, words))
                ids.append(new)
        return ids

    def search(self, repo: str, query: str, *, before: float | None = None,
               limit: int = 50) -> list[tuple[MemoryItem, float]]:
        """Items of `repo` matching `query`, best first, with their BM25 score (higher is better)."""
        words = list(dict.fromkeys(w for w in tokenize(query) if w.isalnum()))[:MAX_QUERY_WORDS]
        if not words:
            return []
        match = " OR ".join(f'"{w}"' for w in words)
        sql = (f"SELECT {COLUMNS}, bm25(items_fts) FROM items_fts JOIN items ON items.id = items_fts.rowid "
               "WHERE items_fts MATCH ? AND repo = ?")
        params: list[object] = [match, repo]
        if before is not None:
            sql, params = sql + " AND created_at < ?", [*params, before]
        with self._db() as db:
            rows = db.execute(sql + " ORDER BY bm25(items_fts) LIMIT ?", [*params, limit]).fetchall()
        return [(_item(r), -float(r[8])) for r in rows]

    def items(self, repo: str | None = None, *, before: float | None = None,
              kind: Kind | None = None) -> list[MemoryItem]:
        sql, params = f"SELECT {COLUMNS} FROM items WHERE 1=1", []
        if repo is not None:
            sql, params = sql + " AND repo = ?", [*params, repo]
        if before is not None:
            sql, params = sql + " AND created_at < ?", [*params, before]
        if kind is not None:
            sql, params = sql + " AND kind = ?", [*params, kind]
        with self._db() as db:
            rows = db.execute(sql + " ORDER BY created_at, id", params).fetchall()
        return [_item(r) for r in rows]

    def get(self, item_id: int) -> MemoryItem | None:
        with self._db() as db:
            row = db.execute(f"SELECT {COLUMNS} FROM items WHERE id = ?", (item_id,)).fetchone()
        return _item(row) if row else None

    def forget(self, ids: Iterable[int] = (), *, repo: str | None = None, everything: bool = False) -> int:
        """Delete the given items, or every item of `repo` when `everything` is set. Returns how many."""
        with self._db() as db:
            if everything:
                ids = [r[0] for r in db.execute("SELECT id FROM items WHERE repo = ?", (repo,))]
            ids = list(ids)
            marks = ",".join("?" * len(ids))
            db.execute(f"DELETE FROM items_fts WHERE rowid IN ({marks})", ids)
            return db.execute(f"DELETE FROM items WHERE id IN ({marks})", ids).rowcount

    def export(self, repo: str | None = None) -> list[dict]:
        return [i.model_dump(exclude={"id"}) for i in self.items(repo)]

    def import_items(self, rows: Iterable[dict], secrets: Iterable[str] = ()) -> int:
        secrets = list(secrets)
        items = [MemoryItem.model_validate({**row, "id": None}) for row in rows]
        return sum(1 for new in self.add_many(items, secrets) if new is not None)


def _item(r: tuple) -> MemoryItem:
    return MemoryItem(id=r[0], repo=r[1], kind=r[2], text=r[3], origin=r[4], files=json.loads(r[5]),
                      created_at=r[6], stored_at=r[7])

