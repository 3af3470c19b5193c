"""`search`: text search over the repository's files (`git grep`, or ripgrep when configured), results grouped
by file with line numbers, capped, with a count of what was left out. Both backends give identical results."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from .base import Tool
from .git import git_argv, git_env
from .globs import compile_glob, expand_braces, is_glob, normalize
from .guard import git_errors_observed
from .observation import Observation, observe

if TYPE_CHECKING:  # the workspace (sandbox, git snapshots) loads with a run, not with a reader of tools
    from .workspace import Workspace

MAX_FILES = 50
MAX_LINES = 200
MAX_PER_FILE = 25
MAX_TEXT = 200  # characters of a matching line shown
SEARCH_TIMEOUT = 60.0

DESCRIPTION = (
    "Search the repository's files (tracked and untracked, not git-ignored) for `pattern`. Literal text by "
    "default; set `regex` true for a regular expression (PCRE-like: \\d, \\w, (a|b), ...). `path` narrows the "
    "search to a directory or file (`src/pkg`) or a glob (`*.py`, `tests/**/test_*.py`, `*.{js,ts}`; a glob "
    "without `/` matches file names at any depth). Results are grouped by file with line numbers, capped at "
    f"{MAX_FILES} files / {MAX_LINES} lines."
)


class SearchArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pattern: str = Field(description="the text (or, with regex=true, the regular expression) to look for")
    path: str | None = Field(None, description="optional directory, file or glob to search in, e.g. src or *.py")
    regex: bool = Field(False, description="treat pattern as a regular expression (default: literal text)")


@dataclass
class Match:
    path: str
    line: int
    text: str


@dataclass
class SearchResult:
    """Matching lines per file, path-sorted. Each file's lines stay as the backend printed them and are only
    decoded when shown: a common pattern can match tens of thousands of lines, of which 200 are displayed."""

    chunks: dict[str, bytes] = field(default_factory=dict)  # path -> b"NUM<sep>TEXT\n..." in line order
    counts: dict[str, int] = field(default_factory=dict)  # path -> number of matching lines
    total: int = 0
    backend: str = ""
    error: str | None = None

    @property
    def files(self) -> dict[str, list[Match]]:
        return {p: self.matches(p) for p in self.chunks}

    def matches(self, path: str, limit: int | None = None) -> list[Match]:
        sep = b"\0" if self.backend != "ripgrep" else b":"
        body = self.chunks[path]
        items = body.split(b"\n", limit)[:limit] if limit is not None else body.split(b"\n")
        out = []
        for item in items:
            num, _, text = item.partition(sep)
            if num.isdigit():
                out.append(Match(path, int(num), text.decode("utf-8", "replace")))
        return out


def backend_name() -> str:
    """`git grep` unless PATCHSMITH_SEARCH_BACKEND says `ripgrep` (or `auto`: ripgrep when on PATH).

    git grep is the default because it searches exactly the tracked + untracked-not-ignored set the tools
    promise and, measured by benchmarks/bench_search.py on a 5,000-file repository, it was as fast or faster
    than ripgrep (which walks the directory tree instead of reading the index)."""
    choice = os.environ.get("PATCHSMITH_SEARCH_BACKEND", "git-grep").strip().lower()
    if choice in ("ripgrep", "rg") or (choice == "auto" and shutil.which("rg")):
        return "ripgrep" if shutil.which("rg") else "git-grep"
    return "git-grep"


def search_files(root: Path, pattern: str, path: str | None = None, regex: bool = False,
                 backend: str | None = None, timeout: float = SEARCH_TIMEOUT) -> SearchResult:
    """All matching lines (path-sorted), or `error` with the backend's complaint (e.g. a bad regex)."""
    backend = backend or backend_name()
    path = normalize(path) if path else ""
    glob = path if path and is_glob(path) else None
    if backend == "ripgrep":
        argv = ["rg", "--no-config", "--line-number", "--with-filename", "--null", "--heading", "--color", "never",
                "--hidden", "--no-ignore-dot", "--no-ignore-parent", "--glob", "!.git", "--no-messages"]
        argv += ["--pcre2"] if regex and _rg_needs_pcre(pattern) else []
        argv += [] if regex else ["--fixed-strings"]
        targets: list[str] = []
        if glob and "/" not in glob:
            # File-name globs become a file type: unlike --glob, a type does not override .gitignore.
            for i, alt in enumerate(expand_braces(glob)):
                argv += ["--type-add", f"psm{i}:{alt}"]
            argv += [f"--type=psm{i}" for i in range(len(expand_braces(glob)))]
        elif glob:
            targets = [_literal_prefix(glob)] if _literal_prefix(glob) else []
        elif path:
            targets = [path]
        # Always name a target: with none, ripgrep reads stdin whenever stdin is not a terminal.
        argv += ["--regexp", pattern, "--", *(targets or ["."])]
    else:
        argv = [*git_argv("-c", "grep.fallbackToNoIndex=false"), "grep", "--line-number", "--null", "--heading",
                "--break", "-I", "--untracked", "--no-color", "--full-name",
                "--perl-regexp" if regex else "--fixed-strings", "-e", pattern, "--"]
        if glob:
            for alt in expand_braces(glob):
                argv += [f":(glob)**/{alt}"] if "/" not in alt else [f":(glob){alt}", f":(glob){alt}/**"]
        elif path:
            argv.append(path)
    try:
        proc = subprocess.run(argv, cwd=root, capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL,
                              env=git_env(root) if backend != "ripgrep" else None)
    except subprocess.TimeoutExpired:
        return SearchResult(backend=backend, error=f"the search took longer than {timeout:g}s; narrow it with "
                                                    f"`path` or a more specific pattern")
    if proc.returncode not in (0, 1) and b"USE_LIBPCRE" in proc.stderr:
        # A git built without PCRE: POSIX extended regexes are the closest it has.
        argv[argv.index("--perl-regexp")] = "--extended-regexp"
        proc = subprocess.run(argv, cwd=root, capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL,
                              env=git_env(root) if backend != "ripgrep" else None)
    if proc.returncode not in (0, 1):
        err = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        detail = " ".join(line.strip() for line in err[-4:]) or f"exit code {proc.returncode}"
        return SearchResult(backend=backend, error=detail)
    return _parse(proc.stdout, backend, compile_glob(glob, leading_dirs=True) if glob else None)


def _rg_needs_pcre(pattern: str) -> bool:
    # ripgrep's default engine lacks look-around and back-references; PCRE2 has them (as git grep -P does).
    return any(tok in pattern for tok in ("(?=", "(?!", "(?<=", "(?<!", "\\1", "\\2"))


def _literal_prefix(glob: str) -> str:
    parts = []
    for part in glob.split("/")[:-1]:
        if is_glob(part):
            break
        parts.append(part)
    return "/".join(parts)


def _parse(out: bytes, backend: str, keep) -> SearchResult:
    """Both backends run with --heading: each file's name once, then its lines, then a blank line. Splitting on
    the blank lines keeps the Python work per file, not per matching line."""
    result = SearchResult(backend=backend)
    chunks: dict[str, bytes] = {}
    name_end = b"\0" if backend == "ripgrep" else b"\n"
    for chunk in out.split(b"\n\n"):
        head, sep, body = chunk.partition(name_end)
        if not sep or not body[:1].isdigit():
            continue  # e.g. ripgrep's "binary file matches" notice for an explicitly named file
        name = head.decode("utf-8", "replace")
        if name.startswith("./"):
            name = name[2:]
        if keep is not None and keep.match(name) is None:
            continue
        body = body.rstrip(b"\n")
        chunks[name] = chunks[name] + b"\n" + body if name in chunks else body
    for name in sorted(chunks):
        result.chunks[name] = chunks[name]
        result.counts[name] = chunks[name].count(b"\n") + 1
    result.total = sum(result.counts.values())
    return result


def render(result: SearchResult, pattern: str, path: str | None, regex: bool) -> tuple[str, list[dict]]:
    kind = "regex" if regex else "literal"
    where = f" in {path}" if path else ""
    n_files = len(result.chunks)
    lines = [f"Found {result.total} match{'es' if result.total != 1 else ''} in {n_files} "
             f"file{'s' if n_files != 1 else ''} for {pattern!r} ({kind}){where}:"]
    shown_matches: list[dict] = []
    shown_lines = shown_files = 0
    for name, found in result.counts.items():
        if shown_files >= MAX_FILES or shown_lines >= MAX_LINES:
            break
        shown_files += 1
        lines.append(name)
        room = min(MAX_PER_FILE, MAX_LINES - shown_lines)
        for m in result.matches(name, room):
            text = m.text.rstrip()
            if len(text) > MAX_TEXT:
                text = text[:MAX_TEXT] + " [...]"
            lines.append(f"  {m.line}: {text}")
            shown_matches.append({"path": m.path, "line": m.line, "text": m.text[:1000]})
        shown_lines += min(room, found)
        if found > room:
            lines.append(f"  [... {found - room} more matches in this file]")
    left_files = n_files - shown_files
    left_lines = result.total - len(shown_matches)
    if left_files or left_lines:
        lines.append(f"[{left_lines} more match{'es' if left_lines != 1 else ''}"
                     + (f" in {left_files} more file{'s' if left_files != 1 else ''}" if left_files else "")
                     + " not shown; narrow the search with `path` or a more specific pattern]")
    return "\n".join(lines), shown_matches


def run_search(ws: Workspace, args: SearchArgs) -> Observation:
    if not args.pattern:
        return Observation.fail("pattern is empty; give the text to search for, e.g. {\"pattern\": \"def main\"}")
    if "\n" in args.pattern or "\r" in args.pattern:
        return Observation.fail("search matches within one line; drop the line break from pattern and search for "
                                "a single line (e.g. its most distinctive part)")
    path = args.path.strip() if args.path and args.path.strip() not in (".", "./", "") else None
    if path and not is_glob(path):
        target = ws.resolve(path)  # raises with a teaching message when outside the root
        if not target.exists():
            return Observation.fail(f"path {path} does not exist; give a directory or file relative to the "
                                    f"repository root, or a glob such as '*.py'")
        path = ws.relative(target)
        if path == ".":
            path = None
    elif path and (path.startswith("/") or ".." in Path(path).parts):
        return Observation.fail(f"the glob {path} must be relative to the repository root (no leading / or ..)")
    result = search_files(ws.root, args.pattern, path, args.regex)
    if result.error:
        hint = "; check the regular expression, or search literally with regex=false" if args.regex else ""
        return Observation.fail(f"search failed: {result.error}{hint}", backend=result.backend)
    data = {"pattern": args.pattern, "path": path, "regex": args.regex, "backend": result.backend,
            "total_matches": result.total, "total_files": len(result.chunks)}
    if not result.total:
        tip = " (the search is case-sensitive" + ("" if args.regex else "; literal text, not a regex") + ")"
        return observe(f"No matches for {args.pattern!r}{f' in {path}' if path else ''}{tip}.",
                       budget=ws.observation_budget, matches=[], **data)
    text, shown = render(result, args.pattern, path, args.regex)
    return observe(text, budget=ws.observation_budget, matches=shown, **data)


search_tool = Tool(name="search", description=DESCRIPTION, args=SearchArgs, fn=git_errors_observed(run_search),
                   explores=True, summary_of=lambda args, data: f"{args.get('pattern', '')!s} in {args.get('path') or '.'}")
