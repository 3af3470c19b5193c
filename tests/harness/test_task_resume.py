"""A batch killed in the middle of a task goes on with that task where it stopped when rerun into the same
--output (the agent resumed from its trajectory, not restarted), and a task whose agent had finished before
the kill is scored from the recorded run without asking the model again."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from fakeopenai import FakeOpenAI
from harness_helpers import make_repo, make_scenario

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = [
    {"text": "look", "tool_calls": [{"id": "c0", "name": "str_replace_editor",
                                     "arguments": {"command": "view", "path": "pkg/calc.py"}}]},
    {"text": "fix", "tool_calls": [{"id": "c1", "name": "str_replace_editor", "arguments": {
        "command": "str_replace", "path": "pkg/calc.py", "old_str": "a - b", "new_str": "a + b"}}]},
    {"text": "done", "tool_calls": [{"id": "c2", "name": "submit", "arguments": {}}]},
]


def run_args(scen: Path, out: Path, tmp_path: Path, base_url: str) -> list[str]:
    return [sys.executable, "-m", "patchsmith", "run", str(scen), "--model", "m", "--base-url", base_url,
            "--no-progress", "--output", str(out), "--cache-dir", str(tmp_path / "cache")]


def env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "OPENAI_API_KEY": ""}


def lines(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text().splitlines() if x.strip()]


def scenario(tmp_path: Path) -> Path:
    origin = tmp_path / "origin"
    base = make_repo(origin)
    scen = tmp_path / "scenarios"
    make_scenario(scen, origin, base, "calc-1")
    return scen


def test_a_task_killed_mid_run_resumes_instead_of_restarting(tmp_path: Path) -> None:
    scen, out = scenario(tmp_path), tmp_path / "out"
    traj = out / "tasks" / "calc-1" / "agent" / "trajectory.jsonl"
    script = json.loads(json.dumps(SCRIPT))
    script[2]["delay"] = 60  # the model hangs on the third request: the batch is killed there
    with FakeOpenAI(script) as server:
        proc = subprocess.Popen(run_args(scen, out, tmp_path, server.base_url), env=env(),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 240
        while len(server.requests) < 3:
            assert proc.poll() is None and time.monotonic() < deadline, "the batch ended before it was killed"
            time.sleep(0.1)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    assert [r["type"] for r in lines(traj)].count("step") == 2
    assert not list((out / "results").glob("*.json"))
    with FakeOpenAI(json.loads(json.dumps(SCRIPT[2:]))) as server:
        again = subprocess.run(run_args(scen, out, tmp_path, server.base_url), env=env(), capture_output=True,
                               text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert len(server.requests) == 1  # only what was left: the model was not asked for the first two again
    report = json.loads((out / "report.json").read_text())
    assert report["resolved_ids"] == ["calc-1"], report["tasks"]["calc-1"]
    records = lines(traj)
    assert [r["index"] for r in records if r["type"] == "step"] == [0, 1, 2]
    assert [r["kind"] for r in records if r["type"] == "event"].count("resumed") == 1
    assert records[-1]["type"] == "result" and records[-1]["exit_reason"] == "submitted"
    assert not list((out / "tasks" / "calc-1").glob("agent.interrupted-*"))


def test_a_task_killed_while_scoring_reuses_its_finished_agent_run(tmp_path: Path) -> None:
    scen, out = scenario(tmp_path), tmp_path / "out"
    with FakeOpenAI(json.loads(json.dumps(SCRIPT))) as server:
        first = subprocess.run(run_args(scen, out, tmp_path, server.base_url), env=env(), capture_output=True,
                               text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    (out / "results" / "calc-1.json").unlink()  # as if killed after the agent, before the result was saved
    before = (out / "tasks" / "calc-1" / "agent" / "trajectory.jsonl").read_text()
    with FakeOpenAI([]) as server:  # any request would get an error
        again = subprocess.run(run_args(scen, out, tmp_path, server.base_url), env=env(), capture_output=True,
                               text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert server.requests == []
    result = json.loads((out / "results" / "calc-1.json").read_text())
    assert result["resolved"] and result["agent"]["exit_reason"] == "submitted" and result["agent"]["steps"] == 3
    assert (out / "tasks" / "calc-1" / "agent" / "trajectory.jsonl").read_text() == before
