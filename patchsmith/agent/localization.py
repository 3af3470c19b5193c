"""Seed a run's working memory with the code the issue most likely concerns (never fatal)."""

from __future__ import annotations

import logging
from pathlib import Path

log = logging.getLogger(__name__)


def seed_hints(root: Path, issue: str, top_k: int = 5) -> list[str]:
    try:
        from ..tools.index.localize import localize

        hits = localize(Path(root), issue, top_k=top_k)
    except Exception as exc:  # noqa: BLE001 - ranking is a hint; a run must not fail for want of it
        log.warning("localization skipped: %s", exc)
        return []
    lines = []
    for hit in hits:
        functions = [getattr(f, "name", None) or str(f) for f in (getattr(hit, "functions", None) or [])][:3]
        lines.append(hit.path + (f" ({', '.join(functions)})" if functions else ""))
    return lines
