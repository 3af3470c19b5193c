"""Read any trajectory we know: our JSONL, SWE-agent `.traj`, mini-swe-agent JSON, or a run folder."""

from __future__ import annotations

import json
from pathlib import Path

from ...agent.trajectory import Trajectory, read_trajectory
from ._common import LazyDocument, TrajectoryFormatError
from .folder import RunFolder, RunSummary, find_trajectory, read_folder, resolved_map
from .mini_swe_agent import from_mini_swe_agent, looks_like_mini_swe_agent
from .swe_agent import from_swe_agent, looks_like_swe_agent

__all__ = [
    "RunFolder", "RunSummary", "TrajectoryFormatError", "detect_format", "find_trajectory", "from_mini_swe_agent",
    "from_swe_agent", "load_any", "load_file", "read_document", "read_folder", "resolved_map",
]


FIRST_LINE_CAP = 1 << 20


def _first_line(path: Path) -> bytes:
    with path.open("rb") as fh:
        return fh.readline(FIRST_LINE_CAP)


def read_document(path: Path, lazy: bool = False) -> tuple[str, object]:
    """The format and, for the one-document formats, the parsed JSON (read once: a .traj can be 24 MB).

    'patchsmith' (our JSONL; the document is None, it is read line by line), 'swe-agent' or
    'mini-swe-agent'; anything else raises TrajectoryFormatError. `lazy`: a LazyDocument, whose values
    become Python only when read (the inspector's first paint needs the header and a screenful of steps).
    """
    line = _first_line(path)
    first = line.strip()
    # Our header is a short first line; the first MB of a one-line JSON document (a .traj) is not worth decoding.
    if first.startswith(b"{") and len(line) < FIRST_LINE_CAP:
        try:
            obj = json.loads(first)
        except ValueError:
            obj = None
        if isinstance(obj, dict) and obj.get("type") in ("header", "step", "event", "result"):
            return "patchsmith", None
    try:
        obj = LazyDocument(path) if lazy else json.loads(path.read_text(encoding="utf-8-sig", errors="replace"))
    except (ValueError, RecursionError):
        raise TrajectoryFormatError(f"{path}: not a trajectory (neither JSON Lines nor a JSON document)") from None
    if looks_like_swe_agent(obj):
        return "swe-agent", obj
    if looks_like_mini_swe_agent(obj):
        return "mini-swe-agent", obj
    raise TrajectoryFormatError(f"{path}: JSON, but not a patchsmith, SWE-agent or mini-swe-agent trajectory")


def detect_format(path: Path) -> str:
    """'patchsmith' (our JSONL), 'swe-agent', 'mini-swe-agent', or raise TrajectoryFormatError."""
    return read_document(Path(path))[0]


def load_file(path: Path) -> Trajectory:
    path = Path(path)
    fmt, obj = read_document(path)
    if fmt == "patchsmith":
        return read_trajectory(path)
    if fmt == "swe-agent":
        return from_swe_agent(obj, str(path))  # type: ignore[arg-type]
    return from_mini_swe_agent(obj, str(path))


def load_any(path: Path) -> Trajectory | RunFolder:
    """A trajectory file (any known format), a single run folder, or a batch folder of runs."""
    path = Path(path)
    if path.is_dir():
        own = find_trajectory(path)
        if own is not None and not any(p.is_dir() and find_trajectory(p) for p in path.iterdir()):
            return load_file(own)
        return read_folder(path)
    return load_file(path)


