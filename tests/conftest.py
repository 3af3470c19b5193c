import os
import sys
import tempfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # test helpers (fakeopenai, repos) import by name

# Runs, worktrees and index caches made by tests stay out of the user's own data and cache folders.
_scratch = Path(tempfile.mkdtemp(prefix="patchsmith-tests-"))
os.environ.setdefault("PATCHSMITH_DATA_DIR", str(_scratch / "data"))
os.environ.setdefault("PATCHSMITH_CACHE_DIR", str(_scratch / "cache"))


@pytest.fixture(autouse=True)
def _own_data_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    # Each test its own data folder: cross-run memory lives there, and two tests whose repositories share a
    # root commit (same files, same second) must not recall each other's runs.
    monkeypatch.setenv("PATCHSMITH_DATA_DIR", str(tmp_path_factory.mktemp("data")))
