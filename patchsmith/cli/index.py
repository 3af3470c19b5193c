"""`patchsmith index`: build or refresh the code index of a repository and say what was done."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ..errors import UserError
from .common import resolve_repo


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("index", help="build or update the code index (symbols, references) of a repository")
    p.add_argument("--repo", default=".", help="repository path (default: current directory)")
    p.add_argument("--cache-dir", type=Path, default=None,
                   help="where the index lives (default: PATCHSMITH_CACHE_DIR or the user cache dir)")
    p.add_argument("--workers", type=int, default=None, help="parser processes (default: up to 2)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    root = resolve_repo(args.repo)
    if args.workers is not None and args.workers < 1:
        raise UserError("--workers must be at least 1")
    from ..tools.index.build import update_index  # tree-sitter only when used

    console = Console(stderr=True)
    show = not args.no_progress and console.is_terminal
    # auto_refresh=False: no refresh thread running while the parser processes are forked
    with Progress(TextColumn("parsing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, disable=not show, transient=True, auto_refresh=False) as progress:
        task = progress.add_task("parse", total=None)

        def on_progress(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)
            progress.refresh()

        try:
            stats = update_index(root, args.cache_dir, workers=args.workers, progress=on_progress)
        except OSError as exc:
            raise UserError(f"cannot write the index cache: {exc}; pass --cache-dir with a writable folder") from None
    skipped = ", ".join(f"{n} {reason}" for reason, n in sorted(stats.skipped.items())) or "none"
    print(f"indexed {root}: {stats.files} files ({stats.parsed} parsed, {stats.reused} reused), "
          f"skipped {stats.skipped_total} ({skipped}), {stats.symbols} symbols, "
          f"{stats.parse_errors} with syntax errors, {stats.seconds:.2f} s")
    if stats.rebuilt:
        print("the cache was corrupt and has been rebuilt")
    print(f"cache: {stats.db_path}")
    return 0
