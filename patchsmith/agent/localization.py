"""Seed a run's working memory with the code the issue most likely concerns (never fatal)."""

from __future__ import annotations

import logging
from pathlib import Path

log = logging.getLogger(__name__)


def seed_hints(root: Path, issue: str, top_k: int = 5) -> list[str]:
    """One line a file, best first: the index's own rendering of its ranking."""
    try:
        from ..tools.index.localize import localize, render_hits

        return render_hits(localize(Path(root), issue, top_k=top_k)).splitlines()
    except Exception as exc:  # noqa: BLE001 - ranking is a hint; a run must not fail for want of it
        log.warning("localization skipped: %s", exc)
        return []
