"""Normalized patches for the vote: two candidates that differ only in formatting, comments or docstrings
get the same key. Python files are parsed and unparsed with docstrings dropped (comments never survive a
parse); other files compare line by line with whitespace, blank lines and comment-only lines dropped."""

from __future__ import annotations

import ast
import hashlib
import re
from pathlib import Path

COMMENT_LINE = re.compile(r"^\s*(#|//|/\*|\*|--)")
# String literals keep their spaces; everywhere else whitespace carries no meaning for the vote.
STRING = re.compile(r"""("(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'|`(?:\\.|[^`\\])*`)""")


def _squeeze(line: str) -> str:
    parts = STRING.split(line)
    return "".join(p if i % 2 else re.sub(r"\s+", "", p) for i, p in enumerate(parts))


def _strip_docstrings(tree: ast.AST) -> ast.AST:
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) \
                    and isinstance(body[0].value.value, str):
                node.body = body[1:] or [ast.Pass()]
    return tree


def normalize_source(path: str, text: str) -> str:
    if path.endswith(".py"):
        try:
            return ast.unparse(_strip_docstrings(ast.parse(text)))
        except (SyntaxError, ValueError, RecursionError):
            pass  # does not parse: compare it as text
    lines = (line for line in text.splitlines() if line.strip() and not COMMENT_LINE.match(line))
    return "\n".join(_squeeze(line) for line in lines)


def patch_key(root: Path, files: list[str]) -> tuple[tuple[str, str], ...]:
    """What a candidate's changed `files` hold after its patch, normalized and hashed, sorted by path."""
    key = []
    for rel in sorted(files):
        path = Path(root) / rel
        if not path.is_file():
            key.append((rel, "<deleted>"))
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        key.append((rel, hashlib.sha1(normalize_source(rel, text).encode()).hexdigest()[:16]))
    return tuple(key)
