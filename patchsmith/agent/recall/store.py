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
"""


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
        secrets = list(secrets)
        clean = item.model_copy(update={"text": scrub(item.text, secrets), "origin": scrub(item.origin, secrets)})
        with self._db() as db:
            cur = db.execute("INSERT OR IGNORE INTO items (repo, kind, text, origin, files, created_at, stored_at) "
                             "VALUES (?, ?, ?, ?, ?, ?, ?)",
                             (clean.repo, clean.kind, clean.text, clean.origin, json.dumps(clean.files),
                              clean.created_at, clean.stored_at))
            return cur.lastrowid if cur.rowcount else None

    def items(self, repo: str | None = None, *, before: float | None = None,
              kind: Kind | None = None) -> list[MemoryItem]:
        sql, params = "SELECT id, repo, kind, text, origin, files, created_at, stored_at FROM items WHERE 1=1", []
        if repo is not None:
            sql, params = sql + " AND repo = ?", [*params, repo]
        if before is not None:
            sql, params = sql + " AND created_at < ?", [*params, before]
        if kind is not None:
            sql, params = sql + " AND kind = ?", [*params, kind]
        with self._db() as db:
            rows = db.execute(sql + " ORDER BY created_at, id", params).fetchall()
        return [MemoryItem(id=r[0], repo=r[1], kind=r[2], text=r[3], origin=r[4], files=json.loads(r[5]),
                           created_at=r[6], stored_at=r[7]) for r in rows]

    def get(self, item_id: int) -> MemoryItem | None:
        found = [i for i in self._by_ids([item_id])]
        return found[0] if found else None

    def _by_ids(self, ids: list[int]) -> list[MemoryItem]:
        with self._db() as db:
            rows = db.execute(f"SELECT id, repo, kind, text, origin, files, created_at, stored_at FROM items "
                              f"WHERE id IN ({','.join('?' * len(ids))})", ids).fetchall()
        return [MemoryItem(id=r[0], repo=r[1], kind=r[2], text=r[3], origin=r[4], files=json.loads(r[5]),
                           created_at=r[6], stored_at=r[7]) for r in rows]

    def forget(self, ids: Iterable[int] = (), *, repo: str | None = None, everything: bool = False) -> int:
        """Delete the given items, or every item of `repo` when `everything` is set. Returns how many."""
        with self._db() as db:
            if everything:
                return db.execute("DELETE FROM items WHERE repo = ?", (repo,)).rowcount
            ids = list(ids)
            return db.execute(f"DELETE FROM items WHERE id IN ({','.join('?' * len(ids))})", ids).rowcount

    def export(self, repo: str | None = None) -> list[dict]:
        return [i.model_dump(exclude={"id"}) for i in self.items(repo)]

    def import_items(self, rows: Iterable[dict], secrets: Iterable[str] = ()) -> int:
        secrets = list(secrets)
        return sum(1 for row in rows if self.add(MemoryItem.model_validate({**row, "id": None}), secrets))
