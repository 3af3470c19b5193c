"""A submodule whose repository has a mirror beside the task's is filled at its recorded commit (astropy 1.3
builds only with its astropy_helpers submodule, which the official harness's build fetches online)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from harness_helpers import git, make_repo, task_row

from patchsmith.harness.repos import checkout, find_source
from patchsmith.harness.tasks import task_from_row


def _mirrors(tmp_path: Path) -> tuple[Path, str, str]:
    """repos_dir with bare mirrors acme+calc/repo (a gitlink `helpers` to acme/helpers) and acme+helpers/repo;
    returns it, the base commit and the helpers commit."""
    helpers = tmp_path / "helpers"
    helpers.mkdir()
    git(helpers, "init", "-q")
    (helpers / "helper_mod.py").write_text("VALUE = 42\n")
    git(helpers, "add", "-A")
    git(helpers, "-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "helpers")
    sub_sha = git(helpers, "rev-parse", "HEAD")
    calc = tmp_path / "calc"
    make_repo(calc)
    (calc / ".gitmodules").write_text(
        '[submodule "helpers"]\n\tpath = helpers\n\turl = https://github.com/acme/helpers.git\n'
    )
    git(calc, "update-index", "--add", "--cacheinfo", f"160000,{sub_sha},helpers")
    git(calc, "add", ".gitmodules")
    git(calc, "commit", "-qm", "helpers as a submodule")
    repos = tmp_path / "mirrors"
    for name, path in (("acme+calc", calc), ("acme+helpers", helpers)):
        subprocess.run(["git", "clone", "-q", "--mirror", str(path), str(repos / name / "repo")], check=True)
    return repos, git(calc, "rev-parse", "HEAD"), sub_sha


def test_a_submodule_with_a_mirror_is_checked_out_at_its_commit(tmp_path: Path) -> None:
    repos, base, _ = _mirrors(tmp_path)
    task = task_from_row(task_row(base))
    ws = checkout(find_source(task, repos, tmp_path / "cache", allow_clone=False), base, tmp_path / "ws")
    assert (ws / "helpers" / "helper_mod.py").read_text() == "VALUE = 42\n"
    # Invisible to git: never part of the agent's patch, never cleaned away between scoring steps.
    assert git(ws, "status", "--porcelain") == ""
    assert git(ws, "add", "-A", "--dry-run") == ""


def test_a_submodule_without_a_mirror_stays_empty(tmp_path: Path) -> None:
    repos, base, _ = _mirrors(tmp_path)
    subprocess.run(["rm", "-rf", str(repos / "acme+helpers")], check=True)
    task = task_from_row(task_row(base))
    ws = checkout(find_source(task, repos, tmp_path / "cache", allow_clone=False), base, tmp_path / "ws")
    assert (ws / "pkg" / "calc.py").is_file()
    assert not (ws / "helpers").exists() or not any((ws / "helpers").iterdir())
