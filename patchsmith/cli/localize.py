"""`patchsmith localize`: rank a repository's files and functions for an issue text."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

from ..errors import UserError
from .common import resolve_repo


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("localize", help="rank the files and functions an issue is most likely about")
    p.add_argument("issue", nargs="?", help="issue text (or use --issue-file, or '-' for standard input)")
    p.add_argument("--issue-file", type=Path, help="read the issue text from this file")
    p.add_argument("--repo", default=".", help="repository path (default: current directory)")
    p.add_argument("--top", type=int, default=10, help="how many files to list (default 10)")
    p.add_argument("--json", action="store_true", help='print [{"path", "score", "functions": [...]}], best first')
    p.add_argument("--cache-dir", type=Path, default=None, help="index location (default: user cache dir)")
    p.set_defaults(func=run)


def _issue_text(args: argparse.Namespace) -> str:
    if args.issue_file and args.issue:
        raise UserError("give the issue either as text or with --issue-file, not both")
    if args.issue_file:
        try:
            text = args.issue_file.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            raise UserError(f"cannot read --issue-file {args.issue_file}: {exc.strerror}") from None
    elif args.issue == "-":
        text = sys.stdin.read()
    else:
        text = args.issue or ""
    if not text.strip():
        raise UserError('no issue text; pass it as an argument ("TypeError when ...") or with --issue-file FILE')
    return text


def run(args: argparse.Namespace) -> int:
    text = _issue_text(args)
    if args.top < 1:
        raise UserError("--top must be at least 1")
    root = resolve_repo(args.repo)
    from ..tools.index.localize import localize  # heavy imports (bm25s, scipy) only when used

    hits = localize(root, text, args.top, cache_dir=args.cache_dir)
    if args.json:
        print(json.dumps([{"path": h.path, "score": h.score, "reasons": h.reasons,
                           "functions": [f.model_dump() for f in h.functions]} for h in hits], indent=2))
        return 0
    table = Table(title=f"files for the issue ({root.name})")
    table.add_column("#", justify="right")
    table.add_column("file")
    table.add_column("score", justify="right")
    table.add_column("functions")
    table.add_column("why")
    for i, h in enumerate(hits, 1):
        funcs = ", ".join(f"{f.name}:{f.line}" for f in h.functions[:3])
        table.add_row(str(i), h.path, f"{h.score:.2f}", funcs, "; ".join(h.reasons[:3]))
    Console().print(table)
    return 0
