"""Where runs and caches live when the user does not say."""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

from platformdirs import user_data_dir

from ..tools.cachedir import cache_root


def data_dir() -> Path:
    return Path(os.environ.get("PATCHSMITH_DATA_DIR") or user_data_dir("patchsmith"))


def cache_dir() -> Path:
    return cache_root()


def new_run_dir(label: str = "run") -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    return data_dir() / "runs" / f"{stamp}-{label}-{uuid.uuid4().hex[:6]}"
