"""`patchsmith memory`: look at, search, forget, export and import what earlier runs taught a repository."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..agent.recall.repo import default_store_path, repo_key
from ..agent.recall.retrieve import recall
from ..agent.recall.store import MemoryStore
from ..errors import UserError
from .common import resolve_repo


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("memory", help="list, search, forget, export or import a repository's memory")
    p.add_argument("--repo", default=".", help="repository path (default: current directory)")
    p.add_argument("--store", type=Path, default=None, help="memory file (default: in the user data dir)")
    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    sub.add_parser("list", help="every item, oldest first")
    show = sub.add_parser("show", help="one item, whole")
    show.add_argument("id", type=int)
    search = sub.add_parser("search", help="what a task with this text would recall")
    search.add_argument("text", help="an issue text or keywords")
    forget = sub.add_parser("forget", help="delete items by id, or --all of this repository's")
    forget.add_argument("ids", type=int, nargs="*")
    forget.add_argument("--all", action="store_true", help="delete everything this repository remembers")
    export = sub.add_parser("export", help="write the items as JSON Lines (stdout or a file)")
    export.add_argument("file", nargs="?", type=Path)
    imp = sub.add_parser("import", help="read items written by export (into this repository)")
    imp.add_argument("file", type=Path)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    key = repo_key(resolve_repo(args.repo))
    if key is None:
        raise UserError(f"{args.repo} has no commits yet; memory is kept per repository, by its first commit")
    store = MemoryStore(args.store or default_store_path())
    return {"list": _list, "show": _show, "search": _search, "forget": _forget, "export": _export,
            "import": _import}[args.action](store, key, args)


def _table(rows: list[tuple[str, ...]], title: str) -> Table:
    table = Table(title=title)
    for name in ("id", "kind", "age", "from", "text"):
        table.add_column(name, overflow="fold")
    for row in rows:
        table.add_row(*(escape(c) for c in row))
    return table


def _list(store: MemoryStore, key: str, args: argparse.Namespace) -> int:
    items = store.items(key)
    now = time.time()
    Console().print(_table([(str(i.id), i.kind, i.age(now), i.origin, i.text[:200]) for i in items],
                           f"{len(items)} items remembered for {args.repo}"))
    return 0


def _show(store: MemoryStore, key: str, args: argparse.Namespace) -> int:
    item = store.get(args.id)
    if item is None or item.repo != key:
        raise UserError(f"no memory item {args.id} for this repository; `patchsmith memory list` shows the ids")
    print(json.dumps(item.model_dump(), indent=2))
    return 0


def _search(store: MemoryStore, key: str, args: argparse.Namespace) -> int:
    got = recall(store, key, args.text)
    Console().print(_table([(str(r.item.id), r.item.kind, r.item.age(), r.item.origin, r.item.text[:200])
                            for r in got], f"what a task with this text would recall ({len(got)})"))
    return 0


def _forget(store: MemoryStore, key: str, args: argparse.Namespace) -> int:
    if not args.ids and not args.all:
        raise UserError("name the ids to forget (see `patchsmith memory list`) or pass --all")
    mine = {i.id for i in store.items(key)}
    if foreign := [i for i in args.ids if i not in mine]:
        raise UserError(f"no memory item {foreign[0]} for this repository; `patchsmith memory list` shows the ids")
    gone = store.forget(args.ids, repo=key, everything=args.all)
    print(f"forgot {gone} item{'s' if gone != 1 else ''}")
    return 0


def _export(store: MemoryStore, key: str, args: argparse.Namespace) -> int:
    lines = "".join(json.dumps(row) + "\n" for row in store.export(key))
    if args.file:
        args.file.write_text(lines)
    else:
        sys.stdout.write(lines)
    return 0


def _import(store: MemoryStore, key: str, args: argparse.Namespace) -> int:
    try:
        rows = [{**json.loads(line), "repo": key} for line in args.file.read_text().splitlines() if line.strip()]
    except (OSError, json.JSONDecodeError) as exc:
        raise UserError(f"cannot read {args.file}: {exc}; pass a file written by `patchsmith memory export`") from None
    try:
        added = store.import_items(rows)
    except ValidationError as exc:
        raise UserError(f"{args.file} holds an item that is not a memory item ({exc.errors()[0]['msg']}); "
                        "pass a file written by `patchsmith memory export`") from None
    print(f"imported {added} of {len(rows)} items ({len(rows) - added} were already there)")
    return 0
