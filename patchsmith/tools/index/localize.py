"""Rank a repository's files, then their functions, for an issue text.

Evidence, strongest first: files and stack-trace frames the text names, dotted module paths, definitions of
the identifiers it mentions (weighted by how few files define them), then lexical similarity (BM25 over each
file's vocabulary and path, over its definitions' names, signatures and docstrings, over its whole text, and
over the messages of the recent commits that touched it). Tests, docs and examples are down-weighted: an issue
is fixed in the code it is about.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydantic import BaseModel, Field

from .history import commit_messages_by_file
from .mentions import Mentions, Tokenizer, parse_mentions, tokenize
from .repo import RepoIndex
from .store import SymbolRow

_FUNCTION_KINDS = {"function", "method"}
_TEST_PATH = re.compile(r"(^|/)(tests?|testing)(/|$)|(^|/)test_[^/]*$|_tests?\.\w+$|(^|/)conftest\.py$")
_AUX_PATH = re.compile(r"(^|/)(docs?|examples?|benchmarks?|asv_bench|bench|scripts?|tools|release|ci|\.github"
                       r"|vendor(ed)?|_vendor|third_party|externs?|externals)(/|$)|[^/]+/packages/"
                       r"|(^|/)(setup|conftest|noxfile|tasks)\.py$")


class FunctionHit(BaseModel):
    name: str  # qualified: Class.method
    kind: str
    line: int
    end_line: int
    score: float


class FileHit(BaseModel):
    path: str
    score: float
    reasons: list[str] = Field(default_factory=list)
    functions: list[FunctionHit] = Field(default_factory=list)


def path_prior(path: str) -> float:
    if _TEST_PATH.search(path):
        return 0.3
    if _AUX_PATH.search(path):
        return 0.4
    return 1.0


def _bm25_scores(docs: list[list[str]], query: list[str]) -> np.ndarray:
    if not docs or not query:
        return np.zeros(len(docs))
    import bm25s  # scipy comes with it: ~1 s of imports that only localization needs

    retriever = bm25s.BM25()
    retriever.index([d or ["_"] for d in docs], show_progress=False)
    vocab = retriever.vocab_dict
    q = [t for t in query if t in vocab]
    if not q:
        return np.zeros(len(docs))
    return np.asarray(retriever.get_scores(q), dtype=np.float64)


def _normalized(scores: np.ndarray) -> np.ndarray:
    top = float(scores.max()) if len(scores) else 0.0
    return scores / top if top > 0 else scores


def _match_path(written: str, paths: list[str], by_suffix: dict[str, list[str]]) -> list[str]:
    """Repository paths a written path refers to: exact, or the longest matching tail (absolute paths from
    tracebacks, site-packages copies)."""
    written = written.lstrip("./")
    parts = written.split("/")
    for i in range(len(parts)):
        tail = "/".join(parts[i:])
        hits = by_suffix.get(tail)
        if hits:
            return hits if i < len(parts) - 1 or len(hits) <= 3 else []
    return []


def _content_scores(index: RepoIndex, paths: list[str], issue_text: str) -> np.ndarray:
    """BM25 over whole file texts (term frequencies the vocabulary sets lack); unreadable files score 0."""
    import bm25s
    texts = []
    for p in paths:
        try:
            texts.append((index.root / p).read_text(encoding="utf-8", errors="replace"))
        except OSError:
            texts.append("")
    tokens = bm25s.tokenize(texts, stopwords="en", show_progress=False, return_ids=False)
    query = bm25s.tokenize([issue_text], stopwords="en", show_progress=False, return_ids=False)[0]
    return _bm25_scores(tokens, query)


@dataclass
class FileSignals:
    """Per-file evidence for one issue, aligned with `paths`; `rank_files` combines it into one score."""
    paths: list[str]
    evidence: np.ndarray  # mentions: paths, frames, modules, defined names
    lexical: np.ndarray  # BM25 over path words and the identifiers a file uses
    lexical_defs: np.ndarray  # BM25 over the file's definitions (names, signatures, docstrings)
    content: np.ndarray  # BM25 over the whole text
    history: np.ndarray  # BM25 over the messages of recent commits that touched the file
    prior: np.ndarray  # tests, docs and examples count less
    reasons: dict[str, list[str]]
    by_file: dict[str, list[SymbolRow]]
    mentions: Mentions


def _mentioned(mentions: Mentions, paths: list[str], by_suffix: dict[str, list[str]],
               add: Callable[[str, float, str], None]) -> None:
    """Evidence from what the issue names outright: file paths, stack frames, dotted module paths."""
    for written in mentions.paths:
        for p in _match_path(written, paths, by_suffix):
            add(p, 3.0, "path mentioned")
    for frame in mentions.frames:
        for p in _match_path(frame.path, paths, by_suffix):
            add(p, 2.0 / (1 + 0.3 * frame.depth), f"stack frame {frame.function or frame.line}")
    for chain in mentions.dotted:
        parts = chain.split(".")
        for cut in range(len(parts), 1, -1):
            stem = "/".join(parts[:cut])
            hits = by_suffix.get(stem + ".py", []) + by_suffix.get(stem + "/__init__.py", [])
            if hits and len(hits) <= 3:
                for p in hits:
                    add(p, 1.5 if cut == len(parts) else 1.0, f"module {'.'.join(parts[:cut])}")
                break


def file_signals(index: RepoIndex, issue_text: str, mentions: Mentions | None = None, with_content: bool = True
                 ) -> FileSignals:
    mentions = mentions or parse_mentions(issue_text)
    references = index.store.references(index.key)
    by_file: dict[str, list[SymbolRow]] = defaultdict(list)
    definers: dict[str, set[str]] = defaultdict(set)
    for row in index.store.all_symbols(index.key):
        by_file[row.path].append(row)
        definers[row.name].add(row.path)
    paths = sorted(set(references) | set(by_file))
    if not paths:
        empty = np.zeros(0)
        return FileSignals([], empty, empty, empty, empty, empty, empty, {}, by_file, mentions)
    pos = {p: i for i, p in enumerate(paths)}
    n = len(paths)
    by_suffix: dict[str, list[str]] = defaultdict(list)
    for p in paths:
        parts = p.split("/")
        for i in range(len(parts)):
            by_suffix["/".join(parts[i:])].append(p)
    evidence = np.zeros(n)
    reasons: dict[str, list[str]] = defaultdict(list)

    def add(path: str, amount: float, reason: str) -> None:
        evidence[pos[path]] += amount
        if reason not in reasons[path]:
            reasons[path].append(reason)

    _mentioned(mentions, paths, by_suffix, add)
    # Defining one mentioned name is strong evidence; defining many common ones (sin, cos, exp) is not much
    # stronger: the best match counts fully, the rest a quarter.
    defines: dict[str, list[float]] = defaultdict(list)
    for name, emphasis in mentions.names.items():
        where = definers.get(name)
        if not where or len(where) > 40:
            continue
        specificity = math.log1p(n / len(where)) / math.log1p(n)
        for p in where:
            defines[p].append(2.0 * emphasis * specificity / math.sqrt(len(where)))
            if len(reasons[p]) < 6:
                reasons[p].append(f"defines {name}")
    for p, amounts in defines.items():
        amounts.sort(reverse=True)
        evidence[pos[p]] += amounts[0] + 0.25 * sum(amounts[1:4])
    tok = Tokenizer()
    query = tok(issue_text)
    file_docs = [tok(p.replace("/", " ")) * 3 + tok.words(references.get(p, [])) for p in paths]
    lexical = _normalized(_bm25_scores(file_docs, query))
    sym_docs = [tok(" ".join(f"{r.qualified} {r.signature} {r.doc}" for r in by_file.get(p, ())) + " " + p)
                for p in paths]
    lexical_defs = _normalized(_bm25_scores(sym_docs, query))
    content = _normalized(_content_scores(index, paths, issue_text)) if with_content else np.zeros(n)
    messages = commit_messages_by_file(index.root)
    history = _normalized(_bm25_scores([tok("\n".join(messages.get(p, ()))) for p in paths], query))
    for i in np.flatnonzero(history >= 0.5):
        reasons[paths[i]].append("past commits read like the issue")
    prior = np.fromiter((path_prior(p) for p in paths), dtype=np.float64, count=n)
    return FileSignals(paths, evidence, lexical, lexical_defs, content, history, prior, reasons, by_file, mentions)


def rank_files(index: RepoIndex, issue_text: str, mentions: Mentions | None = None, with_content: bool = True
               ) -> tuple[list[tuple[str, float, list[str]]], dict[str, list[SymbolRow]], Mentions]:
    """Every indexed file with its score and reasons, best first; also the definitions by file."""
    sig = file_signals(index, issue_text, mentions, with_content)
    if not sig.paths:
        return [], sig.by_file, sig.mentions
    scores = (sig.evidence + 1.5 * sig.lexical + 1.0 * sig.lexical_defs + 1.0 * sig.content + 1.0 * sig.history
              ) * sig.prior
    order = np.argsort(-scores, kind="stable")
    ranked = [(sig.paths[i], float(scores[i]), sig.reasons.get(sig.paths[i], [])) for i in order]
    return ranked, sig.by_file, sig.mentions


def rank_functions(index: RepoIndex, issue_text: str, files: list[tuple[str, float, list[str]]],
                   by_file: dict[str, list[SymbolRow]], mentions: Mentions) -> list[tuple[str, SymbolRow, float]]:
    """Functions and methods of the given files, best first, across files."""
    candidates: list[tuple[str, SymbolRow, float]] = []
    texts: list[list[str]] = []
    top_file = max((s for _, s, _ in files), default=0.0) or 1.0
    frame_funcs = {(f.function.split(".")[-1]) for f in mentions.frames if f.function}
    for path, fscore, _ in files:
        rows = [r for r in by_file.get(path, ()) if r.kind in _FUNCTION_KINDS]
        if not rows:
            continue
        try:
            lines = (index.root / path).read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            continue  # deleted since indexing
        for r in rows:
            body = "\n".join(lines[r.line - 1:r.end_line])
            texts.append(tokenize(f"{r.qualified} {r.signature} {r.doc} {body}"))
            candidates.append((path, r, fscore / top_file))
    if not candidates:
        return []
    lexical = _normalized(_bm25_scores(texts, tokenize(issue_text)))
    out = []
    for (path, r, fnorm), lex in zip(candidates, lexical, strict=True):
        score = 1.0 * fnorm + 1.0 * lex
        emphasis = mentions.names.get(r.name, 0.0)
        if emphasis:
            score += 1.5 * emphasis
            if r.scope and mentions.names.get(r.scope.split(".")[-1]):
                score += 0.5
        if r.name in frame_funcs:
            score += 1.0
        out.append((path, r, float(score)))
    out.sort(key=lambda t: -t[2])
    return out


def localize_with_index(index: RepoIndex, issue_text: str, top_k: int = 10,
                        functions_per_file: int = 5) -> list[FileHit]:
    ranked, by_file, mentions = rank_files(index, issue_text)
    top = ranked[:top_k]
    functions = rank_functions(index, issue_text, top, by_file, mentions)
    per_file: dict[str, list[FunctionHit]] = defaultdict(list)
    for path, r, score in functions:
        if len(per_file[path]) < functions_per_file:
            per_file[path].append(FunctionHit(name=r.qualified, kind=r.kind, line=r.line, end_line=r.end_line,
                                              score=round(score, 4)))
    return [FileHit(path=p, score=round(s, 4), reasons=reasons[:5], functions=per_file.get(p, []))
            for p, s, reasons in top]


def localize(repo_root: Path, issue_text: str, top_k: int = 10, *, cache_dir: Path | None = None) -> list[FileHit]:
    """Files (best first, each with its most relevant functions) for an issue; builds or refreshes the index.
    Raises GitError when `repo_root` is not a git working tree."""
    index = RepoIndex.open(Path(repo_root), cache_dir)
    try:
        return localize_with_index(index, issue_text, top_k)
    finally:
        index.close()


def render_hits(hits: list[FileHit], functions_per_file: int = 3) -> str:
    """The ranking as a few lines of text, for a prompt's working memory."""
    lines = []
    for i, h in enumerate(hits, 1):
        funcs = ", ".join(f"{f.name} (line {f.line})" for f in h.functions[:functions_per_file])
        lines.append(f"{i}. {h.path}" + (f": {funcs}" if funcs else ""))
    return "\n".join(lines)
