"""The repository's own instructions for agents, read the way the ecosystem writes them.

`AGENTS.md` files may sit anywhere: the one closest to a file being worked on wins, and a nested one applies
to its subtree. `CLAUDE.md`, `.github/copilot-instructions.md` and `CONVENTIONS.md` are read too. The files
at the root go into the task prompt; a nested one joins the working memory once the agent works under it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ..models.base import estimate_tokens

NESTABLE = ("AGENTS.md", "CLAUDE.md")
ROOT_ONLY = (".github/copilot-instructions.md", "CONVENTIONS.md")
DEFAULT_BUDGET = 2_000  # tokens for all instruction files of a run
MAX_FILE_BYTES = 64_000
SKIP_DIRS = {".git", "node_modules", ".venv", "venv", "__pycache__", ".tox", "build", "dist", ".mypy_cache"}


@dataclass(frozen=True)
class InstructionFile:
    path: str  # relative to the repository root, POSIX
    text: str

    @property
    def scope(self) -> str:
        """The directory this file governs ('' for the whole repository)."""
        parent = str(PurePosixPath(self.path).parent)
        return "" if parent in (".", ".github") else parent

    def applies_to(self, path: str) -> bool:
        return not self.scope or path == self.scope or path.startswith(self.scope + "/")


def _read(root: Path, rel: str) -> InstructionFile | None:
    path = root / rel
    try:
        if path.is_symlink() or not path.is_file() or path.stat().st_size > MAX_FILE_BYTES:
            return None  # a symlink could point outside the repository
        text = path.read_bytes().decode("utf-8", "replace").strip()
    except OSError:
        return None
    return InstructionFile(rel, text) if text else None


def discover(root: Path) -> list[InstructionFile]:
    """Every instruction file in the tree, the root's first, then by depth."""
    found = [f for rel in (*NESTABLE, *ROOT_ONLY) if (f := _read(root, rel))]
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not d.startswith("."))
        here = Path(dirpath)
        if here == root:
            continue
        for name in NESTABLE:
            if name in filenames and (f := _read(root, (here / name).relative_to(root).as_posix())):
                found.append(f)
    return found


def for_path(files: list[InstructionFile], path: str) -> list[InstructionFile]:
    """The nested files that govern `path`, closest last (it wins where they disagree)."""
    return sorted((f for f in files if f.scope and f.applies_to(path)), key=lambda f: f.scope.count("/"))


def render_files(files: list[InstructionFile], budget: int = DEFAULT_BUDGET) -> tuple[str, list[str]]:
    """The files as prompt text within `budget` tokens (a long file is cut and says so), and the paths shown."""
    parts, shown, left = [], [], budget
    for f in files:
        if left <= 0:
            break
        text = f.text
        if estimate_tokens(text) > left:
            text = text[: left * 4].rstrip() + f"\n[... {f.path} cut to fit the instructions budget]"
        parts.append(f"<instructions path=\"{f.path}\">\n{text}\n</instructions>")
        shown.append(f.path)
        left -= estimate_tokens(text)
    return "\n".join(parts), shown
