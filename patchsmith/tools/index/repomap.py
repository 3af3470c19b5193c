"""A ranked overview of the repository: PageRank over "file A uses a name file B defines", personalised by
the task (files and names it mentions), rendered as files with their key definitions within a token budget."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from .repo import RepoIndex
from .store import SymbolRow

CHARS_PER_TOKEN = 4  # a rough, tokenizer-free estimate; budgets here are soft
_MAX_DEFINERS = 25  # a name defined in more files than this says little about which one is meant
_MAX_PER_FILE = 12
_MAP_KINDS = {"class", "function", "method", "interface", "struct", "enum", "trait", "type", "namespace", "module",
              "macro", "impl"}


@dataclass(frozen=True)
class Ranking:
    files: dict[str, float]  # path -> rank (sums to ~1)
    definitions: dict[tuple[str, str], float]  # (path, name) -> rank share flowing into that definition


def _name_weight(name: str, focus_names: set[str]) -> float:
    if name.startswith("__") and name.endswith("__"):
        return 0.0
    weight = 1.0
    if name in focus_names:
        weight *= 10.0
    if name.startswith("_"):
        weight *= 0.1
    if len(name) < 4 and name not in focus_names:
        weight *= 0.3
    if name.islower() and "_" not in name.strip("_") and name not in focus_names:
        weight *= 0.3  # one lowercase word (data, default, run) is as likely English as a reference
    return weight


def _personalization(n: int, pos: dict[str, int], focus_files: set[str], focus_names: set[str],
                     definers: dict[str, set[str]]) -> np.ndarray:
    """Where the random walk restarts: mostly the focus files, then the definers of the focus names."""
    personal = np.full(n, 1.0)
    for p in focus_files:
        if p in pos:
            personal[pos[p]] += 100.0
    for name in focus_names:
        for p in definers.get(name, ()):
            personal[pos[p]] += 20.0 / len(definers[name])
    return personal / personal.sum()


def _pagerank(e_src: np.ndarray, e_dst: np.ndarray, e_w: np.ndarray, personal: np.ndarray, iterations: int,
              damping: float) -> tuple[np.ndarray, np.ndarray]:
    """Personalized PageRank over the weighted edges; returns the ranks and each edge's normalized weight."""
    n = len(personal)
    out_weight = np.bincount(e_src, weights=e_w, minlength=n)
    norm_w = e_w / np.where(out_weight[e_src] > 0, out_weight[e_src], 1.0)
    dangling = out_weight == 0
    ranks = personal.copy()
    for _ in range(iterations):
        flow = np.bincount(e_dst, weights=ranks[e_src] * norm_w, minlength=n)
        flow += ranks[dangling].sum() * personal
        new = (1 - damping) * personal + damping * flow
        done = np.abs(new - ranks).sum() < 1e-9
        ranks = new
        if done:
            break
    return ranks, norm_w


def rank(index: RepoIndex, focus_files: Iterable[str] = (), focus_names: Iterable[str] = (),
         iterations: int = 40, damping: float = 0.85) -> Ranking:
    focus_files, focus_names = set(focus_files), set(focus_names)
    definers: dict[str, set[str]] = defaultdict(set)
    for path, name in index.store.conn.execute(
            "SELECT f.path, s.name FROM symbols s JOIN files f ON f.blob = s.blob WHERE f.root = ?", (index.key,)):
        definers[name].add(path)
    references = index.store.references(index.key)
    paths = sorted(set(references) | {p for ps in definers.values() for p in ps})
    if not paths:
        return Ranking({}, {})
    n = len(paths)
    pos = {p: i for i, p in enumerate(paths)}
    # Names worth an edge: defined somewhere, but not in so many files that a use says nothing.
    names = [name for name, where in definers.items()
             if len(where) <= _MAX_DEFINERS and _name_weight(name, focus_names) > 0]
    name_id = {name: i for i, name in enumerate(names)}
    def_ptr = np.zeros(len(names) + 1, dtype=np.int64)
    def_ptr[1:] = np.cumsum([len(definers[name]) for name in names])
    def_files = np.fromiter((pos[p] for name in names for p in sorted(definers[name])), dtype=np.int64,
                            count=int(def_ptr[-1]))
    pair_src: list[int] = []
    pair_name: list[int] = []
    for path, used in references.items():
        src = pos[path]
        for name in used:
            nid = name_id.get(name)
            if nid is not None:
                pair_src.append(src)
                pair_name.append(nid)
    p_src = np.asarray(pair_src, dtype=np.int64)
    p_name = np.asarray(pair_name, dtype=np.int64)
    # A name most files use (args, value, result) is weak evidence; weight by inverse document frequency.
    df = np.bincount(p_name, minlength=len(names)).astype(np.float64)
    idf = np.log1p(n / np.maximum(df, 1.0))
    base = np.fromiter((_name_weight(name, focus_names) for name in names), dtype=np.float64, count=len(names))
    ndef = np.diff(def_ptr)
    name_w = base * idf / np.maximum(ndef, 1)
    # Expand each (file, name) use into one edge per defining file.
    reps = ndef[p_name]
    e_src = np.repeat(p_src, reps)
    e_name = np.repeat(p_name, reps)
    offsets = np.arange(len(e_src)) - np.repeat(np.cumsum(reps) - reps, reps)
    e_dst = def_files[np.repeat(def_ptr[p_name], reps) + offsets] if len(e_src) else np.zeros(0, dtype=np.int64)
    keep = e_src != e_dst
    e_src, e_dst, e_name = e_src[keep], e_dst[keep], e_name[keep]
    e_w = name_w[e_name]
    personal = _personalization(n, pos, focus_files, focus_names, definers)
    ranks, norm_w = _pagerank(e_src, e_dst, e_w, personal, iterations, damping)
    files = {p: float(ranks[i]) for i, p in enumerate(paths)}
    # Each file's rank flows into the definitions it uses, in proportion to the edge weights.
    contrib = ranks[e_src] * norm_w
    keys, inverse = np.unique(e_dst * len(names) + e_name, return_inverse=True)
    sums = np.bincount(inverse, weights=contrib)
    definitions: dict[tuple[str, str], float] = {
        (paths[int(k) // len(names)], names[int(k) % len(names)]): float(v) for k, v in zip(keys, sums, strict=True)}
    for name in focus_names:  # a mentioned definition matters even if nothing in the repo calls it
        for p in definers.get(name, ()):
            definitions[(p, name)] = definitions.get((p, name), 0.0) + files.get(p, 0.0)
    return Ranking(files, definitions)


def render(index: RepoIndex, ranking: Ranking, budget_tokens: int = 1024,
           focus_files: Iterable[str] = ()) -> str:
    """The best-ranked definitions grouped by file, as many as fit the budget (binary search on the count)."""
    budget = budget_tokens * CHARS_PER_TOKEN
    ordered = sorted(ranking.definitions.items(), key=lambda kv: -kv[1])
    focus = [f for f in focus_files if f in ranking.files]
    outlines: dict[str, list[SymbolRow]] = {}

    def text_for(count: int) -> str:
        chosen: dict[str, set[str]] = defaultdict(set)
        for (path, name), _ in ordered[:count]:
            chosen[path].add(name)
        for path in focus:
            chosen.setdefault(path, set())
        order = sorted(chosen, key=lambda p: (p not in focus, -ranking.files.get(p, 0.0), p))
        lines: list[str] = []
        for path in order:
            lines.append(f"{path}:")
            if path not in outlines:
                outlines[path] = index.outline(path)
            wanted = chosen[path] or {r.name for r in outlines[path] if not r.scope}
            if path in focus:  # what the task is about: its whole outline, not just what others use
                wanted = wanted | {r.name for r in outlines[path]}
            shown: set[str] = set()
            for row in outlines[path]:
                if row.name in wanted and row.kind in _MAP_KINDS and row.qualified not in shown:
                    shown.add(row.qualified)  # overloads and property setters once
                    depth = row.scope.count(".") + 1 if row.scope else 0
                    lines.append(f"{'  ' * (depth + 1)}{row.line}: {row.signature}")
                    if len(shown) >= _MAX_PER_FILE:
                        lines.append(f"{'  ' * (depth + 1)}...")
                        break
        return "\n".join(lines)

    lo, hi = 0, len(ordered)
    best = text_for(0) if focus else ""
    if len(best) > budget:
        return best[:budget]
    while lo < hi:
        mid = (lo + hi + 1) // 2
        candidate = text_for(mid)
        if len(candidate) <= budget:
            best, lo = candidate, mid
        else:
            hi = mid - 1
    if not best:  # nothing referenced anything: fall back to the biggest files' top-level definitions
        paths = sorted(ranking.files, key=lambda p: -ranking.files[p])
        lines = []
        for path in paths:
            block = [f"{path}:"] + [f"  {r.line}: {r.signature}" for r in index.outline(path) if not r.scope][:8]
            if sum(len(x) + 1 for x in lines + block) > budget:
                break
            lines += block
        best = "\n".join(lines)
    return best


def repo_map(index: RepoIndex, focus_files: Iterable[str] = (), focus_names: Iterable[str] = (),
             budget_tokens: int = 1024) -> str:
    focus_files = list(focus_files)
    ranking = rank(index, focus_files, focus_names)
    return render(index, ranking, budget_tokens, focus_files)
