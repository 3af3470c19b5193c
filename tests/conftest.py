import os
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

import pytest
from hypothesis import settings

sys.path.insert(0, str(Path(__file__).parent))  # test helpers (fakeopenai, repos) import by name

# Runs, worktrees and index caches made by tests stay out of the user's own data and cache folders.
_scratch = Path(tempfile.mkdtemp(prefix="patchsmith-tests-"))
os.environ.setdefault("PATCHSMITH_DATA_DIR", str(_scratch / "data"))
os.environ.setdefault("PATCHSMITH_CACHE_DIR", str(_scratch / "cache"))


def hypothesis_profile(environ: Mapping[str, str]) -> str:
    """`ci` where CI or PATCHSMITH_CI is set (not "0"/"false"): the fuzz tests then draw the same cases every
    run, so CI goes red only when the code changes; `dev` elsewhere keeps exploring new cases each run."""
    flags = (environ.get("CI", ""), environ.get("PATCHSMITH_CI", ""))
    return "ci" if any(f and f.lower() not in ("0", "false") for f in flags) else "dev"


# Tests that set their own max_examples keep it; derandomize and the database come from the profile (a test's
# settings() is made at import time, after this, so it inherits the loaded profile).
settings.register_profile(
    "ci", derandomize=True, database=None, max_examples=100, deadline=None, print_blob=True
)
# Explicit parent and derandomize: Hypothesis loads its own "ci" profile (derandomized) when CI is set, and a
# profile registered without a parent inherits whichever profile is loaded.
settings.register_profile(
    "dev", parent=settings.get_profile("default"), derandomize=False, max_examples=100, deadline=None
)
settings.load_profile(hypothesis_profile(os.environ))


@pytest.fixture(autouse=True)
def _own_data_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    # Each test its own data folder: cross-run memory lives there, and two tests whose repositories share a
    # root commit (same files, same second) must not recall each other's runs.
    monkeypatch.setenv("PATCHSMITH_DATA_DIR", str(tmp_path_factory.mktemp("data")))
