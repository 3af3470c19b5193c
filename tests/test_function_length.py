"""Functions fit on one screen: none in the package is over 60 lines unless a comment at its top (or just
above it) says why, starting "Over 60 lines"."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "patchsmith"
LIMIT = 60
REASON = "# Over 60 lines"


def long_functions(root: Path) -> list[str]:
    """`file:line name (N lines)` for each function over LIMIT lines without a REASON comment near its top."""
    found = []
    for path in sorted(root.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        for node in ast.walk(ast.parse(source)):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            length = node.end_lineno - node.lineno + 1
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            near = lines[
                max(0, first - 4) : node.body[0].lineno + 3
            ]  # above it, and the first lines of the body
            if length > LIMIT and not any(line.strip().startswith(REASON) for line in near):
                found.append(f"{path.relative_to(root.parent)}:{node.lineno} {node.name} ({length} lines)")
    return found


def test_no_function_is_longer_than_a_screen_without_saying_why() -> None:
    assert long_functions(PACKAGE) == []


@pytest.mark.parametrize("reason", ["", "    # Over 60 lines on purpose: the steps in their order\n"])
def test_the_check_finds_a_long_function(tmp_path: Path, reason: str) -> None:
    body = "".join(f"    x{i} = {i}\n" for i in range(LIMIT))
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "m.py").write_text(f"def short():\n    return 1\n\n\ndef long():\n{reason}{body}")
    assert long_functions(tmp_path / "pkg") == ([] if reason else [f"pkg/m.py:5 long ({LIMIT + 1} lines)"])
