"""The agent's code-navigation tools over the index: find_symbol, find_references, outline, repo_map."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from ..base import MemoryUpdate, Tool
from ..git import GitError
from ..observation import Observation, observe
from ..workspace import Workspace
from .repo import RepoIndex
from .repomap import repo_map
from .store import SymbolRow


def _index_of(ws: Workspace) -> RepoIndex:
    """The workspace's code index, opened on first use and kept for its later calls; each lookup first
    re-indexes whatever changed in the working tree (a cheap check when nothing did)."""
    index = ws.state.get("index")
    if index is None:
        index = ws.state["index"] = RepoIndex(Path(ws.root).resolve(), ws.index_cache)
    index.refresh()
    return index


def indexed(fn: Callable[[RepoIndex, Workspace, Any], Observation]) -> Callable[[Workspace, Any], Observation]:
    def run(ws: Workspace, args: Any) -> Observation:
        try:
            return fn(_index_of(ws), ws, args)
        except GitError as exc:
            return Observation.fail(f"the code index needs a git repository: {exc}")
    return run


def _location(ws: Workspace, row: SymbolRow) -> str:
    gone = "" if (Path(ws.root) / row.path).exists() else "  [file deleted since indexing]"
    return f"{row.path}:{row.line}-{row.end_line}{gone}"


def _symbol_data(row: SymbolRow) -> dict:
    return {"path": row.path, "name": row.name, "qualified": row.qualified, "kind": row.kind, "line": row.line,
            "end_line": row.end_line, "signature": row.signature}


class FindSymbolArgs(BaseModel):
    name: str = Field(description="Symbol name, optionally qualified: `parse`, `Parser.parse`, `pkg.mod.func`.")


class FindReferencesArgs(BaseModel):
    name: str = Field(description="Identifier to look for, e.g. `parse_args` (a qualified name uses its last part).")
    limit: int = Field(default=60, ge=1, le=300, description="Most occurrences to list.")


class OutlineArgs(BaseModel):
    path: str = Field(description="File path relative to the repository root.")


class RepoMapArgs(BaseModel):
    focus_files: list[str] = Field(default_factory=list, description="Paths the task is about; ranked first.")
    focus_symbols: list[str] = Field(default_factory=list, description="Names the task mentions.")
    max_tokens: int = Field(default=1024, ge=128, le=8192, description="Rough size limit of the map.")


def find_symbol(index: RepoIndex, ws: Workspace, args: FindSymbolArgs) -> Observation:
    rows, exact = index.find_symbol(args.name)
    if not rows:
        return Observation.fail(f"no definition named or resembling `{args.name}`; try `search` for text, "
                                "or a shorter part of the name")
    head = (f"{len(rows)} definition(s) of `{args.name}`:" if exact else
            f"no exact definition of `{args.name}`; closest matches:")
    lines = [head]
    for row in rows:
        lines.append(f"{_location(ws, row)}  {row.kind} {row.qualified}: {row.signature}")
        if row.doc:
            lines.append(f"    {row.doc[:120]}")
    return observe("\n".join(lines), exact=exact, results=[_symbol_data(r) for r in rows])


def find_references(index: RepoIndex, ws: Workspace, args: FindReferencesArgs) -> Observation:
    name = args.name.strip().rstrip("()").replace("::", ".").split(".")[-1]
    if not name.isidentifier():
        return Observation.fail(f"`{args.name}` is not an identifier; give a name like `parse_args`")
    found, missing, nfiles = index.find_references(name, args.limit)
    if not found and not missing:
        return Observation.fail(f"no uses of `{name}` in indexed code files")
    lines = [f"{len(found)} occurrence(s) of `{name}` in {nfiles} file(s)"
             + (f" (showing the first {args.limit})" if len(found) >= args.limit else "") + ":"]
    for occ in found:
        where = f" (in {occ.enclosing})" if occ.enclosing else ""
        mark = " [definition]" if occ.is_definition else ""
        lines.append(f"{occ.path}:{occ.line}{where}{mark}: {occ.text[:160]}")
    for path in missing:
        lines.append(f"{path}: [file deleted since indexing]")
    return observe("\n".join(lines), results=[
        {"path": o.path, "line": o.line, "enclosing": o.enclosing, "definition": o.is_definition}
        for o in found], missing=missing)


def _remember_outline(args: dict, obs: Observation) -> MemoryUpdate | None:
    return MemoryUpdate(viewed=str(args["path"])) if obs.ok and args.get("path") else None


def outline(index: RepoIndex, ws: Workspace, args: OutlineArgs) -> Observation:
    full = ws.resolve(args.path)
    rel = ws.relative(full)
    if not full.exists():
        return Observation.fail(f"{rel} does not exist; use find_file to locate it")
    if full.is_dir():
        return Observation.fail(f"{rel} is a directory; give a file path")
    status = index.file_status(rel)
    if status is None:
        return Observation.fail(f"{rel} is not in the code index (not tracked, or a language without an "
                                "outline); open it with str_replace_editor view")
    if status != "ok":
        return Observation.fail(f"{rel} was not parsed ({status}); open it with str_replace_editor view")
    rows = index.outline(rel)
    if not rows:
        return observe(f"{rel}: no classes or functions")
    lines = [f"{rel}:"]
    for row in rows:
        depth = row.scope.count(".") + 1 if row.scope else 0
        lines.append(f"{'  ' * depth}{row.line}-{row.end_line} {row.kind} {row.signature}")
    return observe("\n".join(lines), results=[_symbol_data(r) for r in rows])


def repo_map_view(index: RepoIndex, ws: Workspace, args: RepoMapArgs) -> Observation:
    focus = []
    for p in args.focus_files:
        try:
            focus.append(ws.relative(ws.resolve(p)))
        except ValueError as exc:
            return Observation.fail(str(exc))
    text = repo_map(index, focus, args.focus_symbols, args.max_tokens)
    if not text:
        return Observation.fail("the repository has no indexed code files")
    return observe(text, budget=args.max_tokens * 4 + 200)


find_symbol_tool = Tool(
    name="find_symbol", args=FindSymbolArgs, fn=indexed(find_symbol), explores=True,
    description="Find where a class, function or method is defined: file, line range, kind and signature. "
                "Accepts `name` or `Class.method`; when nothing matches exactly it lists the closest names.")
find_references_tool = Tool(
    name="find_references", args=FindReferencesArgs, fn=indexed(find_references),
    description="List where an identifier is used in the code (comments and strings excluded), each with "
                "file:line, the enclosing function, and the line itself.")
outline_tool = Tool(
    name="outline", args=OutlineArgs, fn=indexed(outline), explores=True, remember=_remember_outline,
    description="Show the classes, functions and methods of one file with their line ranges and "
                "signatures, without the bodies: a cheap way to see a big file's structure.")
repo_map_tool = Tool(
    name="repo_map", args=RepoMapArgs, fn=indexed(repo_map_view), explores=True,
    description="A ranked overview of the repository: the most important files and their key definitions, "
                "ranked by how the code references itself and by the files and names you focus on.")


def index_tools() -> list[Tool]:
    """find_symbol, find_references, outline and repo_map (each workspace keeps its own open index)."""
    return [find_symbol_tool, find_references_tool, outline_tool, repo_map_tool]
