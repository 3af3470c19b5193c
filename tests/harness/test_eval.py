"""Repository sources, environments and evaluation on tiny tasks the tests build (real git, real pytest)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from harness_helpers import GOLD, REGRESSION, git, make_repo, make_scenario, task_row

from patchsmith.harness.envs import EnvManager
from patchsmith.harness.evaluate import apply_patch, evaluate
from patchsmith.harness.pipeline import Harness
from patchsmith.harness.repos import RepoError, checkout, find_source
from patchsmith.harness.specs import spec_for
from patchsmith.harness.tasks import load_tasks, task_from_row


@pytest.fixture(scope="module")
def origin(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    root = tmp_path_factory.mktemp("origin") / "calc"
    return root, make_repo(root)


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory, origin: tuple[Path, str]) -> Harness:
    repos = tmp_path_factory.mktemp("repos")
    # A bare mirror named owner__name, as `fetch` or `git clone --mirror` leaves one.
    git(repos, "clone", "-q", "--mirror", str(origin[0]), str(repos / "acme__calc"))
    return Harness(repos_dir=repos, cache_dir=tmp_path_factory.mktemp("cache"), allow_clone=False, timeout=60)


def test_sources_in_order_and_missing_commit(tmp_path: Path, origin: tuple[Path, str], harness: Harness) -> None:
    root, base = origin
    task = task_from_row(task_row(base))
    src = find_source(task, harness.repos_dir, harness.cache_dir, allow_clone=False)
    assert src.kind == "local" and src.location.name == "acme__calc"
    (tmp_path / "calc").symlink_to(root)  # plain `name` works too
    assert find_source(task, tmp_path, harness.cache_dir, allow_clone=False).location == tmp_path / "calc"
    scen = make_scenario(tmp_path / "scen", root, base)
    bundled = load_tasks(scen)[0]
    assert find_source(bundled, harness.repos_dir, harness.cache_dir, allow_clone=False).kind == "bundle"
    with pytest.raises(RepoError, match="cloning is off"):
        find_source(task_from_row(task_row(base, repo="acme/other")), harness.repos_dir, harness.cache_dir, False)
    ws = checkout(src, base, tmp_path / "ws")
    assert git(ws, "rev-parse", "HEAD") == base and (ws / "pkg" / "calc.py").read_text().count("a - b") == 1
    first = git(root, "rev-parse", "HEAD~1")
    assert "todo" in (checkout(src, first, tmp_path / "ws").joinpath("pkg", "calc.py")).read_text()
    with pytest.raises(RepoError, match="is not in"):
        checkout(src, "f" * 40, tmp_path / "ws2")
    assert not (tmp_path / "ws2").exists()


def _eval(harness: Harness, tmp_path: Path, patch: str, **row_extra):
    task = task_from_row(task_row(harness_base(harness), **row_extra))
    spec = spec_for(task, harness.spec_config)
    src = find_source(task, harness.repos_dir, harness.cache_dir, allow_clone=False)
    env = harness.envs.get(task, spec, src)
    ws = checkout(src, task.base_commit, tmp_path / "ws")
    return evaluate(task, patch, ws, env, spec, sandbox_factory=harness.sandbox_factory, timeout=30)


def harness_base(harness: Harness) -> str:
    return git(harness.repos_dir / "acme__calc", "rev-parse", "HEAD")


def test_gold_resolves_empty_and_regression_do_not(tmp_path: Path, harness: Harness) -> None:
    gold = _eval(harness, tmp_path, GOLD)
    assert gold.status == "resolved" and gold.resolved and gold.apply_method == "git apply"
    assert gold.fail_to_pass.success == ["tests/test_calc.py::test_add"]
    assert "tests/test_calc.py::test_words[a" in gold.pass_to_pass.success  # the cut id matched
    assert gold.test_command.endswith("tests/test_calc.py")
    assert gold.timing["tests_s"] > 0 and gold.timing["harness_s"] < gold.timing["total_s"]
    empty = _eval(harness, tmp_path, "")
    assert empty.status == "unresolved" and empty.empty_patch and empty.fail_to_pass.failure
    regression = _eval(harness, tmp_path, REGRESSION)
    assert not regression.resolved and regression.fail_to_pass.success
    assert "tests/test_calc.py::test_words[c]" in regression.pass_to_pass.failure


def test_bad_patches_are_results_not_exceptions(tmp_path: Path, harness: Harness) -> None:
    garbage = _eval(harness, tmp_path, "this is not a diff\n")
    assert garbage.status == "patch_failed" and "patch failed to apply" in garbage.reason
    conflicting = GOLD.replace("-    return a - b", "-    return a / b")
    failed = _eval(harness, tmp_path, conflicting)
    assert failed.status == "patch_failed" and not failed.resolved and "git apply" in failed.reason
    # Offsets shifted by a few lines still apply through a fallback, as in the official harness.
    shifted = GOLD.replace("@@ -1,5 +1,5 @@", "@@ -3,5 +3,5 @@")
    assert _eval(harness, tmp_path, shifted).resolved


def test_prediction_cannot_change_the_graded_tests(tmp_path: Path, harness: Harness) -> None:
    cheat = ("diff --git a/tests/test_calc.py b/tests/test_calc.py\n--- a/tests/test_calc.py\n"
             "+++ b/tests/test_calc.py\n@@ -1,3 +1,4 @@\n+raise SystemExit(0)\n import pytest\n \n"
             " from pkg.calc import mul\n")
    result = _eval(harness, tmp_path, cheat)
    assert result.patch_applied and not result.resolved and result.fail_to_pass.failure


def test_hanging_tests_hit_the_time_limit(tmp_path: Path, harness: Harness) -> None:
    hang = GOLD + ("diff --git a/tests/conftest.py b/tests/conftest.py\nnew file mode 100644\n--- /dev/null\n"
                   "+++ b/tests/conftest.py\n@@ -0,0 +1,2 @@\n+import time\n+time.sleep(600)\n")
    task = task_from_row(task_row(harness_base(harness)))
    spec = spec_for(task)
    src = find_source(task, harness.repos_dir, harness.cache_dir, allow_clone=False)
    ws = checkout(src, task.base_commit, tmp_path / "ws")
    result = evaluate(task, hang, ws, harness.envs.get(task, spec, src), spec, timeout=2)
    assert result.status == "error" and result.timed_out and "timed out after 2s" in result.reason


def test_env_is_built_once_and_reused(tmp_path: Path, origin: tuple[Path, str]) -> None:
    root, base = origin
    manager = EnvManager(tmp_path)
    task = task_from_row(task_row(base))
    spec = spec_for(task_from_row(task_row(base, spec={"install": "echo built >> ../count"})))
    src = find_source(task, root.parent, tmp_path, allow_clone=False)
    first = manager.get(task, spec, src)
    second = EnvManager(tmp_path).get(task, spec, src)  # a new process/batch finds it in the cache
    assert not first.reused and second.reused and first.key == second.key
    assert (tmp_path / "envs" / first.key / "count").read_text() == "built\n"
    assert second.variables(root)["PYTHONPATH"] == str(root)


def test_pipeline_records_env_failure_and_agent_crash(tmp_path: Path, harness: Harness) -> None:
    base = harness_base(harness)
    broken = task_from_row(task_row(base, instance_id="acme__calc-2", spec={"install": "echo nope >&2; exit 3"}))
    result = harness.process(broken, tmp_path / "t1", patch=GOLD)
    assert result["status"] == "error" and "environment build failed" in result["reason"] and "nope" in result["reason"]
    assert Path(result["env"]["log"]).is_file()

    def crash(task, root, env, task_dir):
        raise RuntimeError("model endpoint vanished")

    ok = task_from_row(task_row(base))
    result = harness.process(ok, tmp_path / "t2", agent=crash)
    assert result["status"] == "error" and "agent crashed: RuntimeError: model endpoint vanished" in result["reason"]

    def fixer(task, root, env, task_dir):
        assert "patch" not in task.public()
        assert env.variables(root)["PYTHONPATH"] == str(root)
        calc = root / "pkg" / "calc.py"
        calc.write_text(calc.read_text().replace("a - b", "a + b"))
        return {"patch": git(root, "diff") + "\n", "steps": 1, "exit_reason": "submitted"}

    (tmp_path / "t3" / "agent").mkdir(parents=True)  # what a run killed mid-task leaves
    (tmp_path / "t3" / "agent" / "trajectory.jsonl").write_text('{"type": "header"}\n')
    result = harness.process(ok, tmp_path / "t3", agent=fixer)
    assert not (tmp_path / "t3" / "agent").exists() and list((tmp_path / "t3").glob("agent.interrupted-*"))
    assert result["resolved"] and result["agent"]["exit_reason"] == "submitted"
    assert not (tmp_path / "t3" / "workspace").exists()  # workspaces are removed afterwards
    assert json.loads(json.dumps(result))["evaluation"]["status"] == "resolved"


def test_apply_patch_reports_reason(tmp_path: Path, origin: tuple[Path, str]) -> None:
    root, base = origin
    src = find_source(task_from_row(task_row(base)), root.parent, tmp_path, allow_clone=False)
    ws = checkout(src, base, tmp_path / "ws")
    outcome = apply_patch(ws, GOLD.replace("a - b", "a * b * c"))
    assert not outcome.ok and "git apply" in outcome.reason and "patch --fuzz" in outcome.reason
    assert git(ws, "status", "--porcelain") == ""  # a failed attempt leaves the tree clean


def test_loopback_service_runs_around_the_tests(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from patchsmith.harness import services
    from patchsmith.tools.sandbox.local import LocalSandbox

    (tmp_path / "hello.txt").write_text("served locally")
    monkeypatch.setitem(services.SERVICES, "files", services.ServiceDef(
        packages=(), start="{python} -m http.server {port} --bind 127.0.0.1",
        env=(("FILES_URL", "http://127.0.0.1:{port}/"),)))
    command, env = services.wrap(
        "python -c 'import os, urllib.request; print(urllib.request.urlopen(os.environ[\"FILES_URL\"] + "
        "\"hello.txt\").read().decode())'; exit 3", {"files": Path(sys.executable)})
    result = LocalSandbox(tmp_path).exec(command, cwd=tmp_path, timeout=30, env=env)
    assert "served locally" in result.output and result.exit_code == 3  # the tests' exit code survives


def test_batch_survives_a_crashing_job_and_resumes(tmp_path: Path) -> None:
    from patchsmith.harness.batch import run_batch
    from patchsmith.harness.tasks import Task

    tasks = [Task(instance_id=f"t-{i}", repo="acme/calc", base_commit="0" * 40) for i in range(4)]
    calls: list[str] = []

    def job(task: Task, task_dir: Path) -> dict:
        calls.append(task.instance_id)
        if task.instance_id == "t-1":
            raise ValueError("boom")
        return {"instance_id": task.instance_id, "status": "resolved", "resolved": True,
                "agent": {"cost": 0.25}}

    results = run_batch(tasks, job, tmp_path, workers=2, show_progress=False)
    assert results["t-1"]["status"] == "error" and "harness crashed: ValueError: boom" in results["t-1"]["reason"]
    assert "ValueError" in (tmp_path / "tasks" / "t-1" / "crash.log").read_text()
    assert sorted(calls) == ["t-0", "t-1", "t-2", "t-3"]
    (tmp_path / "results" / "t-2.json").unlink()  # as if killed before t-2 was saved
    calls.clear()
    again = run_batch(tasks, job, tmp_path, workers=2, show_progress=False)
    assert calls == ["t-2"] and set(again) == {"t-0", "t-1", "t-2", "t-3"}
    assert len(list((tmp_path / "results").glob("*.json"))) == 4
    calls.clear()
    run_batch(tasks, job, tmp_path, workers=1, show_progress=False, retry_errors=True)
    assert calls == ["t-1"]  # only the error is run again


def test_install_at_base_only_when_packaging_files_moved(tmp_path: Path) -> None:
    from patchsmith.harness.envs import base_drift, env_key
    from patchsmith.harness.repos import RepoSource

    repo = tmp_path / "r"
    repo.mkdir()
    git(repo, "init", "-q")
    commits = []
    for name, text in (("setup.cfg", "install_requires = astroid==2.12\n"),
                       ("setup.cfg", "install_requires = astroid==2.11\n"), ("code.py", "x = 1\n")):
        (repo / name).write_text(text)
        git(repo, "add", "-A")
        git(repo, "-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", name)
        commits.append(git(repo, "rev-parse", "HEAD"))
    source = RepoSource("local", repo)
    spec = spec_for(task_from_row(task_row("a" * 40, spec={"install_at_base": True})))
    moved = task_from_row(task_row(commits[1], environment_setup_commit=commits[0]))
    same = task_from_row(task_row(commits[2], environment_setup_commit=commits[1]))
    assert base_drift(moved, spec, source) != "" and base_drift(same, spec, source) == ""
    assert env_key(moved, spec, base_drift(moved, spec, source)) != env_key(moved, spec)
    plain = spec_for(task_from_row(task_row("a" * 40, spec={"install_at_base": False})))
    assert base_drift(moved, plain, source) == ""  # on by default (as officially), off when the spec says so
    assert spec_for(task_from_row(task_row("a" * 40))).install_at_base
