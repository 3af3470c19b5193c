"""The controller loop with small tools of the test's own: budgets, stops, approvals, memory, recording."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from repos import make_repo
from toy_tools import ECHO, SHELL, SUBMIT, WRITE, script

from patchsmith.agent.config import RunConfig
from patchsmith.agent.events import Decision, RunControl
from patchsmith.agent.models import ContextLengthExceeded, ListModel, Reply
from patchsmith.agent.models.scripted import entry_to_reply
from patchsmith.agent.runner import run_agent
from patchsmith.agent.trajectory import read_trajectory
from patchsmith.tools.workspace import Workspace

TOOLS = [WRITE, ECHO, SHELL, SUBMIT]


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    root = make_repo(tmp_path / "repo", {"a.txt": "one\n"})
    return Workspace(root=root, base="HEAD")


def run(ws: Workspace, tmp_path: Path, model, **cfg):
    kw = cfg.pop("kw", {})
    config = RunConfig(mode=cfg.pop("mode", "full-auto"), **cfg)
    return run_agent("fix it", ws, config, tmp_path / "out", model=model, tools=TOOLS, **kw)


def test_submit_records_every_step_and_the_patch(ws, tmp_path):
    out = run(ws, tmp_path, script({"thought": "write", "tool": "write", "args": {"path": "a.txt", "text": "two\n"}},
                                   {"thought": "done", "tool": "submit", "args": {}}))
    assert out.exit_reason == "submitted"
    assert "-one" in out.patch and "+two" in out.patch
    traj = read_trajectory(out.trajectory_path)
    assert not traj.incomplete
    assert [s.action.tool for s in traj.steps] == ["write", "submit"]
    assert traj.steps[0].diff and "+two" in traj.steps[0].diff
    assert traj.steps[1].diff is None  # unchanged since step 0
    assert traj.patch_at(1) == traj.steps[0].diff
    assert traj.result.totals.steps == 2
    assert (tmp_path / "out" / "patch.diff").read_text() == out.patch
    assert traj.steps[0].state["edits"] == [] or isinstance(traj.steps[0].state["edits"], list)


def test_step_budget(ws, tmp_path):
    out = run(ws, tmp_path, script(*[{"tool": "echo", "args": {"text": str(i)}} for i in range(10)]), max_steps=4)
    assert out.exit_reason == "max_steps" and out.totals.steps == 4


def test_cost_and_token_budgets(ws, tmp_path):
    class Pricey(ListModel):
        def complete(self, messages, tools):
            reply = super().complete(messages, tools)
            reply.usage.cost = 0.4
            reply.usage.prompt_tokens = 1000
            return reply

    replies = [entry_to_reply({"tool": "echo", "args": {"text": str(i)}}, i) for i in range(10)]
    assert run(ws, tmp_path, Pricey("p", list(replies)), max_cost=1.0).exit_reason == "max_cost"
    assert run(ws, tmp_path, Pricey("p", list(replies)), max_tokens=2500).exit_reason == "max_tokens"


def test_repeated_action_without_progress_stops(ws, tmp_path):
    out = run(ws, tmp_path, script(*[{"tool": "echo", "args": {"text": "same"}}] * 6), repeat_limit=3)
    assert out.exit_reason == "repeated_action" and out.totals.steps == 3


def test_malformed_actions_get_corrective_messages(ws, tmp_path):
    model = script({"text": "just talking"}, {"tool": "nope", "args": {}},
                   {"text": "", "tool_calls": [{"name": "echo", "arguments": "{not json"}]},
                   {"tool": "submit", "args": {}})
    out = run(ws, tmp_path, model)
    traj = read_trajectory(out.trajectory_path)
    assert out.exit_reason == "submitted"
    texts = [s.observation.text for s in traj.steps]
    assert "called no tool" in texts[0] and "unknown tool 'nope'" in texts[1] and "not valid JSON" in texts[2]


def test_three_replies_without_action_stop_the_run(ws, tmp_path):
    out = run(ws, tmp_path, script({"text": "hmm"}, {"text": "hmm?"}, {"text": "hmm!"}, {"tool": "submit"}))
    assert out.exit_reason == "format_error"


class Recorder:
    def __init__(self, answers):
        self.answers, self.requests = list(answers), []

    def decide(self, request):
        self.requests.append(request)
        return self.answers.pop(0)


def test_ask_mode_asks_and_a_denial_reaches_the_model(ws, tmp_path):
    approver = Recorder([Decision(False, "use the other file"), Decision(True, args={"text": "edited"})])
    model = script({"tool": "write", "args": {"path": "a.txt", "text": "x"}}, {"tool": "shell", "args": {"text": "ls"}},
                   {"tool": "echo", "args": {"text": "free"}}, {"tool": "submit"})
    out = run(ws, tmp_path, model, mode="ask", kw={"approver": approver})
    traj = read_trajectory(out.trajectory_path)
    assert [r.tool for r in approver.requests] == ["write", "shell"]  # echo and submit need no approval
    assert "use the other file" in traj.steps[0].observation.text and not traj.steps[0].observation.ok
    assert traj.steps[1].observation.text == "ran edited"  # the user's edited command ran
    assert (ws.root / "a.txt").read_text() == "one\n"
    assert any(e.kind == "approval" for e in traj.events)


def test_auto_edit_asks_only_for_commands_and_read_only_refuses_edits(ws, tmp_path):
    approver = Recorder([Decision(True)])
    model = script({"tool": "write", "args": {"path": "a.txt", "text": "x"}}, {"tool": "shell", "args": {"text": "ls"}},
                   {"tool": "submit"})
    run(ws, tmp_path, model, mode="auto-edit", kw={"approver": approver})
    assert [r.tool for r in approver.requests] == ["shell"]
    (ws.root / "a.txt").write_text("one\n")
    out = run(ws, tmp_path / "ro", script({"tool": "write", "args": {"path": "a.txt", "text": "x"}}, {"tool": "submit"}),
              mode="read-only")
    traj = read_trajectory(out.trajectory_path)
    assert "read-only" in traj.steps[0].observation.text and (ws.root / "a.txt").read_text() == "one\n"


def test_stop_and_user_messages(ws, tmp_path):
    control = RunControl()

    class Steered(ListModel):
        def complete(self, messages, tools):
            if self._next == 1:
                control.send("please also check b.txt")
            if self._next == 2:
                assert any("please also check b.txt" in str(m.get("content")) for m in messages)
                control.stop()
            return super().complete(messages, tools)

    model = Steered("s", [entry_to_reply({"tool": "echo", "args": {"text": str(i)}}, i) for i in range(5)])
    out = run(ws, tmp_path, model, kw={"control": control})
    traj = read_trajectory(out.trajectory_path)
    assert out.exit_reason == "stopped_by_user" and traj.result.exit_reason == "stopped_by_user"
    assert any(e.kind == "user_message" for e in traj.events)


def test_working_state_in_every_prompt_and_condensation_keeps_prompts_small(ws, tmp_path):
    seen: list[list[dict]] = []

    class Big(ListModel):
        def complete(self, messages, tools):
            seen.append(messages)
            return super().complete(messages, tools)

    big = "x" * 8000
    replies = [entry_to_reply({"tool": "note", "args": {"text": "bug is in a.txt"}}, 0)] + [
        entry_to_reply({"tool": "echo", "args": {"text": big + str(i)}}, i) for i in range(1, 200)]
    from patchsmith.tools.note import note_tool
    out = run_agent("fix it", ws, RunConfig(mode="full-auto", max_steps=200, context_budget=20_000,
                                            observation_budget=20_000),
                    tmp_path / "out", model=Big("b", replies), tools=[*TOOLS, note_tool])
    assert out.exit_reason == "max_steps"
    sizes = [sum(len(str(m.get("content") or "")) for m in msgs) for msgs in seen]
    assert max(sizes[50:]) < 20_000 * 4 * 1.2  # bounded by the budget, not by the step count
    assert all("bug is in a.txt" in str(msgs[-1]["content"]) for msgs in seen[1:])  # notes survive condensation
    assert "<working_state" in str(seen[-1][-1]["content"])


def test_context_length_error_condenses_and_retries(ws, tmp_path):
    calls = {"n": 0}

    class Tight(ListModel):
        def complete(self, messages, tools):
            calls["n"] += 1
            if sum(len(str(m.get("content") or "")) for m in messages) > 30_000:
                raise ContextLengthExceeded("maximum context length")
            return super().complete(messages, tools)

    replies = [entry_to_reply({"tool": "echo", "args": {"text": "y" * 9000 + str(i)}}, i) for i in range(8)]
    replies.append(Reply(text="", tool_calls=[entry_to_reply({"tool": "submit"}, 9).tool_calls[0]]))
    out = run(ws, tmp_path, Tight("t", replies), context_budget=10**9, observation_budget=10_000)
    traj = read_trajectory(out.trajectory_path)
    assert out.exit_reason == "submitted"
    assert any(e.kind == "condensed" for e in traj.events)


def test_secrets_are_masked_in_observations_and_trajectory(ws, tmp_path, monkeypatch):
    monkeypatch.setenv("MY_SERVICE_TOKEN", "tok-1234567890abcdef")
    out = run(ws, tmp_path, script({"tool": "echo", "args": {"text": "leak tok-1234567890abcdef"}}, {"tool": "submit"}))
    raw = out.trajectory_path.read_text()
    assert "tok-1234567890abcdef" not in raw and "***" in raw


def test_trajectory_is_readable_after_every_step(ws, tmp_path):
    lines_seen = []

    class Peek(ListModel):
        def complete(self, messages, tools):
            path = tmp_path / "out" / "trajectory.jsonl"
            lines_seen.append(len(path.read_text().splitlines()))
            return super().complete(messages, tools)

    run(ws, tmp_path, Peek("p", [entry_to_reply({"tool": "echo", "args": {"text": str(i)}}, i) for i in range(3)]
                       + [entry_to_reply({"tool": "submit"}, 3)]))
    assert lines_seen == [1, 2, 3, 4]  # header, then one flushed line per step
    header = json.loads((tmp_path / "out" / "trajectory.jsonl").read_text().splitlines()[0])
    assert header["type"] == "header" and "api_key" not in header["config"]
