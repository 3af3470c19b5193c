"""`patchsmith fix` end to end: the installed CLI, the real openai SDK against a local server, a real repo."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fakeopenai import FakeOpenAI
from repos import BUGGY_CALC, git, make_repo

FIX_SCRIPT = [
    {"text": "Let me find mean().", "tool_calls": [{"name": "search", "arguments": {"pattern": "def mean"}}]},
    {"text": "Open it.", "tool_calls": [{"name": "str_replace_editor",
                                         "arguments": {"command": "view", "path": "calc/stats.py"}}]},
    {"text": "Run the tests first.", "tool_calls": [{"name": "run_tests", "arguments": {}}]},
    {"text": "The divisor is off by one.", "tool_calls": [{"name": "str_replace_editor", "arguments": {
        "command": "str_replace", "path": "calc/stats.py",
        "old_str": "sum(values) / (len(values) - 1)", "new_str": "sum(values) / len(values)"}}]},
    {"text": "Check again.", "tool_calls": [{"name": "run_tests", "arguments": {}}]},
    {"text": "Fixed.", "tool_calls": [{"name": "submit", "arguments": {}}]},
]


def patchsmith(*args: str, stdin: str = "", env: dict | None = None, cwd: Path | None = None,
               timeout: float = 120) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "PATCHSMITH_DATA_DIR": str(Path(env.pop("data")) if env and "data" in env else
                                                         os.environ.get("PATCHSMITH_DATA_DIR", "/tmp/ps-data")),
                **(env or {})}
    return subprocess.run([sys.executable, "-m", "patchsmith", *args], input=stdin, capture_output=True, text=True,
                          env=full_env, cwd=cwd, timeout=timeout)


def tree_fingerprint(root: Path) -> dict[str, str]:
    """Every file in the working tree and .git's index, hashed, plus git's own view of the state."""
    out = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if path.is_file() and (rel.parts[0] != ".git" or rel.as_posix() in (".git/index", ".git/HEAD")):
            out[rel.as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    out["<status>"] = git(root, "status", "--porcelain", "--untracked-files=all")
    out["<stash>"] = git(root, "stash", "list")
    out["<refs>"] = git(root, "for-each-ref")
    return out


@pytest.fixture
def calc(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "calc", BUGGY_CALC)


def test_fix_through_the_sdk_applies_a_patch_that_passes_the_repos_own_tests(calc, tmp_path):
    out = tmp_path / "run"
    with FakeOpenAI(json.loads(json.dumps(FIX_SCRIPT))) as server:
        # auto-edit: edits run freely, the two test runs are approved at the prompt ("a" = always).
        proc = patchsmith("fix", "mean([1, 2, 3]) returns 3 instead of 2", "--repo", str(calc), "--model",
                          "gpt-4o-mini", "--base-url", server.base_url, "--api-key", "sk-test", "--mode",
                          "auto-edit", "--sandbox", "local", "--yes", "--output", str(out), stdin="a\n",
                          env={"data": str(tmp_path / "data")})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "patch applied" in proc.stdout
    assert (calc / "calc" / "stats.py").read_text().count("sum(values) / len(values)") == 1
    tests = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=calc,
                           capture_output=True, text=True)
    assert tests.returncode == 0, tests.stdout
    lines = [json.loads(x) for x in (out / "trajectory.jsonl").read_text().splitlines()]
    assert lines[0]["type"] == "header" and lines[-1]["type"] == "result"
    assert lines[-1]["exit_reason"] == "submitted"
    steps = [x for x in lines if x["type"] == "step"]
    assert [s["action"]["tool"] for s in steps] == ["search", "str_replace_editor", "run_tests",
                                                   "str_replace_editor", "run_tests", "submit"]
    assert steps[2]["observation"]["data"]["counts"].get("failed", 0) >= 1
    assert steps[4]["observation"]["data"]["counts"].get("failed", 0) == 0
    assert all(s["usage"]["prompt_tokens"] > 0 for s in steps)
    assert (out / "patch.diff").read_text() == lines[-1]["patch"]
    # The model saw the tools' schemas and, in every prompt, the working state.
    assert {t["function"]["name"] for t in server.requests[0]["tools"]} >= {
        "str_replace_editor", "search", "find_file", "run_tests", "bash", "submit"}
    assert "<working_state" in server.requests[-1]["messages"][-1]["content"]


def test_stream_shows_the_reply_as_it_arrives_and_counts_the_servers_usage(calc, tmp_path):
    out = tmp_path / "run"
    script = json.loads(json.dumps(FIX_SCRIPT))
    for i, item in enumerate(script):
        item["usage"] = {"prompt_tokens": 1000 + i, "completion_tokens": 10 + i, "total_tokens": 1010 + 2 * i}
    with FakeOpenAI(script) as server:
        proc = patchsmith("fix", "mean([1, 2, 3]) returns 3 instead of 2", "--repo", str(calc), "--model",
                          "gpt-4o-mini", "--base-url", server.base_url, "--api-key", "sk-test", "--mode",
                          "auto-edit", "--sandbox", "local", "--yes", "--stream", "--output", str(out),
                          stdin="a\n", env={"data": str(tmp_path / "data")})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert all(r.get("stream") is True and r["stream_options"] == {"include_usage": True} for r in server.requests)
    assert "The divisor is off by one." in proc.stdout and "sum(values) / len(values)" in (
        calc / "calc" / "stats.py").read_text()
    steps = [x for x in map(json.loads, (out / "trajectory.jsonl").read_text().splitlines()) if x["type"] == "step"]
    assert [s["thought"] for s in steps] == [item["text"] for item in FIX_SCRIPT]
    assert [(s["usage"]["prompt_tokens"], s["usage"]["estimated"]) for s in steps] == [
        (1000 + i, False) for i in range(len(FIX_SCRIPT))]


def test_text_mode_endpoint(calc, tmp_path):
    script = []
    for item in FIX_SCRIPT:
        call = item["tool_calls"][0]
        script.append({"text": f"{item['text']}\n```json\n{json.dumps({'tool': call['name'], 'args': call['arguments']})}\n```"})
    script.insert(1, {"text": "I think I know the answer."})  # no action: corrected, not a crash
    with FakeOpenAI(script) as server:
        proc = patchsmith("fix", "mean is wrong", "--repo", str(calc), "--model", "local-model", "--base-url",
                          server.base_url, "--text-mode", "--mode", "auto-edit", "--sandbox", "local", "--yes",
                          "--output", str(tmp_path / "run"), stdin="a\n", env={"data": str(tmp_path / "data")})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "sum(values) / len(values)" in (calc / "calc" / "stats.py").read_text()
    assert "tools" not in server.requests[0]
    assert "no action found" in server.requests[2]["messages"][-2]["content"]


def test_dirty_working_tree_survives_a_run_byte_for_byte(calc, tmp_path):
    (calc / "calc" / "stats.py").write_text((calc / "calc" / "stats.py").read_text() + "\n# local tweak\n")
    (calc / "notes.txt").write_text("untracked notes\n")
    (calc / "calc" / "__init__.py").write_text("VERSION = '0.1'\n")
    git(calc, "add", "calc/__init__.py")  # a staged change too
    before = tree_fingerprint(calc)
    script = json.loads(json.dumps(FIX_SCRIPT))
    script.insert(1, {"text": "Read the notes.", "tool_calls": [{"name": "str_replace_editor", "arguments": {
        "command": "view", "path": "notes.txt"}}]})
    out = tmp_path / "run"
    with FakeOpenAI(script) as server:
        proc = patchsmith("fix", "mean is wrong", "--repo", str(calc), "--model", "m", "--base-url", server.base_url,
                          "--mode", "auto-edit", "--sandbox", "local", "--output", str(out), stdin="a\nn\n",
                          env={"data": str(tmp_path / "data")})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "not applied" in proc.stdout
    assert tree_fingerprint(calc) == before
    steps = [json.loads(x) for x in (out / "trajectory.jsonl").read_text().splitlines()[1:-1]]
    steps = [s for s in steps if s["type"] == "step"]
    assert "untracked notes" in steps[1]["observation"]["text"]  # the agent saw the user's current state
    patch = (out / "patch.diff").read_text()
    assert "local tweak" not in patch and "+    return sum(values) / len(values)" in patch
    # Accepting later applies cleanly on top of the uncommitted work.
    subprocess.run(["git", "-C", str(calc), "apply", str(out / "patch.diff")], check=True)
    text = (calc / "calc" / "stats.py").read_text()
    assert "# local tweak" in text and "sum(values) / len(values)" in text


def test_replay_reproduces_the_patch(calc, tmp_path):
    out = tmp_path / "run"
    replies = tmp_path / "replies.jsonl"
    replies.write_text("\n".join(json.dumps({"text": i["text"], "tool_calls": i["tool_calls"]}) for i in FIX_SCRIPT))
    proc = patchsmith("fix", "mean is wrong", "--repo", str(calc), "--model", f"scripted:{replies}", "--mode",
                      "auto-edit", "--sandbox", "local", "--no-apply", "--output", str(out), stdin="a\n",
                      env={"data": str(tmp_path / "data")})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    refused = patchsmith("replay", str(out / "trajectory.jsonl"), "--repo", str(calc), "--sandbox", "local",
                         env={"data": str(tmp_path / "data")})
    assert refused.returncode == 2 and "isolating sandbox" in refused.stderr
    rep = patchsmith("replay", str(out / "trajectory.jsonl"), "--repo", str(calc), "--sandbox", "local",
                     "--mode", "auto-edit", "--output", str(tmp_path / "replayed"), stdin="a\n",
                     env={"data": str(tmp_path / "data")})
    assert rep.returncode == 0, rep.stdout + rep.stderr
    assert "same patch" in rep.stdout
    # A different starting state gives a different patch, and replay says so.
    (calc / "calc" / "stats.py").write_text((calc / "calc" / "stats.py").read_text().replace("- 1)", "- 2)"))
    git(calc, "commit", "-qam", "worse")
    rep2 = patchsmith("replay", str(out), "--repo", str(calc), "--sandbox", "local", "--mode", "auto-edit",
                      "--output", str(tmp_path / "replayed2"), stdin="a\n", env={"data": str(tmp_path / "data")})
    assert rep2.returncode == 1 and "different patch" in rep2.stdout


@pytest.mark.parametrize("argv, message", [
    (["fix", "x", "--repo", "{tmp}"], "not inside a Git repository"),
    (["fix", "   ", "--repo", "{repo}"], "issue text is empty"),
    (["fix", "x", "--repo", "{repo}", "--model", "scriptd:r.jsonl"], "unknown model prefix"),
    (["fix", "x", "--repo", "{repo}", "--issue-file", "{tmp}/missing.md"], "issue file not found"),
    (["replay", "{tmp}/nope.jsonl", "--repo", "{repo}"], "trajectory not found"),
])
def test_bad_input_is_one_line_and_exit_2(argv, message, calc, tmp_path):
    plain = tmp_path / "plain"
    plain.mkdir()
    argv = [a.format(tmp=plain, repo=calc) for a in argv]
    proc = patchsmith(*argv, env={"data": str(tmp_path / "data")})
    assert proc.returncode == 2
    assert message in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_unreachable_endpoint(calc, tmp_path):
    proc = patchsmith("fix", "x", "--repo", str(calc), "--model", "m", "--base-url", "http://127.0.0.1:9/v1",
                      "--mode", "auto-edit", "--sandbox", "local", "--retries", "1",
                      env={"data": str(tmp_path / "data")}, timeout=300)
    assert proc.returncode == 2
    assert "reachable" in proc.stderr and "Traceback" not in proc.stderr
    assert git(calc, "status", "--porcelain") == ""


def test_full_auto_in_bwrap_fixes_without_asking(calc, tmp_path):
    from patchsmith.tools.sandbox import backend_status

    if (reason := backend_status("bwrap")) is not None:
        if os.environ.get("PATCHSMITH_CI"):
            pytest.fail(f"bwrap must work in CI: {reason}")
        pytest.skip(f"bwrap unavailable here: {reason}")
    with FakeOpenAI(json.loads(json.dumps(FIX_SCRIPT))) as server:
        proc = patchsmith("fix", "mean is wrong", "--repo", str(calc), "--model", "m", "--base-url", server.base_url,
                          "--mode", "full-auto", "--sandbox", "bwrap", "--yes", "--output", str(tmp_path / "run"),
                          env={"data": str(tmp_path / "data")})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "sum(values) / len(values)" in (calc / "calc" / "stats.py").read_text()
    steps = [json.loads(x) for x in (tmp_path / "run" / "trajectory.jsonl").read_text().splitlines()]
    runs = [s for s in steps if s["type"] == "step" and s["action"]["tool"] == "run_tests"]
    assert runs[-1]["observation"]["data"]["counts"].get("passed") == 2
    assert not any(e.get("kind") == "approval" for e in steps if e["type"] == "event")


@pytest.mark.bwrap
def test_fix_with_best_of_two_samples_selects_and_applies(calc, tmp_path):
    def attempt(new: str) -> list[dict]:
        return [{"text": "", "tool_calls": [{"name": "str_replace_editor", "arguments": {
                    "command": "str_replace", "path": "calc/stats.py",
                    "old_str": "sum(values) / (len(values) - 1)", "new_str": new}}]},
                {"text": "", "tool_calls": [{"name": "run_tests", "arguments": {}}]},
                {"text": "", "tool_calls": [{"name": "submit", "arguments": {}}]}]

    out = tmp_path / "run"
    variants = [attempt("sum(values) / len(values)"), attempt("sum(values)/len(values)  # the mean")]
    with FakeOpenAI(variants=variants) as server:
        seed = next(s for s in range(200) if {server.variant_for(s), server.variant_for(s + 1)} == {0, 1})
        proc = patchsmith("fix", "mean([1, 2, 3]) returns 3 instead of 2", "--repo", str(calc), "--model",
                          "gpt-4o-mini", "--base-url", server.base_url, "--api-key", "sk-test", "--mode",
                          "full-auto", "--sandbox", "bwrap", "--yes", "--output", str(out), "--strategy",
                          "best-of-2", "--seed", str(seed), "--no-localize", env={"data": str(tmp_path / "data")})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "patch applied" in proc.stdout and "chosen" in proc.stdout
    record = json.loads((out / "strategy.json").read_text())
    assert record["selection"]["groups"] and len(record["selection"]["groups"][0]) == 2  # the variants agree
    assert "len(values)" in (calc / "calc" / "stats.py").read_text()
    assert not any((out / "workspaces").iterdir())
    assert git(calc, "worktree", "list").count("\n") == 1  # only the user's own tree (fix's worktree removed)
