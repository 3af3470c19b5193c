"""A worktree's index, kept fresh cheaply, and the lookups the agent tools and localization share."""

from __future__ import annotations

import bisect
import difflib
import re
from dataclasses import dataclass
from pathlib import Path

from .build import BuildStats, git_common_dir, update_index
from .freshness import WorktreeWatch
from .languages import load, spec_for_path
from .store import IndexStore, SymbolRow, db_path_for

_MAX_REF_FILES = 60  # files scanned for occurrences per find_references call


@dataclass(frozen=True, slots=True)
class Occurrence:
    path: str
    line: int
    text: str
    enclosing: str  # qualified name of the innermost definition around it, "" at top level
    is_definition: bool


def split_query(query: str) -> tuple[str, str]:
    """`Foo.bar`, `Foo::bar`, `Foo#bar` -> ("bar", "Foo"); a plain name has no scope."""
    parts = [p for p in re.split(r"::|[.#]|->", query.strip().rstrip("()")) if p]
    if not parts:
        return "", ""
    return parts[-1], ".".join(parts[:-1])


class RepoIndex:
    """Open with `RepoIndex.open(root)`; `refresh()` re-indexes only when the working tree changed."""

    def __init__(self, root: Path, cache_dir: Path | None = None) -> None:
        self.root = Path(root).resolve()
        self.cache_dir = cache_dir
        self.key = str(self.root)
        self.last_stats: BuildStats | None = None
        self._fingerprint: tuple | None = None
        self._db_path = db_path_for(git_common_dir(self.root), cache_dir)
        self._store: IndexStore | None = None
        self._watch = WorktreeWatch(self.root)
        self._names: list[str] | None = None

    @classmethod
    def open(cls, root: Path, cache_dir: Path | None = None) -> RepoIndex:
        index = cls(root, cache_dir)
        index.refresh()
        return index

    @property
    def store(self) -> IndexStore:
        if self._store is None:
            self._store = IndexStore.open(self._db_path)
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    def refresh(self, force: bool = False) -> BuildStats | None:
        """Bring the index up to date; returns build stats when it had to run, None when nothing changed."""
        fingerprint = self._watch.fingerprint()
        if not force and fingerprint == self._fingerprint:
            return None
        self.close()  # the build may replace a corrupt database file
        self._names = None
        # The first build lists the tree itself (and refreshes git's stat cache); later ones reuse the listing.
        dirty = self._watch.dirty if self._fingerprint is not None else None
        self.last_stats = update_index(self.root, self.cache_dir, dirty=dirty)
        self._fingerprint = fingerprint
        return self.last_stats

    # --- lookups -------------------------------------------------------------------------------------
    def find_symbol(self, query: str, limit: int = 20) -> tuple[list[SymbolRow], bool]:
        """Definitions named `query` (optionally `Scope.name`); (rows, exact). Falls back to case-insensitive,
        then substring, then closest-spelling matches, with exact=False."""
        name, scope = split_query(query)
        if not name:
            return [], False
        rows = self.store.find_symbols(self.key, name)
        if scope:
            scoped = [r for r in rows if r.scope == scope or r.scope.endswith("." + scope)
                      or r.path.removesuffix(Path(r.path).suffix).replace("/", ".").endswith(scope)]
            rows = scoped or rows
        if rows:
            return _sort_rows(rows)[:limit], True
        rows = self.store.find_symbols(self.key, name, nocase=True)
        if not rows and len(name) >= 3:
            # names containing it, shortest first: a scan of the cached names beats SQL's LIKE over every row
            fragment = name.lower()
            containing = sorted((n for n in self._symbol_names() if fragment in n.lower()), key=lambda n: (len(n), n))
            for match in containing:
                rows.extend(self.store.find_symbols(self.key, match))
                if len(rows) >= limit:
                    break
        if not rows:
            close = difflib.get_close_matches(name, _candidates(self._symbol_names(), name), n=5, cutoff=0.7)
            for match in close:  # closest spelling first
                rows.extend(_sort_rows(self.store.find_symbols(self.key, match)))
            return rows[:limit], False
        return _sort_rows(rows)[:limit], False

    def _symbol_names(self) -> list[str]:
        if self._names is None:  # kept until the next rebuild: fuzzy lookups repeat within a run
            self._names = self.store.symbol_names(self.key)
        return self._names

    def outline(self, path: str) -> list[SymbolRow]:
        return self.store.symbols_in_file(self.key, path)

    def file_status(self, path: str) -> str | None:
        """`ok`, a skip reason, or None when the index has no such file."""
        return self.store.file_status(self.key, path)

    def find_references(self, name: str, limit: int = 100) -> tuple[list[Occurrence], list[str], int]:
        """Occurrences of identifier `name` in code (not comments or strings): (occurrences, files that
        vanished since indexing, total files that mention it)."""
        files = self.store.files_referencing(self.key, name)
        pattern = re.compile(rb"(?<![A-Za-z0-9_])" + re.escape(name.encode()) + rb"(?![A-Za-z0-9_])")
        out: list[Occurrence] = []
        missing: list[str] = []
        for path in files[:_MAX_REF_FILES]:
            spec = spec_for_path(path)
            full = self.root / path
            try:
                data = full.read_bytes()
            except OSError:
                missing.append(path)
                continue
            if spec is None:
                continue
            tree = load(spec.name).parser.parse(data)
            defs = self.store.symbols_in_file(self.key, path)
            line_starts = _line_starts(data)
            for m in pattern.finditer(data):
                node = tree.root_node.descendant_for_byte_range(m.start(), m.end())
                if node is None or "identifier" not in node.type and node.type != "constant":
                    continue
                line = _line_of(line_starts, m.start())
                end = data.find(b"\n", m.start())
                text = data[line_starts[line - 1]:end if end >= 0 else len(data)]
                enclosing = _innermost(defs, line)
                is_def = any(d.name == name and d.line == line for d in defs)
                out.append(Occurrence(path, line, text.decode("utf-8", "replace").strip(),
                                      enclosing.qualified if enclosing else "", is_def))
                if len(out) >= limit:
                    return out, missing, len(files)
        return out, missing, len(files)


def _candidates(names: list[str], name: str) -> list[str]:
    """Cut the field for difflib (quadratic per pair) to names of similar length sharing a letter."""
    lower = name.lower()
    first = {lower[0], lower[-1]}
    return [n for n in names if abs(len(n) - len(name)) <= 3 and (n[0].lower() in first or n[-1].lower() in first)]


def _sort_rows(rows: list[SymbolRow]) -> list[SymbolRow]:
    """Classes and functions before the rest; source before tests; shallow paths first."""
    kind_order = {"class": 0, "struct": 0, "interface": 0, "trait": 0, "function": 1, "method": 1}

    def key(r: SymbolRow) -> tuple:
        testy = bool(re.search(r"(^|/)(tests?|testing)(/|$)|(^|/)test_|_test\.", r.path))
        return (testy, kind_order.get(r.kind, 2), r.path.count("/"), r.path, r.line)

    return sorted(rows, key=key)


def _line_starts(data: bytes) -> list[int]:
    starts = [0]
    pos = data.find(b"\n")
    while pos >= 0:
        starts.append(pos + 1)
        pos = data.find(b"\n", pos + 1)
    return starts


def _line_of(starts: list[int], offset: int) -> int:
    return bisect.bisect_right(starts, offset)


def _innermost(defs: list[SymbolRow], line: int) -> SymbolRow | None:
    best: SymbolRow | None = None
    for d in defs:
        if d.line <= line <= d.end_line and (best is None or d.line >= best.line):
            best = d
    return best
