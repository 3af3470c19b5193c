"""`ask_user` end to end: the installed CLI, the real openai SDK against the local fake server, a real repo."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "cli"))
from fakeopenai import FakeOpenAI  # noqa: E402
from pilot import finish_and_quit, until  # noqa: E402
from repos import BUGGY_CALC, make_repo  # noqa: E402
from test_fix import patchsmith  # noqa: E402

ASK = {"text": "Should mean([]) raise or return 0?", "tool_calls": [{"name": "ask_user", "arguments": {
    "question": "What should mean([]) do?", "choices": ["raise ValueError", "return 0.0"]}}]}
FIX = {"text": "Fix the divisor.", "tool_calls": [{"name": "str_replace_editor", "arguments": {
    "command": "str_replace", "path": "calc/stats.py", "old_str": "sum(values) / (len(values) - 1)",
    "new_str": "sum(values) / len(values)"}}]}
SUBMIT = {"text": "Done.", "tool_calls": [{"name": "submit", "arguments": {}}]}


def _fix(calc: Path, tmp_path: Path, stdin: str, *extra: str) -> tuple[object, list[dict], FakeOpenAI]:
    out = tmp_path / "run"
    with FakeOpenAI(json.loads(json.dumps([ASK, FIX, SUBMIT]))) as server:
        proc = patchsmith("fix", "mean() is wrong", "--repo", str(calc), "--model", "gpt-4o-mini", "--base-url",
                          server.base_url, "--api-key", "sk-test", "--sandbox", "local", "--no-localize",
                          "--no-apply", "--output", str(out), *extra, stdin=stdin,
                          env={"data": str(tmp_path / "data")})
    lines = [json.loads(x) for x in (out / "trajectory.jsonl").read_text().splitlines()] if (out / "trajectory.jsonl").exists() else []
    return proc, lines, server


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"  # Textual's Pilot runs on asyncio only


@pytest.fixture
def calc(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "calc", BUGGY_CALC)


def test_a_question_answered_at_the_console_reaches_the_model(calc: Path, tmp_path: Path) -> None:
    proc, lines, server = _fix(calc, tmp_path, "2\n", "--mode", "auto-edit")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "What should mean([]) do?" in proc.stdout and "2. return 0.0" in proc.stdout
    assert "ask_user" in {t["function"]["name"] for t in server.requests[0]["tools"]}
    assert "ask_user" in server.requests[0]["messages"][0]["content"]  # the system prompt says when to ask
    # The reply to the ask_user call, as the model saw it on the next request: the chosen choice.
    tool_msgs = [m for m in server.requests[1]["messages"] if m["role"] == "tool"]
    assert tool_msgs[-1]["content"] == "The user answered: return 0.0"
    events = [x for x in lines if x["type"] == "event" and x["kind"] in ("question", "answer")]
    assert [e["kind"] for e in events] == ["question", "answer"]
    assert events[0]["text"] == "What should mean([]) do?" and events[0]["data"]["choices"][1] == "return 0.0"
    assert events[1]["text"] == "return 0.0" and events[1]["data"]["answered"] is True
    assert events[1]["data"]["steps_before"] == 1 and events[1]["data"]["source"] == "user"
    assert lines[-1]["exit_reason"] == "submitted"


def test_a_declined_question_tells_the_model_to_decide(calc: Path, tmp_path: Path) -> None:
    proc, lines, server = _fix(calc, tmp_path, "\n", "--mode", "auto-edit")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    tool_msgs = [m for m in server.requests[1]["messages"] if m["role"] == "tool"]
    assert tool_msgs[-1]["content"].startswith("The user declined to answer.")
    answer = next(x for x in lines if x["type"] == "event" and x["kind"] == "answer")
    assert answer["data"]["answered"] is False and answer["text"] == ""
    assert "declined" in proc.stdout


def test_no_ask_user_where_no_one_is_there(calc: Path, tmp_path: Path) -> None:
    # full-auto with stdin not a terminal: the tool is not offered, and a call to it is an unknown tool.
    proc, lines, server = _fix(calc, tmp_path, "", "--mode", "full-auto", "--sandbox", "bwrap")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "ask_user" not in {t["function"]["name"] for t in server.requests[0]["tools"]}
    assert "ask_user" not in server.requests[0]["messages"][0]["content"]
    first = next(x for x in lines if x["type"] == "step")
    assert not first["observation"]["ok"] and "unknown tool 'ask_user'" in first["observation"]["text"]
    assert not any(x["type"] == "event" and x["kind"] == "question" for x in lines)


def test_clarify_off_removes_the_tool_even_with_someone_there(calc: Path, tmp_path: Path) -> None:
    proc, lines, server = _fix(calc, tmp_path, "2\n", "--mode", "auto-edit", "--clarify", "off")
    assert "ask_user" not in {t["function"]["name"] for t in server.requests[0]["tools"]}



@pytest.mark.anyio
async def test_a_question_answered_in_the_live_view(tmp_path: Path) -> None:
    from patchsmith.agent.config import RunConfig
    from patchsmith.agent.runner import run_agent
    from patchsmith.tools.workspace import Workspace
    from patchsmith.tui.dialogs import QuestionScreen
    from patchsmith.tui.live import LiveApp

    repo = make_repo(tmp_path / "calc", BUGGY_CALC)
    ws = Workspace(root=repo, base="HEAD")
    out = tmp_path / "run"
    with FakeOpenAI(json.loads(json.dumps([ASK, FIX, SUBMIT]))) as server:
        config = RunConfig(model="gpt-4o-mini", base_url=server.base_url, api_key="sk-test", mode="full-auto",
                           localize=False)

        def start(observer, approver, control):  # as `fix --tui` does: the app answers questions
            return run_agent("mean() is wrong", ws, config, out, observer=observer, approver=approver,
                             control=control, asker=approver)

        app = LiveApp(start)
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: isinstance(app.screen, QuestionScreen), "a question", timeout=30)
            assert app.screen.question.text == "What should mean([]) do?"
            await pilot.press(*"raise it", "enter")
            await finish_and_quit(app, pilot, timeout=30)
    assert app.outcome.exit_reason == "submitted"
    tool_msgs = [m for m in server.requests[1]["messages"] if m["role"] == "tool"]
    assert tool_msgs[-1]["content"] == "The user answered: raise it"
    lines = [json.loads(x) for x in (out / "trajectory.jsonl").read_text().splitlines()]
    answer = next(x for x in lines if x["type"] == "event" and x["kind"] == "answer")
    assert answer["text"] == "raise it" and answer["data"]["answered"] is True
