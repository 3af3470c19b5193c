"""Search/replace edit blocks, as a model states its edits in one completion, applied to a workspace.

    path/to/file.py
    <<<<<<< SEARCH
    exact lines to find
    =======
    lines to put instead
    >>>>>>> REPLACE

An empty SEARCH creates the file (or appends to an empty one). A SEARCH must match exactly once; when it
does not match as written, a match ignoring trailing whitespace on each line is tried. Each block's
outcome is reported, so a critique or the record can say which edit failed and why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ...tools.workspace import PathOutsideWorkspace, Workspace

BLOCK = re.compile(r"^(?P<path>[^\n`<>=]+?)\s*\n(?:```[^\n]*\n)?<{5,9} SEARCH\s*\n(?P<search>.*?)^={5,9}\s*\n"
                   r"(?P<replace>.*?)^>{5,9} REPLACE\s*$", re.M | re.S)


@dataclass
class EditBlock:
    path: str
    search: str
    replace: str


@dataclass
class EditResult:
    block: EditBlock
    ok: bool
    message: str


def parse_blocks(text: str) -> list[EditBlock]:
    blocks = []
    for m in BLOCK.finditer(text or ""):
        path = m.group("path").strip().strip("`*").strip()
        blocks.append(EditBlock(path=path, search=m.group("search"), replace=m.group("replace")))
    return blocks


def _loose_spans(lines: list[str], wanted: list[str]) -> list[int]:
    """Where `wanted` (lines, trailing whitespace dropped) starts in `lines`."""
    k = len(wanted)
    return [i for i in range(len(lines) - k + 1) if [ln.rstrip() for ln in lines[i:i + k]] == wanted]


def _replace_once(content: str, search: str, replace: str) -> tuple[str | None, str]:
    count = content.count(search)
    if count == 1:
        return content.replace(search, replace, 1), "applied"
    if count > 1:
        return None, f"SEARCH matches {count} places; include more surrounding lines"
    lines = content.splitlines(keepends=True)
    wanted = [ln.rstrip() for ln in search.splitlines()]
    spans = _loose_spans(lines, wanted) if any(wanted) else []
    if len(spans) == 1:  # only the matched lines change: the rest of the file keeps its whitespace
        i = spans[0]
        return "".join(lines[:i]) + replace + "".join(lines[i + len(wanted):]), "applied (trailing whitespace ignored)"
    if len(spans) > 1:
        return None, f"SEARCH matches {len(spans)} places (ignoring trailing whitespace); include more lines"
    return None, "SEARCH does not match the file; copy the lines exactly"


def apply_block(ws: Workspace, block: EditBlock) -> EditResult:
    try:
        path = ws.resolve(block.path)
    except PathOutsideWorkspace as exc:
        return EditResult(block, False, str(exc))
    if ws.read_only:
        return EditResult(block, False, "the workspace is read-only")
    if not path.exists():
        if block.search.strip():
            return EditResult(block, False, f"{block.path} does not exist (an empty SEARCH creates a file)")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(block.replace, encoding="utf-8")
        return EditResult(block, True, "created")
    if path.is_dir():
        return EditResult(block, False, f"{block.path} is a directory")
    content = path.read_text(encoding="utf-8", errors="surrogateescape")
    if not block.search.strip():
        if content.strip():
            return EditResult(block, False, "an empty SEARCH only creates a new or empty file")
        new, message = block.replace, "written"
    else:
        new, message = _replace_once(content, block.search, block.replace)
    if new is None:
        return EditResult(block, False, message)
    path.write_text(new, encoding="utf-8", errors="surrogateescape")
    return EditResult(block, True, message)


def apply_blocks(ws: Workspace, blocks: list[EditBlock]) -> list[EditResult]:
    return [apply_block(ws, b) for b in blocks]


def report(results: list[EditResult]) -> str:
    if not results:
        return "the reply held no search/replace blocks"
    return "\n".join(f"{i}. {r.block.path}: {r.message}" for i, r in enumerate(results, 1))
