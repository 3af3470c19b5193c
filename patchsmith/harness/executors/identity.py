"""Which patchsmith a process runs: its version, a digest of the code it imported and its Python.

A Ray worker imports patchsmith from its own node (its environment's site-packages, its PYTHONPATH, and
first of all the driver's working directory, which Ray puts at the front of every worker's sys.path). A
node with other code would run the job's pickled objects against other classes: results that differ for
no visible reason, or errors deep inside a task. The driver compares every node with itself before the
first task, and each task compares its worker again (a node may join the cluster later).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import sys
from functools import lru_cache
from pathlib import Path

FIX = "install the same patchsmith (same version and code) on every node, then run again"


@lru_cache(maxsize=1)
def code_digest() -> str:
    """sha256 of every file of the imported package (path and bytes), so a one-byte edit shows."""
    root = Path(__file__).resolve().parents[2]
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix not in (".pyc", ".pyo"):
            digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def identity() -> dict[str, str]:
    try:
        version = importlib.metadata.version("patchsmith")
    except importlib.metadata.PackageNotFoundError:
        version = "unknown"  # a plain checkout on PYTHONPATH: the digest still tells codes apart
    return {
        "version": version,
        "code": code_digest(),
        "python": f"{sys.version_info.major}.{sys.version_info.minor}",
        "path": str(Path(__file__).resolve().parents[2]),
    }


def mismatch(mine: dict[str, str], theirs: dict[str, str]) -> str:
    """What differs between the driver (`mine`) and a worker (`theirs`), "" when nothing that matters."""
    names = {"version": "patchsmith", "code": "code digest", "python": "Python"}
    return "; ".join(
        f"{label} {theirs.get(key, '?')} there, {mine.get(key, '?')} on the driver"
        for key, label in names.items()
        if theirs.get(key) != mine.get(key)
    )


def refusal(node: str, mine: dict[str, str], theirs: dict[str, str]) -> str:
    """The one line that names the node and what differs, or "" when it matches."""
    differs = mismatch(mine, theirs)
    if not differs:
        return ""
    return f"Ray node {node} runs another patchsmith ({differs}; imported from {theirs.get('path', '?')}): {FIX}"
