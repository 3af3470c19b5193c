"""`run --clarify hints`: the model's questions answered from the task's hints_text (by BM25), "no answer" when
there is none, nothing else of the task reaching the model; the report keeps these runs apart."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from fakeopenai import FakeOpenAI  # noqa: E402
from harness_helpers import make_repo, make_scenario  # noqa: E402

from patchsmith.agent.clarify import HintsAsker, passages  # noqa: E402
from patchsmith.agent.events import Question  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
HINTS = ("Thanks for the report, I can reproduce it on 1.0.\n\n"
         "Maintainer: add() must return the arithmetic sum of both operands; negative numbers are fine.\n\n"
         "Unrelated: the docs build is broken on Windows.")
ASK = {"text": "Unclear.", "tool_calls": [{"name": "ask_user", "arguments": {
    "question": "Should add() return the sum of its operands, or something else?"}}]}
FIX = {"text": "Fix it.", "tool_calls": [{"name": "str_replace_editor", "arguments": {
    "command": "str_replace", "path": "pkg/calc.py", "old_str": "a - b", "new_str": "a + b"}}]}
SUBMIT = {"text": "Done.", "tool_calls": [{"name": "submit", "arguments": {"confidence": 0.8, "unsure": [
    {"file": "pkg/calc.py", "start": 1, "end": 2, "why": "negative operands untested"}]}}]}


def test_passages_are_the_ones_about_the_question() -> None:
    asker = HintsAsker(HINTS)
    assert len(passages(HINTS)) == 3
    answer = asker.ask(Question("What should add() return for two operands?"))
    assert answer.source == "hints" and answer.text is not None
    assert "arithmetic sum" in answer.text and "Windows" not in answer.text
    # Nothing shared with the question, or no hints at all: no answer rather than a random passage.
    assert asker.ask(Question("zebra quux?")).text is None
    assert HintsAsker("").ask(Question("What should add() return?")).text is None


def test_run_clarify_hints_answers_from_hints_and_reports_apart(tmp_path: Path) -> None:
    origin = tmp_path / "origin"
    base = make_repo(origin)
    scen = tmp_path / "scenarios"
    make_scenario(scen, origin, base, "calc-1", hints_text=HINTS)
    make_scenario(scen, origin, base, "calc-2", hints_text="")
    with FakeOpenAI(json.loads(json.dumps([ASK, FIX, SUBMIT] * 2))) as server:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        proc = subprocess.run([sys.executable, "-m", "patchsmith", "run", str(scen), "--model", "gpt-4o-mini",
                               "--base-url", server.base_url, "--api-key", "k", "--retries", "0", "--clarify",
                               "hints", "--no-localize", "--no-progress", "--workers", "1", "--sandbox", "local",
                               "--output", str(tmp_path / "out"), "--cache-dir", str(tmp_path / "cache")],
                              cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    answers = [m["content"] for r in server.requests for m in r["messages"] if m["role"] == "tool"
               and (m["content"].startswith("From the issue") or m["content"].startswith("No answer"))]
    assert any("arithmetic sum" in a and "Windows" not in a for a in answers), answers
    assert any(a.startswith("No answer: the issue's discussion says nothing") for a in answers), answers
    # The hints reach the model only as answers; the hidden fields never do.
    sent = json.dumps(server.requests)
    assert "tests/test_calc.py::test_add" not in sent and "test_words" not in sent and "def test_" not in sent
    assert sent.count("arithmetic sum") == sent.count("From the issue") >= 1
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["run"]["clarify"] == "hints"
    clar = report["clarification"]
    assert clar["setting"] == "hints" and clar["questions"] == 2 and clar["answered"] == 1
    assert clar["tasks_answered"] == 1 and clar["resolved_when_answered"] == 1 and clar["resolved_without_answer"] == 1
    one = report["tasks"]["calc-1"]["agent"]["clarification"]
    assert one["answers"][0]["steps_before"] == 1 and one["answers"][0]["steps_after"] == 2
    assert one["answers"][0]["cost_before"] <= report["tasks"]["calc-1"]["agent"]["cost"]
    assert report["tasks"]["calc-2"]["agent"]["clarification"]["answered"] == 0
    # What the submit said about itself reaches report.json, and the calibration figures count it.
    assert report["tasks"]["calc-1"]["agent"]["confidence"] == 0.8
    assert report["tasks"]["calc-1"]["agent"]["unsure"][0]["why"] == "negative operands untested"
    assert report["calibration"]["runs_with_confidence"] == 2 and report["calibration"]["buckets"][4]["resolved"] == 2
    assert (tmp_path / "out" / "calibration.png").read_bytes()[:4] == b"\x89PNG"
    assert "calibration: resolved rate by stated confidence" in proc.stdout
    assert "clarification from hints" in proc.stdout and "questions asked / answered" in proc.stdout


def test_clarification_runs_are_labelled_apart_in_compare(tmp_path: Path) -> None:
    from patchsmith.harness.compare import compare, load_run

    for name, clarify in (("plain", "ask"), ("clar", "hints")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "report.json").write_text(json.dumps({"run": {"strategy": "react", "clarify": clarify},
                                                                 "tasks": {"t": {"instance_id": "t", "resolved": True}}}))
    runs = [load_run(tmp_path / "plain"), load_run(tmp_path / "clar")]
    assert [r.label for r in runs] == ["react", "react+clarify:hints"]
    assert set(compare(runs)["groups"]["all"]["strategies"]) == {"react", "react+clarify:hints"}
