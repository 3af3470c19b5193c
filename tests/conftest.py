import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))  # test helpers (fakeopenai, repos) import by name

# Runs, worktrees and index caches made by tests stay out of the user's own data and cache folders.
_scratch = Path(tempfile.mkdtemp(prefix="patchsmith-tests-"))
os.environ.setdefault("PATCHSMITH_DATA_DIR", str(_scratch / "data"))
os.environ.setdefault("PATCHSMITH_CACHE_DIR", str(_scratch / "cache"))
