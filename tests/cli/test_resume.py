"""`patchsmith resume RUN_DIR` end to end: a `fix` run killed (kill -9) or cut off by its endpoint goes on from
its trajectory with the real openai SDK against the local fake server, and ends with the same patch as a run
that was never interrupted."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fakeopenai import FakeOpenAI
from repos import BUGGY_CALC, git, make_repo

from patchsmith.tui.model import RunModel

from .test_fix import FIX_SCRIPT, patchsmith

# Fixed call ids: the fake server would otherwise number them by its own request count, which restarts
# with the new server a resumed run talks to.
SCRIPT = [{**item, "tool_calls": [{**c, "id": f"call_{n}"} for c in item["tool_calls"]]}
          for n, item in enumerate(FIX_SCRIPT)]
ISSUE = "mean([1, 2, 3]) returns 3 instead of 2"


@pytest.fixture
def calc(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "calc", BUGGY_CALC)


def fix_args(calc: Path, out: Path, base_url: str) -> list[str]:
    return ["fix", ISSUE, "--repo", str(calc), "--model", "gpt-4o-mini", "--base-url", base_url, "--mode",
            "auto-edit", "--sandbox", "local", "--no-apply", "--no-localize", "--output", str(out)]


def records(out: Path) -> list[dict]:
    return [json.loads(x) for x in (out / "trajectory.jsonl").read_text().splitlines() if x.strip()]


def normalized(messages: list[dict]) -> str:
    """What the model was sent, minus what differs between any two runs: where the worktree is, the seed
    commit of another repository with the same files, and timings."""
    text = json.dumps(messages)
    text = re.sub(r"[^\s`'\"]*/worktrees/[0-9a-f]{12}", "ROOT", text)
    text = re.sub(r"\(base [0-9a-f]+\)", "(base X)", text)
    return re.sub(r"\d+\.\d+s\b", "Ts", text)


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, list[dict]]:
    """The uninterrupted run: its patch and what its model was sent (same files as `calc`, so same patch)."""
    tmp = tmp_path_factory.mktemp("reference")
    calc, out = make_repo(tmp / "calc", BUGGY_CALC), tmp / "run"
    with FakeOpenAI(json.loads(json.dumps(SCRIPT))) as server:
        proc = patchsmith(*fix_args(calc, out, server.base_url), stdin="a\n", env={"data": str(tmp / "data")})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return (out / "patch.diff").read_text(), server.requests


def kill_after(calc: Path, out: Path, tmp_path: Path, steps: int) -> None:
    """Start a fix whose model hangs on request `steps + 1`, and kill -9 it once `steps` steps are recorded."""
    script = json.loads(json.dumps(SCRIPT[: steps + 1]))
    script[steps]["delay"] = 60
    env = {**os.environ, "PATCHSMITH_DATA_DIR": str(tmp_path / "data")}
    with FakeOpenAI(script) as server:
        proc = subprocess.Popen([sys.executable, "-m", "patchsmith", *fix_args(calc, out, server.base_url)],
                                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                env=env, text=True)
        proc.stdin.write("a\n")
        proc.stdin.flush()
        deadline = time.monotonic() + 120
        while len(server.requests) <= steps:
            assert proc.poll() is None and time.monotonic() < deadline, "the run ended before it was killed"
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)


def test_a_killed_fix_resumes_with_the_same_history_and_ends_with_the_same_patch(calc, tmp_path, reference):
    expected, ref_requests = reference
    assert "+    return sum(values) / len(values)" in expected
    out = tmp_path / "run"
    kill_after(calc, out, tmp_path, steps=3)
    cut = records(out)
    assert [r["type"] for r in cut].count("step") == 3 and cut[-1]["type"] != "result"
    assert cut[0]["task"]["base_commit"]  # the header records where the worktree started
    before = git(calc, "status", "--porcelain")

    with FakeOpenAI(json.loads(json.dumps(SCRIPT[3:]))) as server:
        proc = patchsmith("resume", str(out), "--base-url", server.base_url, "--no-apply", stdin="a\n",
                          env={"data": str(tmp_path / "data")})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (out / "patch.diff").read_text() == expected
    # The live model was sent exactly what the uninterrupted run sent it at the same step: the chat turns
    # and the working memory (files viewed, last test result) were restored.
    assert len(server.requests) == 3
    assert normalized(server.requests[0]["messages"]) == normalized(ref_requests[3]["messages"])
    assert "Last tests" in server.requests[0]["messages"][-1]["content"] or \
        "failed" in server.requests[0]["messages"][-1]["content"]
    # One file, one header, steps 0..5 in order, an event saying where it resumed, one final result.
    lines = records(out)
    assert [r["type"] for r in lines].count("header") == 1 and lines[-1]["type"] == "result"
    assert [r["index"] for r in lines if r["type"] == "step"] == [0, 1, 2, 3, 4, 5]
    resumed = [r for r in lines if r["type"] == "event" and r["kind"] == "resumed"]
    assert len(resumed) == 1 and resumed[0]["data"]["after_step"] == 2
    before_event = lines[lines.index(resumed[0]) - 1]
    assert before_event["type"] == "step" and before_event["index"] == 2  # it follows the last recorded step
    assert lines[-1]["exit_reason"] == "submitted" and lines[-1]["totals"]["steps"] == 6
    assert lines[-1]["patch"] == expected
    # The inspector reads the resumed file as one run.
    model = RunModel.open_jsonl(out / "trajectory.jsonl")
    assert len(model) == 6 and model.final_patch == expected and not model.incomplete
    assert git(calc, "status", "--porcelain") == before  # the user's tree is untouched (--no-apply)
    assert "resumed" in proc.stdout


def test_a_run_cut_off_by_its_endpoint_resumes(calc, tmp_path, reference):
    expected, _ = reference
    out = tmp_path / "run"
    # The endpoint answers four requests, then fails for good: the run ends with model_error after step 3.
    with FakeOpenAI(json.loads(json.dumps(SCRIPT[:4]))) as server:
        proc = patchsmith(*fix_args(calc, out, server.base_url), "--retries", "0", stdin="a\n",
                          env={"data": str(tmp_path / "data")})
    assert proc.returncode == 2 and "patchsmith resume" in proc.stderr
    assert records(out)[-1]["exit_reason"] == "model_error"
    with FakeOpenAI(json.loads(json.dumps(SCRIPT[4:]))) as server:
        proc = patchsmith("resume", str(out), "--base-url", server.base_url, "--no-apply", stdin="a\n",
                          env={"data": str(tmp_path / "data")})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (out / "patch.diff").read_text() == expected
    lines = records(out)
    assert [r["index"] for r in lines if r["type"] == "step"] == [0, 1, 2, 3, 4, 5]
    assert lines[-1]["exit_reason"] == "submitted" and RunModel.open_jsonl(out / "trajectory.jsonl").final_patch \
        == expected


def test_resume_refuses_what_it_cannot_continue(calc, tmp_path):
    data = {"data": str(tmp_path / "data")}
    done = tmp_path / "done"
    with FakeOpenAI(json.loads(json.dumps(SCRIPT))) as server:
        assert patchsmith(*fix_args(calc, done, server.base_url), stdin="a\n", env=dict(data)).returncode == 0
    plain = tmp_path / "plain"
    plain.mkdir()
    half = tmp_path / "half"
    half.mkdir()
    (half / "trajectory.jsonl").write_text('{"type": "step", "index": 0}\n')
    for folder, message in ((done, "already finished"), (plain, "no trajectory.jsonl"),
                            (tmp_path / "missing", "no trajectory.jsonl"), (half, "no header")):
        proc = patchsmith("resume", str(folder), env=dict(data))
        assert proc.returncode == 2, (folder, proc.stdout, proc.stderr)
        assert message in proc.stderr and "Traceback" not in proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1


def test_resume_makes_the_seed_again_after_git_gc_removed_it(tmp_path):
    """The user's uncommitted and untracked files at the start are part of the seed; the user goes on
    working, `git gc` prunes what it can and patchsmith's store of seeds is gone: resume still starts from
    the run's own seed, made again from its parent and seed.diff."""
    calc = make_repo(tmp_path / "calc", BUGGY_CALC)
    stats = calc / "calc" / "stats.py"
    stats.write_text(stats.read_text() + "\n# uncommitted note\n")
    (calc / "scratch.txt").write_text("untracked at the start\n")
    out, data = tmp_path / "run", {"data": str(tmp_path / "data")}
    with FakeOpenAI(json.loads(json.dumps(SCRIPT[:4]))) as server:
        proc = patchsmith(*fix_args(calc, out, server.base_url), "--retries", "0", stdin="a\n", env=dict(data))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    base = records(out)[0]["task"]["base_commit"]
    (calc / "scratch.txt").unlink()  # the user's tree moves on
    stats.write_text(stats.read_text().replace("# uncommitted note", "# changed since"))
    git(calc, "reflog", "expire", "--expire=now", "--all")
    git(calc, "gc", "-q", "--prune=now")
    seeds = tmp_path / "data" / "worktrees" / ".patchsmith-seeds"  # patchsmith's own store of seeds, if any
    shutil.rmtree(seeds, ignore_errors=True)  # lost too (a cleaned data folder, another machine)
    gone = subprocess.run(["git", "-C", str(calc), "cat-file", "-e", f"{base}^{{commit}}"], capture_output=True)
    assert gone.returncode != 0  # the seed commit really is gone
    with FakeOpenAI(json.loads(json.dumps(SCRIPT[4:]))) as server:
        proc = patchsmith("resume", str(out), "--base-url", server.base_url, "--no-apply", stdin="a\n",
                          env=dict(data))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    patch = (out / "patch.diff").read_text()
    assert "+    return sum(values) / len(values)" in patch
    assert "uncommitted note" not in patch and "scratch" not in patch and "changed since" not in patch
    assert records(out)[-1]["exit_reason"] == "submitted"
