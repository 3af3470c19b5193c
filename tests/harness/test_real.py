"""Real SWE-bench Lite instances, when the shared data and a local mirror are here (skipped otherwise).

Builds no environment (that needs PyPI and minutes): it checks what the harness does before the tests run
on real data — loading the official export, checkout at base_commit from a bare mirror, applying the gold
patch and test_patch, choosing the test files and deselecting network tests.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from patchsmith.harness.evaluate import apply_patch, deselection
from patchsmith.harness.repos import RepoError, checkout, find_source
from patchsmith.harness.specs import directives_for, spec_for
from patchsmith.harness.tasks import load_tasks, patch_files, select

DATA = Path(os.environ.get("PATCHSMITH_SWEBENCH", "/work/shared/swebench")) / "lite-test.jsonl"
# `fetch` leaves mirrors at /work/.mirror/owner+name/repo; a --repos-dir of owner__name links works as well.
MIRRORS = [Path(p) for p in os.environ.get("PATCHSMITH_REPOS_DIRS", "/work/repos:/work/.mirror").split(":")]


def _source(task):
    for folder in MIRRORS:
        if folder.is_dir():
            try:
                return find_source(task, folder, folder, allow_clone=False)
            except RepoError:
                continue
    pytest.skip(f"no local mirror of {task.repo} in {', '.join(map(str, MIRRORS))} "
                f"(bring one with the fetch tool, or set PATCHSMITH_REPOS_DIRS)")


@pytest.fixture(scope="module")
def lite():
    if not DATA.is_file():
        pytest.skip(f"SWE-bench Lite data not found at {DATA} (set PATCHSMITH_SWEBENCH)")
    return load_tasks(DATA)


@pytest.mark.parametrize("instance_id", ["psf__requests-2317", "pallets__flask-4045"])
def test_real_instance_checks_out_and_patches_apply(instance_id: str, lite, tmp_path: Path) -> None:
    task = select(lite, [instance_id])[0]
    assert task.fail_to_pass and task.pass_to_pass  # JSON-encoded strings in the export, lists here
    source = _source(task)
    ws = checkout(source, task.base_commit, tmp_path / "ws")
    assert apply_patch(ws, task.patch).ok
    assert apply_patch(ws, task.test_patch).ok
    spec = spec_for(task)
    files = patch_files(task.test_patch)
    assert directives_for(spec, files) == [f for f in files if f.endswith(".py")]
    desel = deselection(spec, ws, files)
    if task.repo == "psf/requests":
        # A private-range address and public hosts are never contacted; httpbin calls go to a local httpbin.
        assert "test_requests.py::TestTimeout::test_connect_timeout" in desel
        assert any(d.endswith("::test_requests_history_is_saved") for d in desel)  # https://httpbin.org
        assert not any(d.endswith("::test_HTTP_302_ALLOW_REDIRECT_GET") for d in desel)
        assert not any(d.endswith("::test_basic_building") for d in desel)  # builds a request, sends nothing
    else:
        assert desel == []
