"""Honest by construction: run strategies through the real harness on a task whose hidden parts carry
sentinels, capture every request at the fake endpoint and everything the selector is handed, and show the
sentinels reach only the scorer. Also: each attempt is scored afterwards, for pass@k and the oracle."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fakeopenai import FakeOpenAI
from harness_helpers import TEST_PATCH, make_repo, make_scenario

from patchsmith.agent.config import RunConfig
from patchsmith.agent.strategies import best_of_n
from patchsmith.harness.agent_job import make_agent
from patchsmith.harness.evaluate import default_sandbox_factory
from patchsmith.harness.pipeline import Harness
from patchsmith.harness.tasks import load_tasks

HIDDEN_TEST = "test_hidden_zebra_q7"
GOLD_MARK = "gold-sentinel-Q7"
GOLD = f"""diff --git a/pkg/calc.py b/pkg/calc.py
--- a/pkg/calc.py
+++ b/pkg/calc.py
@@ -1,5 +1,5 @@
 def add(a, b):
-    return a - b
+    return a + b  # {GOLD_MARK}
\x20
\x20
 def mul(a, b):
"""
SENTINELS = (HIDDEN_TEST, GOLD_MARK, "test_mul", "PASS_TO_PASS", "FAIL_TO_PASS")


def call(name: str, **args: object) -> dict:
    return {"text": "", "tool_calls": [{"name": name, "arguments": args}]}


def fix(new: str = "    return a + b\n") -> list[dict]:
    return [call("str_replace_editor", command="str_replace", path="pkg/calc.py", old_str="    return a - b\n",
                 new_str=new), call("run_tests", tests=["tests/test_calc.py"]), call("submit")]


def wrong_with_repro() -> list[dict]:
    repro = "from pkg.calc import add\n\n\ndef test_repro():\n    assert add(2, 3) == 5\n"
    return [call("str_replace_editor", command="create", path="tests/test_repro.py", file_text=repro),
            call("str_replace_editor", command="str_replace", path="pkg/calc.py", old_str="    return a - b\n",
                 new_str="    return abs(a - b)\n"),
            call("run_tests", tests=["tests/test_repro.py"]), call("submit")]


@pytest.fixture
def task(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # noqa: ANN201
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    origin = tmp_path / "origin"
    base = make_repo(origin)
    folder = make_scenario(tmp_path / "scenarios", origin, base, patch=GOLD,
                           test_patch=TEST_PATCH.replace("test_add", HIDDEN_TEST),
                           FAIL_TO_PASS=json.dumps([f"tests/test_calc.py::{HIDDEN_TEST}"]),
                           problem_statement="add() returns a - b; it should return the sum")
    (folder / "replies.jsonl").unlink()
    return load_tasks(folder)[0]


def run_task(task, tmp_path: Path, server: FakeOpenAI, strategy: str, **config: object) -> dict:  # noqa: ANN001
    harness = Harness(cache_dir=tmp_path / "cache", sandbox_factory=default_sandbox_factory("local"))
    cfg = RunConfig(model="gpt-4o-mini", base_url=server.base_url, api_key="k", strategy=strategy, max_retries=0,
                    **config)
    agent = make_agent(cfg, harness.sandbox_factory, {})
    return harness.process(task, tmp_path / "out" / strategy, agent=agent)


def visible_files(root: Path) -> str:
    return "\n".join(f"{p.relative_to(root)}\n{p.read_text(errors='replace')}" for p in sorted(root.rglob("*"))
                     if p.is_file() and ".git" not in p.parts)


def test_best_of_n_selection_and_requests_never_see_hidden_parts(task, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []
    real_select = best_of_n.select

    def spy(base, candidates):  # noqa: ANN001, ANN202 - records everything the selector is handed
        seen.append(visible_files(base.root))
        seen.extend(repr(c.attempt) + visible_files(c.ws.root) for c in candidates)
        return real_select(base, candidates)

    monkeypatch.setattr(best_of_n, "select", spy)
    with FakeOpenAI(variants=[fix(), fix("    return b + a\n")]) as server:
        seed = next(s for s in range(200) if {server.variant_for(s), server.variant_for(s + 1)} == {0, 1})
        result = run_task(task, tmp_path, server, "best-of-2", seed=seed)
    assert result["status"] == "resolved", result["reason"]
    requests = json.dumps(server.requests)
    record = (tmp_path / "out" / "best-of-2" / "agent" / "strategy.json").read_text()
    assert len(seen) == 3 and len(server.requests) == 6
    for sentinel in (HIDDEN_TEST, GOLD_MARK, "PASS_TO_PASS", "FAIL_TO_PASS"):
        assert sentinel not in requests and sentinel not in record
        assert all(sentinel not in s for s in seen)
    # The sentinels were real and the scorer saw them: the hidden test ran and passed.
    assert result["evaluation"]["fail_to_pass"]["success"] == [f"tests/test_calc.py::{HIDDEN_TEST}"]
    attempts = result["agent"]["attempts"]
    assert [a["resolved"] for a in attempts] == [True, True] and result["agent"]["oracle"] is True
    assert "patch" not in attempts[0]  # patches stay in strategy.json and the trajectories, not twice


def test_reflexion_through_the_harness_scores_every_attempt(task, tmp_path: Path) -> None:
    script = [*wrong_with_repro(), {"text": "Use a + b; abs() only hides the sign."}, *fix()]
    with FakeOpenAI(script) as server:
        result = run_task(task, tmp_path, server, "reflexion:2")
    requests = json.dumps(server.requests)
    assert HIDDEN_TEST not in requests and GOLD_MARK not in requests
    assert result["resolved"] and [a["resolved"] for a in result["agent"]["attempts"]] == [False, True]
    assert result["agent"]["calls"][0]["kind"] == "lesson" and result["agent"]["chosen"] == 2
    assert "test_repro" not in result["model_patch"]  # attempt 2 started from a clean checkout
    headers = [json.loads(Path(a["trajectory"]).read_text().splitlines()[0]) for a in result["agent"]["attempts"]]
    assert [h["attempt"]["number"] for h in headers] == [1, 2]
    assert all(k not in h["task"] for h in headers for k in ("patch", "test_patch", "FAIL_TO_PASS"))


def test_rerun_of_a_multi_attempt_task_starts_clean_trajectories(task, tmp_path: Path) -> None:
    for _ in range(2):  # the second time, as after a kill between the strategy's record and the scoring
        with FakeOpenAI([*wrong_with_repro(), {"text": "Use a + b."}, *fix()]) as server:
            result = run_task(task, tmp_path, server, "reflexion:2")
        assert result["resolved"]
    first = (tmp_path / "out" / "reflexion:2" / "agent" / "attempts" / "1" / "trajectory.jsonl").read_text()
    assert sum('"type":"header"' in line for line in first.splitlines()) == 1
    assert list((tmp_path / "out" / "reflexion:2").glob("agent.interrupted-*"))
