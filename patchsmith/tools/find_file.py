"""`find_file`: files by name or glob over the tracked and untracked (not ignored) files."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from .base import Tool
from .files import listed_files
from .globs import compile_glob, is_glob, normalize
from .guard import git_errors_observed
from .observation import Observation, observe

if TYPE_CHECKING:  # the workspace (sandbox, git snapshots) loads with a run, not with a reader of tools
    from .workspace import Workspace

MAX_RESULTS = 100

DESCRIPTION = (
    "Find files by name or glob among the repository's files (tracked and untracked, not git-ignored). "
    "A plain name matches the file name exactly (`utils.py`) or a path ending (`pkg/utils.py`); a glob without "
    "`/` matches file names at any depth (`*.py`, `test_*`); a glob with `/` matches the whole path "
    f"(`src/**/util*`, `tests/*.py`). At most {MAX_RESULTS} paths are listed."
)


class FindFileArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pattern: str = Field(description="file name, path ending, or glob such as *.py or src/**/util*")


def find_files(files: list[str], pattern: str) -> tuple[list[str], str]:
    """Matching paths and how they matched ("exact", "glob", or "fuzzy" for the substring fallback)."""
    pat = normalize(pattern)
    if is_glob(pat):
        rx = compile_glob(pat)
        return [f for f in files if rx.match(f)], "glob"
    if "/" in pat:
        hits = [f for f in files if f == pat or f.endswith("/" + pat)]
    else:
        hits = [f for f in files if f.rsplit("/", 1)[-1] == pat]
    if hits:
        return hits, "exact"
    low = pat.lower()
    return [f for f in files if low in (f.lower() if "/" in pat else f.rsplit("/", 1)[-1].lower())], "fuzzy"


def run_find_file(ws: Workspace, args: FindFileArgs) -> Observation:
    pattern = normalize(args.pattern)
    if not pattern:
        return Observation.fail("pattern is empty; give a file name or glob, e.g. \"*.py\" or \"test_utils.py\"")
    if ".." in pattern.split("/"):
        return Observation.fail("pattern must not contain `..`: it is matched against paths inside the repository")
    hits, how = find_files(listed_files(ws.root), pattern)
    data = {"pattern": args.pattern, "total": len(hits), "files": hits[:MAX_RESULTS], "match": how}
    budget = ws.observation_budget
    if not hits:
        return observe(f"No files match {args.pattern!r}. Globs are case-sensitive; try a shorter name, a glob such "
                       f"as '*name*', or search for text inside files with `search`.", budget=budget, **data)
    if how == "fuzzy":
        head = f"No file is named {args.pattern!r}; {len(hits)} file path(s) contain it (case-insensitive):"
    else:
        head = f"Found {len(hits)} file{'s' if len(hits) != 1 else ''} matching {args.pattern!r}:"
    lines = [head, *hits[:MAX_RESULTS]]
    if len(hits) > MAX_RESULTS:
        lines.append(f"[... {len(hits) - MAX_RESULTS} more files not shown; use a more specific pattern]")
    return observe("\n".join(lines), budget=budget, **data)


find_file_tool = Tool(name="find_file", description=DESCRIPTION, args=FindFileArgs, fn=git_errors_observed(run_find_file),
                      explores=True)
