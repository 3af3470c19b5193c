"""After a task the trajectory is parsed once: memory, the attempt's own checks and the report's measures
(progress, clarification, submission, briefing) all take the copy the loop read back. Counted by spying
on the format's one reader (`parse_lines`, behind `read_trajectory`) during a real run of a real task."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from harness_helpers import make_repo, make_scenario

from patchsmith.agent import trajectory
from patchsmith.agent.config import RunConfig
from patchsmith.harness.agent_job import make_agent
from patchsmith.harness.evaluate import default_sandbox_factory
from patchsmith.harness.pipeline import Harness
from patchsmith.harness.tasks import load_tasks

REPLIES = [
    {"tool": "str_replace_editor", "args": {"command": "view", "path": "pkg/calc.py"}},
    {
        "tool": "str_replace_editor",
        "args": {"command": "str_replace", "path": "pkg/calc.py", "old_str": "a - b", "new_str": "a + b"},
    },
    {"tool": "run_tests", "args": {"tests": ["tests/test_calc.py"]}},
    {"tool": "submit", "args": {"confidence": 0.8}},
]


def test_a_task_parses_its_trajectory_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    origin = tmp_path / "origin"
    folder = make_scenario(tmp_path / "scenarios", origin, make_repo(origin))
    (folder / "replies.jsonl").write_text("".join(json.dumps(r) + "\n" for r in REPLIES))
    reads: Counter[str] = Counter()
    real = trajectory.parse_lines

    def counting(lines: list[str], path: str | None = None) -> trajectory.Trajectory:
        reads[Path(path or "").name] += 1
        return real(lines, path)

    monkeypatch.setattr(trajectory, "parse_lines", counting)
    harness = Harness(cache_dir=tmp_path / "cache", sandbox_factory=default_sandbox_factory("local"))
    agent = make_agent(RunConfig(model="scripted", memory=True), harness.sandbox_factory, {})
    result = harness.process(load_tasks(folder)[0], tmp_path / "out", agent=agent)

    assert result["resolved"], result.get("reason")
    assert reads["trajectory.jsonl"] == 1, reads
    # The measures made from that one copy are the run's own (opened at step 0, edited at step 1, ...).
    row = result["agent"]
    assert row["progress"]["opened"] == {"pkg/calc.py": 0} and row["progress"]["edited"] == {"pkg/calc.py": 1}
    assert row["progress"]["failing_tests"] and row["confidence"] == 0.8
    assert row["clarification"]["questions"] == 0 and row["recalled"] == []
    assert (tmp_path / "out" / "agent" / "trajectory.jsonl").is_file()
