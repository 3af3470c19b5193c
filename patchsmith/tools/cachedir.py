"""patchsmith's one cache folder; each cache (code index, environments, clones) lives in a folder under it."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

CACHE_ENV = "PATCHSMITH_CACHE_DIR"


def cache_root() -> Path:
    env = os.environ.get(CACHE_ENV)
    return Path(env).expanduser() if env else Path(platformdirs.user_cache_dir("patchsmith"))
