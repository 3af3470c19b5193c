"""Our spec table and log parsers against the official SWE-bench package (`swebench`, a test dependency).

For every repository and version in the shared SWE-bench data: Python, the conda packages / requirements /
environment file, pip pins, pre-install steps, the install and test commands, the eval-time commands, the
test directives per instance, and the log parser, both by the official function's identity and by its
results on recorded real logs. Every difference must be listed in `specs.DEVIATIONS` with its reason; a
listed deviation that no longer differs fails too (the list stays true).
"""

from __future__ import annotations

import gzip
import os
import re
import shlex
from collections.abc import Iterator
from pathlib import Path

import pytest

from patchsmith.harness.envs import YANKED_REPLACEMENTS, env_file_packages, official_requirements
from patchsmith.harness.parsers import PARSERS, lookup
from patchsmith.harness.specs import DEVIATIONS, Spec, directives_for, spec_for
from patchsmith.harness.tasks import Task, load_tasks, patch_files

try:
    from swebench.harness.constants import (
        MAP_REPO_TO_ENV_YML_PATHS,
        MAP_REPO_TO_REQS_PATHS,
        MAP_REPO_VERSION_TO_SPECS,
    )
    from swebench.harness.log_parsers import MAP_REPO_TO_PARSER
    from swebench.harness.test_spec.python import (
        REPLACE_REQ_PACKAGES,
        clean_requirements,
        get_test_directives,
        make_eval_script_list_py,
    )
except ImportError as exc:  # a declared test dependency: its absence is a broken setup, not a skip
    pytest.fail(f"the official package is needed ({exc}); run `pip install -e '.[test]'`", pytrace=False)

SHARED = Path(os.environ.get("PATCHSMITH_SWEBENCH", "/work/shared/swebench"))
LOGS = Path(__file__).parent / "data" / "official_logs"
# The official parser functions, by name, and the parser of ours that must read a log the same way.
PARSER_NAMES = {"parse_log_pytest": "pytest", "parse_log_pytest_options": "pytest-options",
                "parse_log_pytest_v2": "pytest-v2", "parse_log_seaborn": "seaborn", "parse_log_sympy": "sympy",
                "parse_log_django": "django", "parse_log_matplotlib": "matplotlib"}


@pytest.fixture(scope="module")
def tasks() -> list[Task]:
    files = sorted(SHARED.glob("*.jsonl"))
    if not files:
        pytest.skip(f"no SWE-bench data in {SHARED} (set PATCHSMITH_SWEBENCH)")
    return [t for f in files for t in load_tasks(f)]


def _conda(official: dict, repo: str, ours: Spec) -> Iterator[tuple[str, object, object]]:
    pkgs = official.get("packages", "")
    if pkgs == "requirements.txt":
        yield "requirements", ours.requirements, tuple(MAP_REPO_TO_REQS_PATHS[repo])
        yield "env_files", ours.env_files, ()
        yield "packages", ours.packages, ()
    elif pkgs == "environment.yml":
        yield "env_files", ours.env_files, tuple(MAP_REPO_TO_ENV_YML_PATHS[repo])
        yield "requirements", ours.requirements, ()
        yield "packages", ours.packages, ()
    else:
        yield "packages", sorted(ours.packages), sorted(shlex.split(pkgs))
        yield "requirements", ours.requirements, ()
        yield "env_files", ours.env_files, ()


def _instance(task: Task) -> dict:
    """The task as the official functions read an instance."""
    return {"instance_id": task.instance_id, "repo": task.repo, "version": task.version,
            "base_commit": task.base_commit, "test_patch": task.test_patch, "patch": task.patch,
            "environment_setup_commit": task.environment_setup_commit}


def differences(task: Task) -> Iterator[tuple[str, object, object]]:
    """(field, ours, official) for every field of the spec that differs."""
    official = MAP_REPO_VERSION_TO_SPECS[task.repo][task.version]
    ours = spec_for(task)
    exports = [f"export {k}={v}" for k, v in ours.test_env]
    pairs = [("python", ours.python, official["python"]), *_conda(official, task.repo, ours),
             ("pip_packages", sorted(ours.pip_packages), sorted(official.get("pip_packages", []))),
             ("pre_install", list(ours.pre_install), list(official.get("pre_install", []))),
             ("install", ours.install, official.get("install", "")),
             ("test_cmd", ours.test_cmd, official["test_cmd"]),
             ("eval_commands", sorted([*ours.eval_commands, *exports]), sorted(official.get("eval_commands", []))),
             ("parser", ours.parser, PARSER_NAMES.get(MAP_REPO_TO_PARSER[task.repo].__name__, "?")),
             ("directives", directives_for(ours, patch_files(task.test_patch)),
              get_test_directives(_instance(task)))]
    script = make_eval_script_list_py(_instance(task), official, "testbed", "/testbed", task.base_commit,
                                      task.test_patch)
    pairs.append(("eval_install", False, bool(official.get("install")) and official["install"] in script))
    for name, mine, theirs in pairs:
        if mine != theirs:
            yield name, mine, theirs


def _listed(repo: str, version: str, name: str):
    return [d for d in DEVIATIONS if d.repo in ("*", repo) and d.field == name
            and (not d.versions or version in d.versions)]


def test_every_difference_from_the_official_specs_is_listed_with_a_reason(tasks: list[Task]) -> None:
    unlisted, used = [], set()
    for task in tasks:
        for name, mine, theirs in differences(task):
            found = _listed(task.repo, task.version, name)
            used.update(found)
            if not found:
                unlisted.append(f"{task.instance_id} ({task.repo} {task.version}) {name}: ours {mine!r}, "
                                f"official {theirs!r}")
    assert not unlisted, "differences from the official specs not in specs.DEVIATIONS:\n" + "\n".join(
        dict.fromkeys(unlisted))
    seen = {(t.repo, t.version) for t in tasks}
    stale = [d for d in DEVIATIONS if d not in used
             and any(d.repo in ("*", r) and (not d.versions or v in d.versions) for r, v in seen)]
    assert not stale, "listed deviations that no longer differ: " + "; ".join(f"{d.repo} {d.field}" for d in stale)


def test_every_listed_deviation_has_a_reason() -> None:
    assert all(len(d.reason) > 20 for d in DEVIATIONS)


def _recorded() -> list[Path]:
    return sorted(LOGS.glob("*.log.gz"))


@pytest.mark.parametrize("log_file", _recorded(), ids=lambda p: p.name.split(".")[0])
def test_parsers_read_recorded_logs_as_the_official_ones(log_file: Path, tasks: list[Task]) -> None:
    instance_id = log_file.name.split(".")[0]
    task = next(t for t in tasks if t.instance_id == instance_id)
    log = gzip.decompress(log_file.read_bytes()).decode("utf-8", errors="replace")
    official = MAP_REPO_TO_PARSER[task.repo](log, None)
    ours = PARSERS[spec_for(task).parser](log)
    assert official, "the recorded log has test results"
    # The official parser also keeps `SKIPPED [2] file:line: reason` summary lines under the key "[2]",
    # which names no test; ours drops them. Every other id must read the same.
    assert ours == {k: v for k, v in official.items() if not re.fullmatch(r"\[\d+\]", k)}
    for test_id in task.fail_to_pass + task.pass_to_pass:
        assert lookup(test_id, ours) == official.get(test_id, official.get(test_id.split(" ")[0])), test_id


def test_recorded_logs_cover_several_repositories(tasks: list[Task]) -> None:
    ids = {p.name.split(".")[0] for p in _recorded()}
    assert len({t.repo for t in tasks if t.instance_id in ids}) >= 5


def test_requirements_name_replacements_for_yanked_packages_as_the_official_harness(tmp_path: Path) -> None:
    """sqlfluff 0.6-0.8's requirements_dev.txt names types-pkg_resources, which PyPI no longer serves: the
    official harness installs types-setuptools instead (its version specifier dropped), and so must we."""
    assert YANKED_REPLACEMENTS == tuple(REPLACE_REQ_PACKAGES)
    raw = "flake8\n# a comment\n-e .\ntypes-pkg_resources==0.1.3\ntypes-pkg_resources\ntypes-chardet\n"
    (tmp_path / "requirements_dev.txt").write_text(raw)
    official = [line for line in clean_requirements(raw).splitlines()
                if line.strip() and not line.startswith(("#", "-e ."))]
    assert official_requirements(tmp_path, ("requirements_dev.txt",)).splitlines() == official
    assert official == ["flake8", "types-setuptools", "types-setuptools", "types-chardet"]
    (tmp_path / "environment.yml").write_text("dependencies:\n  - pip\n  - pip:\n    - types-pkg_resources>=0.1\n")
    assert env_file_packages(tmp_path, ("environment.yml",)) == ["types-setuptools"]
