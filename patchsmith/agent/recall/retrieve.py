"""Rank a repository's memory against a new task's issue text and keep the best within a token budget."""

from __future__ import annotations

import time
from dataclasses import dataclass

from ..models.base import estimate_tokens
from .store import MemoryItem, MemoryStore

DEFAULT_BUDGET = 600  # tokens of recalled memory per run: enough for a handful of items
MAX_ITEMS = 6


@dataclass(frozen=True)
class Recalled:
    item: MemoryItem
    score: float

    def line(self, now: float | None = None) -> str:
        where = f", files: {', '.join(self.item.files[:4])}" if self.item.files else ""
        return (f"[{self.item.kind} #{self.item.id}, {self.item.age(now)}, from {self.item.origin}{where}] "
                f"{self.item.text}")


def rank(store: MemoryStore, repo: str, query: str, before: float | None = None) -> list[Recalled]:
    """Matching items by BM25 (SQLite FTS5 over code-aware words of each item's text and files), then the
    facts that did not match: how the tests run matters to every task."""
    matched = [Recalled(item, score) for item, score in store.search(repo, query, before=before)]
    seen = {r.item.id for r in matched}
    facts = [Recalled(i, 0.0) for i in reversed(store.items(repo, before=before, kind="fact")) if i.id not in seen]
    return matched + facts


def within_budget(ranked: list[Recalled], budget: int, max_items: int = MAX_ITEMS) -> list[Recalled]:
    kept, used = [], 0
    for r in ranked:
        cost = estimate_tokens(r.line())
        if used + cost > budget or len(kept) >= max_items:
            continue  # a shorter item further down may still fit
        kept.append(r)
        used += cost
    return kept


def recall(store: MemoryStore, repo: str, query: str, *, budget: int = DEFAULT_BUDGET,
           before: float | None = None, max_items: int = MAX_ITEMS) -> list[Recalled]:
    """The items of `repo` most relevant to `query`; with `before`, only items created before that time (a
    task in evaluation never sees what later tasks taught)."""
    return within_budget(rank(store, repo, query, before), budget, max_items)


def render_recalled(recalled: list[Recalled], now: float | None = None) -> list[str]:
    now = now or time.time()
    return [r.line(now) for r in recalled]
