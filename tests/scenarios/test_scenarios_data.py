"""The offline scenarios are sound: checked with the real test runners by scenarios/_build/check_scenarios.py."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHECKER_PATH = ROOT / "scenarios" / "_build" / "check_scenarios.py"


def _load_checker():
    spec = importlib.util.spec_from_file_location("check_scenarios", CHECKER_PATH)
    module = importlib.util.module_from_spec(spec)
    sys.modules["check_scenarios"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


checks = _load_checker()
FOLDERS = checks.scenario_folders()
TASKS = {f.name: json.loads((f / "task.json").read_text(encoding="utf-8")) for f in FOLDERS}
HAVE_NODE = shutil.which("node") is not None


@pytest.fixture(scope="module")
def reports() -> dict[str, object]:
    runnable = [f for f in FOLDERS if HAVE_NODE or TASKS[f.name]["language"] != "javascript"]
    return {r.instance_id: r for r in checks.check_all(runnable, jobs=2)}


def test_the_set_covers_what_the_issue_asks():
    assert len(FOLDERS) >= 8
    repos = {t["repo"] for t in TASKS.values()}
    assert len(repos) >= 4
    assert {"python", "javascript"} <= {t["language"] for t in TASKS.values()}
    assert any(len(checks.files_in_diff(t["patch"])) >= 2 for t in TASKS.values()), "no two-file fix"
    expectations = [checks.load_expectations(name) for name in TASKS]
    assert any(e.get("failing_runs") for e in expectations), "no wrong first attempt that fails the tests"
    assert any(e.get("lint_refusals") for e in expectations), "no edit refused by the lint guard"
    assert any(e.get("failing_runs") and TASKS[n]["language"] == "javascript"
               for n, e in zip(TASKS, expectations, strict=True)), "no recovery in a JavaScript repository"
    asking = [n for n in TASKS if checks.load_expectations(n, "CLARIFY_EXPECT").get("answers")]
    assert asking, "no scenario whose issue is ambiguous, with replies that ask"
    assert all(TASKS[n]["hints_text"].strip() for n in asking), "an asking scenario needs hints to answer from"


@pytest.mark.parametrize("instance_id", sorted(TASKS))
def test_scenario_is_sound(reports, instance_id):
    if instance_id not in reports:
        pytest.skip("node is not installed; JavaScript scenarios need Node 20+")
    report = reports[instance_id]
    assert report.problems == []
    assert report.empty_failing, "the empty patch must leave a FAIL_TO_PASS test failing"


# ------------------------------------------------ the checker itself catches broken data

def _repo(tmp_path: Path, files: dict[str, str]) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text, encoding="utf-8")
    return repo


def _edit(**args) -> dict:
    return {"thought": "edit", "tool": "str_replace_editor", "args": args}


SUBMIT = {"thought": "done", "tool": "submit", "args": {}}


def test_replay_needs_old_str_exactly_once(tmp_path):
    repo = _repo(tmp_path, {"m.py": "x = 1\nx = 1\ny = 2\n"})
    result = checks.replay(repo, {}, [
        _edit(command="str_replace", path="m.py", old_str="x = 1\n", new_str="x = 3\n"),
        _edit(command="str_replace", path="m.py", old_str="z = 9\n", new_str=""),
        _edit(command="str_replace", path="m.py", old_str="y = 2\n", new_str="y = 5\n"),
        SUBMIT,
    ])
    assert [p.split(":")[0] for p in result.problems] == ["reply 1", "reply 2"]
    assert "occurs 2 times" in result.problems[0] and "occurs 0 times" in result.problems[1]
    assert (repo / "m.py").read_text() == "x = 1\nx = 1\ny = 5\n"


def test_replay_lint_guard_and_undo(tmp_path):
    repo = _repo(tmp_path, {"m.py": "def f():\n    return 1\n"})
    result = checks.replay(repo, {}, [
        _edit(command="str_replace", path="m.py", old_str="return 1", new_str="return (1"),
        _edit(command="str_replace", path="m.py", old_str="return 1", new_str="return 2"),
        _edit(command="insert", path="m.py", insert_line=0, new_str="import os"),
        _edit(command="undo_edit", path="m.py"),
        _edit(command="create", path="pkg/new.py", file_text="A = 1\n"),
        _edit(command="undo_edit", path="pkg/new.py"),
        _edit(command="undo_edit", path="pkg/new.py"),
        SUBMIT,
    ])
    assert result.lint_refusals == [0]
    assert (repo / "m.py").read_text() == "def f():\n    return 2\n"
    assert not (repo / "pkg" / "new.py").exists()
    assert result.problems == ["reply 7: undo_edit of pkg/new.py with nothing to undo"]


def test_replay_without_submit_and_bad_paths(tmp_path):
    repo = _repo(tmp_path, {"a.js": "1\n"})
    result = checks.replay(repo, {}, [
        _edit(command="view", path="../outside.js"),
        _edit(command="view", path="missing.js"),
        {"thought": "look", "tool": "search", "args": {"pattern": "nothing-like-this"}},
    ])
    assert len(result.problems) == 4
    assert result.problems[-1] == "replies never submit"


def _ask(question: str) -> dict:
    return {"thought": "ask", "tool": "ask_user", "args": {"question": question}}


def test_replay_answers_ask_user_from_the_hints_only(tmp_path):
    repo = _repo(tmp_path, {"m.py": "x = 1\n"})
    hints = "Use a tab as the separator.\n\nThe release is on Friday."
    result = checks.replay(repo, {"hints_text": hints, "patch": "SECRET"}, [
        _ask("Which separator should join the fields?"), _ask("What colour is the logo?"), SUBMIT])
    assert result.answers == {0: "Use a tab as the separator.", 1: None}
    expect = {"answers": {1: "tab", 2: None}}
    assert checks._compare_expectations(result, expect, asks=True) == []
    wrong = checks._compare_expectations(result, {"answers": {1: "comma"}}, asks=True)
    assert "reply 1: the hints answer 'Use a tab as the separator.', expected 'comma'" in wrong
    assert "ask_user at replies [1, 2], answers expected at [1]" in wrong
    silent = checks.replay(repo, {"hints_text": hints}, [SUBMIT])
    assert checks._compare_expectations(silent, {}, asks=True) == ["replies for --clarify hints never ask (ask_user)"]


def test_ask_user_is_refused_in_the_standard_replies(tmp_path):
    path = tmp_path / "replies.jsonl"
    path.write_text(json.dumps(_ask("which?")) + "\n", encoding="utf-8")
    assert checks.load_replies(path)[1] == ["replies.jsonl line 1: unknown tool 'ask_user'"]
    assert checks.load_replies(path, checks.CLARIFY_TOOLS)[1] == []


def test_task_fields_are_validated():
    folder = FOLDERS[0]
    task = dict(TASKS[folder.name])
    assert checks.check_task_fields(folder, task) == []
    del task["hints_text"]
    task["FAIL_TO_PASS"] = json.loads(TASKS[folder.name]["FAIL_TO_PASS"])  # a list, not the export's string
    assert checks.check_task_fields(folder, task) == ["task.json lacks hints_text"]
    task["hints_text"] = ""
    assert checks.check_task_fields(folder, task) == [
        "FAIL_TO_PASS should be a JSON-encoded string, as in the official exports"]


@pytest.mark.skipif(not HAVE_NODE, reason="node is not installed")
def test_a_gold_patch_that_does_not_fix_is_reported(tmp_path):
    source = next(f for f in FOLDERS if TASKS[f.name]["language"] == "javascript")
    task = TASKS[source.name]
    clone = tmp_path / "clone"
    checks.git(tmp_path, "clone", "-q", str(source / "repo.bundle"), str(clone))
    checks.git(clone, "checkout", "-q", task["base_commit"])
    with (clone / "README.md").open("a", encoding="utf-8") as handle:
        handle.write("\nA change that fixes nothing.\n")
    useless = checks.git(clone, "diff")
    broken = tmp_path / source.name
    broken.mkdir()
    shutil.copy(source / "repo.bundle", broken / "repo.bundle")
    (broken / "task.json").write_text(json.dumps(dict(task, patch=useless)), encoding="utf-8")
    (broken / "replies.jsonl").write_text(json.dumps(SUBMIT) + "\n", encoding="utf-8")
    problems = checks.check_scenario(broken).problems
    assert any(p.startswith("gold patch: tests still fail") for p in problems), problems
    assert "replies leave an empty diff" in problems


@pytest.mark.parametrize("instance_id", sorted(TASKS))
def test_generated_files_match_their_sources(instance_id):
    """scenarios/<id>/ is built from scenarios/_build/; an edit there without a rebuild shows here."""
    import runpy

    spec = runpy.run_path(str(ROOT / "scenarios" / "_build" / "tasks" / instance_id / "spec.py"))
    task = TASKS[instance_id]
    written = (ROOT / "scenarios" / instance_id / "replies.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in written] == spec["REPLIES"]
    clarify = ROOT / "scenarios" / instance_id / checks.CLARIFY_REPLIES
    assert clarify.exists() == ("CLARIFY_REPLIES" in spec)
    if clarify.exists():
        assert [json.loads(line) for line in clarify.read_text(encoding="utf-8").splitlines()] == spec["CLARIFY_REPLIES"]
    assert task["problem_statement"] == spec["PROBLEM"].strip() + "\n"
    assert task["hints_text"] == spec.get("HINTS", "").strip()
    assert (task["version"], task["created_at"]) == (spec["TASK"]["version"], spec["TASK"]["created_at"])
    assert sorted(json.loads(task["FAIL_TO_PASS"])) == sorted(spec["TASK"]["FAIL_TO_PASS"])


def test_bundles_hold_their_base_commit(tmp_path):
    for folder in FOLDERS:
        heads = subprocess.run(["git", "bundle", "list-heads", str(folder / "repo.bundle")],
                               capture_output=True, text=True, check=True, env=checks.git_env()).stdout
        assert TASKS[folder.name]["base_commit"] in heads, folder.name


# ------------------------------------------------ the replies drive the real agent loop

@pytest.mark.parametrize("instance_id", ["patchsmith__pagekit-1", "patchsmith__confparse-1"])
def test_replies_resolve_through_the_real_agent_loop(tmp_path, monkeypatch, instance_id):
    """An undo after a failing test run (JS) and a lint-guard refusal (Python), through the real tools."""
    runner = pytest.importorskip("patchsmith.agent.runner", reason="the agent loop is not on this branch yet")
    from patchsmith.agent.config import RunConfig
    from patchsmith.tools.workspace import Workspace

    if instance_id.startswith("patchsmith__pagekit") and not HAVE_NODE:
        pytest.skip("node is not installed")
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")  # the scenario repos need no plugins
    folder = ROOT / "scenarios" / instance_id
    task = TASKS[instance_id]
    repo = tmp_path / "repo"
    checks.git(tmp_path, "clone", "-q", str(folder / "repo.bundle"), str(repo))
    checks.git(repo, "checkout", "-q", task["base_commit"])
    workspace = Workspace(repo, base=task["base_commit"], test_command=task["test_cmd"])
    config = RunConfig(model=f"scripted:{folder / 'replies.jsonl'}", mode="full-auto", max_steps=30)
    outcome = runner.run_agent(task["problem_statement"], workspace, config, tmp_path / "out", task=task)
    assert outcome.exit_reason == "submitted"
    assert outcome.patch == task["patch"]
    steps = [json.loads(line) for line in outcome.trajectory_path.read_text().splitlines()]
    refused = [s for s in steps if s.get("type") == "step" and s["observation"]["ok"] is False]
    expect = checks.load_expectations(instance_id)
    assert len(refused) == len(expect.get("lint_refusals", [])), "the lint guard should refuse exactly the broken edit"
    by_number = {s["index"] + 1: s for s in steps if s.get("type") == "step"}
    for number in expect.get("failing_runs", []):
        assert by_number[number]["action"]["tool"] == "run_tests"
        assert "failed" in by_number[number]["observation"]["text"].splitlines()[1]


def test_ambiguous_scenario_asks_and_resolves_through_the_real_agent_loop(tmp_path, monkeypatch):
    """`--clarify hints`: the scripted agent asks, the answer comes from hints_text alone, the fix is the gold one."""
    from patchsmith.agent.config import RunConfig
    from patchsmith.agent.runner import run_agent
    from patchsmith.agent.trajectory import read_trajectory
    from patchsmith.tools.workspace import Workspace

    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    instance_id = "patchsmith__textkit-3"
    folder, task = ROOT / "scenarios" / instance_id, TASKS[instance_id]
    repo = tmp_path / "repo"
    checks.git(tmp_path, "clone", "-q", str(folder / "repo.bundle"), str(repo))
    workspace = Workspace(repo, base=task["base_commit"], test_command=task["test_cmd"])
    config = RunConfig(model=f"scripted:{folder / checks.CLARIFY_REPLIES}", mode="full-auto", clarify="hints")
    public = {k: v for k, v in task.items() if k not in ("patch", "test_patch", "FAIL_TO_PASS", "PASS_TO_PASS")}
    outcome = run_agent(task["problem_statement"], workspace, config, tmp_path / "out", task=public)
    assert outcome.exit_reason == "submitted" and outcome.patch == task["patch"] and outcome.confidence == 0.9
    events = read_trajectory(outcome.trajectory_path).events
    question = next(e for e in events if e.kind == "question")
    answer = next(e for e in events if e.kind == "answer")
    assert "empty string" in question.text and question.data["step"] == 3
    assert answer.data["source"] == "hints" and answer.data["answered"] is True
    assert checks.load_expectations(instance_id, "CLARIFY_EXPECT")["answers"][4] in answer.text
    hints = " ".join(task["hints_text"].split())
    assert all(part in hints for part in answer.text.split("\n\n"))  # the hints' own words, nothing else
