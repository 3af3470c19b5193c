"""A task's questions are shared by all its attempts: one budget, and an answer is reused, not asked twice.

End to end through `fix --strategy retry:2` (the installed CLI, the real openai SDK against the local fake
server, a real repository, the answer typed on stdin), and the ledger itself with the real hints answerer."""

from __future__ import annotations

import json
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "cli"))
from fakeopenai import FakeOpenAI  # noqa: E402
from repos import BUGGY_CALC, make_repo  # noqa: E402
from test_fix import patchsmith  # noqa: E402

from patchsmith.agent.clarify import QUESTIONS_PER_TASK, Clarifications, HintsAsker, same_question  # noqa: E402
from patchsmith.agent.events import Answer, Question  # noqa: E402

QUESTION = "What should mean([]) do for an empty list?"
ASK = {"text": "Empty lists are not covered by the issue.", "tool_calls": [{"name": "ask_user", "arguments": {
    "question": QUESTION, "choices": ["raise ValueError", "return 0.0"]}}]}
ASK_AGAIN = {"text": "Unsure about empty input.", "tool_calls": [{"name": "ask_user", "arguments": {
    "question": "For an empty list, what should mean([]) do?"}}]}
VIEW = {"text": "Look.", "tool_calls": [{"name": "str_replace_editor", "arguments": {
    "command": "view", "path": "calc/stats.py"}}]}
FIX = {"text": "Fix the divisor.", "tool_calls": [{"name": "str_replace_editor", "arguments": {
    "command": "str_replace", "path": "calc/stats.py", "old_str": "sum(values) / (len(values) - 1)",
    "new_str": "sum(values) / len(values)"}}]}
SUBMIT = {"text": "Done.", "tool_calls": [{"name": "submit", "arguments": {}}]}


def test_a_later_attempt_gets_the_earlier_answer_without_asking_again(tmp_path: Path) -> None:
    calc = make_repo(tmp_path / "calc", BUGGY_CALC)
    out = tmp_path / "run"
    # Attempt 1 asks, looks, and runs out of steps (its checks fail: no submit); attempt 2 asks the same
    # thing in other words, and fixes. Only one answer is typed.
    script = [ASK, VIEW, VIEW, ASK_AGAIN, FIX, SUBMIT]
    with FakeOpenAI(json.loads(json.dumps(script))) as server:
        proc = patchsmith("fix", "mean() is wrong", "--repo", str(calc), "--model", "gpt-4o-mini", "--base-url",
                          server.base_url, "--api-key", "sk-test", "--sandbox", "local", "--no-localize",
                          "--no-apply", "--output", str(out), "--strategy", "retry:2", "--max-steps", "3",
                          "--mode", "auto-edit", stdin="2\n", env={"data": str(tmp_path / "data")}, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert proc.stdout.count("the agent asks") == 1  # the person saw one question, not two
    events = {n: [json.loads(x) for x in (out / "attempts" / str(n) / "trajectory.jsonl").read_text().splitlines()
                  if '"type":"event"' in x and ('"answer"' in x)] for n in (1, 2)}
    first, again = events[1][0]["data"], events[2][0]["data"]
    assert first["source"] == "user" and events[1][0]["text"] == "return 0.0"
    assert again["source"] == "earlier" and again["from_attempt"] == 1 and again["origin"] == "user"
    assert events[2][0]["text"] == "return 0.0"
    # Attempt 2 knew the answer from its first prompt on (working memory), and was told it again when it asked.
    attempt_2 = server.requests[3]["messages"]
    assert any("Asked in attempt 1" in str(m.get("content")) and "return 0.0" in str(m.get("content"))
               for m in attempt_2)
    told = [m["content"] for m in server.requests[4]["messages"] if m["role"] == "tool"][-1]
    assert told.startswith("This was asked before (attempt 1)") and "return 0.0" in told
    assert "ask_user" in {t["function"]["name"] for t in server.requests[3]["tools"]}
    # The inspector says where attempt 2's answer came from.
    from patchsmith.tui.model import open_model
    from patchsmith.tui.render import answer_source

    exchange = open_model(out / "attempts" / "2" / "trajectory.jsonl").exchange(0)
    assert exchange is not None and exchange.answer == "return 0.0"
    assert answer_source(exchange) == "an earlier answer (attempt 1, from user); not asked again"
    assert "attempt 2 of retry:2" in exchange.asked_by


def test_the_budget_is_per_task_and_questions_are_put_one_at_a_time() -> None:
    class SlowPerson:  # a person who takes a moment to answer; records whether two questions overlapped
        def __init__(self) -> None:
            self.busy = False
            self.overlapped = False
            self.asked: list[str] = []

        def ask(self, question: Question) -> Answer:
            self.overlapped = self.overlapped or self.busy
            self.busy = True
            time.sleep(0.05)
            self.asked.append(question.text)
            self.busy = False
            return Answer(text=f"answer {len(self.asked)}", source="user")

    person = SlowPerson()
    ledger = Clarifications(person)
    threads = [threading.Thread(target=ledger.for_attempt(n).ask, args=(Question(f"q{n}: which {w} format?"),))
               for n, w in enumerate(["date", "money", "name", "unit", "size"], 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not person.overlapped and len(person.asked) == QUESTIONS_PER_TASK
    over = ledger.for_attempt(6).ask(Question("which colour scheme?"))
    assert over.source == "limit" and over.text is None
    # A repeat is answered from the ledger even when the budget is spent, and names the attempt that asked.
    first = ledger.asked[0]
    repeat = ledger.for_attempt(7).ask(Question(first.question))
    assert repeat.source == "earlier" and repeat.text == first.answer and repeat.from_attempt == first.attempt
    assert len(person.asked) == QUESTIONS_PER_TASK
    assert all(line.startswith("Asked in attempt ") for line in ledger.known())


def test_a_declined_or_unanswerable_question_is_not_asked_again() -> None:
    ledger = Clarifications(HintsAsker("The maintainer wants ValueError for empty input."))
    none = ledger.for_attempt(1).ask(Question("Which zebra colour?"))
    assert none.text is None and none.source == "hints"
    again = ledger.for_attempt(2).ask(Question("Which zebra colour?"))
    assert again.source == "earlier" and again.text is None and again.origin == "hints"
    assert "no answer (hints); decide yourself" in ledger.known()[0]
    assert same_question(QUESTION, "For an empty list, what should mean([]) do?")
    assert not same_question(QUESTION, "Should total() accept generators?")


HINTS = "Maintainer: add() must return the arithmetic sum of both operands; negative numbers are fine."
WRONG = "pkg/calc.py\n<<<<<<< SEARCH\n    return a - b\n=======\n    return abs(a) + abs(b)\n>>>>>>> REPLACE\n"
RIGHT = "pkg/calc.py\n<<<<<<< SEARCH\n    return abs(a) + abs(b)\n=======\n    return a + b\n>>>>>>> REPLACE\n"


def test_self_refine_asks_in_text_and_its_revision_reuses_the_answer(tmp_path: Path) -> None:
    """No-tools attempts ask with a QUESTION line (`run --clarify hints`: the hints answer); the revision
    asks the same again and is told the earlier answer, so the hints are consulted once."""
    import os
    import subprocess

    from harness_helpers import make_repo as make_calc
    from harness_helpers import make_scenario

    origin = tmp_path / "origin"
    base = make_calc(origin)
    make_scenario(tmp_path / "scenarios", origin, base, "calc-1", hints_text=HINTS)
    script = [{"text": "QUESTION: Should add() return the sum of its operands for negative numbers too?\n"
                       "CHOICES: the plain sum | the sum of absolute values"},
              {"text": "Sum of absolute values, then.\n\n" + WRONG},
              {"text": "abs() changes negative operands.\nVERDICT: REVISE"},
              {"text": "QUESTION: For negative numbers, should add() return the sum of its operands?"},
              {"text": "The plain sum, as the maintainer said.\n\n" + RIGHT},
              {"text": "Right now.\nVERDICT: OK"}]
    with FakeOpenAI(json.loads(json.dumps(script))) as server:
        env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
        proc = subprocess.run([sys.executable, "-m", "patchsmith", "run", str(tmp_path / "scenarios"), "--model",
                               "gpt-4o-mini", "--base-url", server.base_url, "--api-key", "k", "--retries", "0",
                               "--strategy", "self-refine", "--clarify", "hints", "--no-localize", "--no-progress",
                               "--sandbox", "local", "--output", str(tmp_path / "out"),
                               "--cache-dir", str(tmp_path / "cache")],
                              cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    first_prompt = server.requests[0]["messages"][-1]["content"]
    assert "QUESTION:" in first_prompt  # someone (the hints) can answer: the prompt says how to ask
    told = server.requests[1]["messages"][-1]["content"]
    assert told.startswith("From the issue's discussion") and "arithmetic sum" in told
    revise_prompt = server.requests[3]["messages"][-1]["content"]
    assert "Already asked about this issue" in revise_prompt and "arithmetic sum" in revise_prompt
    again = server.requests[4]["messages"][-1]["content"]
    assert again.startswith("This was asked before (attempt 1)") and "arithmetic sum" in again
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    agent = report["tasks"]["calc-1"]["agent"]
    assert report["resolved_ids"] == ["calc-1"]
    clar = agent["clarification"]
    assert clar["questions"] == 1 and clar["answered"] == 1 and clar["reused"] == 1
    assert [(a["attempt"], a["source"]) for a in clar["answers"]] == [(1, "hints"), (2, "earlier")]
    lines = [json.loads(x) for x in Path(agent["attempts"][0]["trajectory"]).read_text().splitlines()]
    step = next(x for x in lines if x["type"] == "step")
    assert step["action"]["tool"] == "ask_user" and step["observation"]["data"]["choices"][1].startswith("the sum of")
    assert report["clarification"]["questions"] == 1
