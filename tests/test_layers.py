"""The package layout is the architecture: imports point one way, cli -> {tui, harness} -> agent -> tools.

Every import in the package (top-level or inside a function) is resolved to the package it names; an
arrow that runs up, or sideways from the harness to the TUI, fails with the file and line.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "patchsmith"

# layer -> the layers it may import (besides itself). `errors` is the shared root of the error tree.
ALLOWED: dict[str, set[str]] = {
    "cli": {"tui", "harness", "agent", "tools", "prompts", "errors"},
    "tui": {"harness", "agent", "tools", "errors"},
    "harness": {"agent", "tools", "errors"},
    "agent": {"tools", "prompts", "errors"},
    "prompts": {"errors"},
    "tools": {"errors"},
    "errors": set(),
}


def layer_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "patchsmith" or len(parts) < 2:
        return None
    return "cli" if parts[1] == "__main__" else parts[1]


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(), filename=str(path))
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.append((node.lineno, target))
    return found


def violations() -> list[str]:
    bad = []
    for path in sorted(PACKAGE.rglob("*.py")):
        here = layer_of(module_name(path)) or "cli"
        for line, target in imports_of(path):
            there = layer_of(target)
            if there is None or there == here:
                continue
            if there not in ALLOWED.get(here, set()):
                bad.append(f"{path.relative_to(PACKAGE.parent)}:{line}: {here} imports {target} ({there})")
    return bad


def test_every_module_belongs_to_a_known_layer() -> None:
    layers = {layer_of(module_name(p)) or "cli" for p in PACKAGE.rglob("*.py")} - {"patchsmith"}
    assert layers <= set(ALLOWED), f"unknown top-level packages: {sorted(layers - set(ALLOWED))}"


def test_imports_point_down() -> None:
    assert violations() == []


@pytest.mark.parametrize("source, here, expect_bad", [
    ("from ..cli.main import main\n", "agent/x.py", True),
    ("from ..tui.app import App\n", "harness/x.py", True),
    ("from ..agent.config import RunConfig\n", "tools/x.py", True),
    ("from ..tools.git import run_git\n", "agent/x.py", False),
    ("from ..harness.tasks import Task\n", "tui/x.py", False),
])
def test_the_checker_catches_an_upward_arrow(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: str,
                                             here: str, expect_bad: bool) -> None:
    fake = tmp_path / "patchsmith"
    (fake / here).parent.mkdir(parents=True)
    (fake / here).write_text("def f():\n    " + source)
    monkeypatch.setattr(__import__(__name__), "PACKAGE", fake)
    assert bool(violations()) is expect_bad
