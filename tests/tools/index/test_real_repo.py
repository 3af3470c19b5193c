"""Localization on one real SWE-bench Lite instance; needs the psf/requests mirror the library's `fetch` brings."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from patchsmith.tools.index.localize import localize

MIRROR = Path("/work/.mirror/psf+requests/repo")
TASKS = Path("/work/shared/swebench/lite-test.jsonl")
INSTANCE = "psf__requests-2317"


@pytest.mark.skipif(not MIRROR.exists() or not TASKS.exists(),
                    reason=f"needs a psf/requests mirror at {MIRROR} (fetch github:psf/requests) and {TASKS}")
def test_requests_instance_is_localized(tmp_path: Path, cache: Path) -> None:
    task = next(json.loads(line) for line in TASKS.read_text().splitlines() if INSTANCE in line)
    root = tmp_path / "requests"
    subprocess.run(["git", "clone", "-q", "--shared", "--no-checkout", str(MIRROR), str(root)], check=True)
    subprocess.run(["git", "-C", str(root), "checkout", "-q", "--detach", task["base_commit"]], check=True)
    hits = localize(root, task["problem_statement"], top_k=5)
    assert hits[0].path == "requests/sessions.py"  # what the reference patch edits
    assert "Session.request" in [f.name for f in hits[0].functions[:3]]
