"""A process's patchsmith identity (what the Ray driver compares every node with) tells codes apart."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from patchsmith.harness.executors.identity import identity, refusal

ROOT = Path(__file__).resolve().parents[2]
PROBE = "import json; from patchsmith.harness.executors.identity import identity; print(json.dumps(identity()))"


def identity_from(pythonpath: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, cwd="/",
                         env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(pythonpath)}, timeout=120)
    return json.loads(out.stdout)


def test_the_same_code_matches_and_a_one_line_edit_does_not(tmp_path: Path) -> None:
    mine = identity()
    assert refusal("n1", mine, identity_from(ROOT)) == ""  # another process, the same files
    other = tmp_path / "other"
    shutil.copytree(ROOT / "patchsmith", other / "patchsmith", ignore=shutil.ignore_patterns("__pycache__"))
    (other / "patchsmith" / "prompts" / "README.md").write_text("edited\n")
    theirs = identity_from(other)
    assert theirs["version"] == mine["version"] and theirs["python"] == mine["python"]
    line = refusal("n1", mine, theirs)
    assert line.startswith("Ray node n1 runs another patchsmith (code digest") and "\n" not in line
    assert str(other / "patchsmith") in line and "install the same patchsmith" in line
    assert "Python 3.9 there" in refusal("n1", mine, {**mine, "python": "3.9"})
