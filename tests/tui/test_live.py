"""The live view against a fake driver that calls the observer/approver/control the way the controller will.

(The end-to-end test against the real controller, `fix --tui` over `run_agent`, comes with the runner.)
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from functools import partialmethod
from pathlib import Path

import pytest
from pilot import until
from textual.app import App
from textual.widgets import Input

from patchsmith.agent.events import ApprovalRequest, Approver, RunControl, RunObserver
from patchsmith.agent.trajectory import Event, Header, ObservationRecord, Result, Totals, TrajectoryWriter
from patchsmith.tui.detail import DetailView
from patchsmith.tui.dialogs import ApprovalScreen
from patchsmith.tui.live import LiveApp, run_live
from patchsmith.tui.step_list import StepList

from .builders import PROBLEM, scripted_steps

pytestmark = pytest.mark.anyio
SIZE = (120, 40)


@dataclass
class FakeDriver:
    """Header, steps (bash steps ask for approval), messages between steps, stop, result — like the controller."""

    path: Path
    endless: bool = False
    gate: threading.Event = field(default_factory=threading.Event)
    received: list[str] = field(default_factory=list)

    def __call__(self, observer: RunObserver, approver: Approver, control: RunControl) -> str:
        writer = TrajectoryWriter(self.path)
        header = Header(run_id="live", task={"instance_id": "demo__live-1", "problem_statement": PROBLEM})
        writer.write(header)
        observer.on_header(header)
        steps = scripted_steps(extra=1)
        exit_reason = "submitted"
        i = 0
        while True:
            if control.stop_requested.is_set():
                exit_reason = "stopped_by_user"
                break
            if not self.endless and i >= len(steps):
                break
            for text in control.drain():
                self.received.append(text)
                event = Event(kind="user_message", text=text)
                writer.write(event)
                observer.on_event(event)
            step = steps[i % len(steps)].model_copy(deep=True, update={"index": i})
            if step.action and step.action.tool == "bash" and (not self.endless or i < len(steps)):
                decision = approver.decide(ApprovalRequest(tool="bash", args=dict(step.action.args),
                                                           preview=step.action.args["command"],
                                                           reason="ask mode: commands need approval"))
                if not decision.approved:
                    step.observation = ObservationRecord(text=f"Denied by the user: {decision.message}", ok=False,
                                                         error=decision.message)
                elif decision.args is not None:
                    step.action.args = decision.args
            writer.write(step)
            observer.on_step(step)
            i += 1
            if self.endless:
                time.sleep(0.02)
        if not self.endless:
            self.gate.wait(10)
            self.received += control.drain()
        result = Result(exit_reason=exit_reason, totals=Totals(steps=i))
        writer.write(result)
        observer.on_result(result)
        writer.close()
        return exit_reason


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


async def test_live_approve_deny_edit_and_message(tmp_path: Path) -> None:
    driver = FakeDriver(tmp_path / "trajectory.jsonl")
    app = LiveApp(driver)
    async with app.run_test(size=SIZE) as pilot:
        # first bash step: deny with a message to the agent
        await until(pilot, lambda: isinstance(app.screen, ApprovalScreen))
        assert "python -c" in app.screen.request.preview
        assert "Step 4 of 4" in app.query_one(DetailView).plain_text()  # the newest step, drawn as it came
        await pilot.press("d", *"use the tests", "enter")
        # second bash step: edit the command
        await until(pilot, lambda: isinstance(app.screen, ApprovalScreen) and "part0" in app.screen.request.preview)
        await pilot.press("e")
        app.screen.query_one(Input).value = "ls -la src"
        await pilot.press("enter")
        await until(pilot, lambda: len(app.model) == len(scripted_steps(extra=1)))
        steps = app.screen.query_one(StepList)
        assert steps.current == len(app.model) - 1  # the view follows the newest step
        await pilot.press("m", *"thanks", "enter")
        driver.gate.set()
        await until(pilot, lambda: app.finished.is_set() and app.model.result is not None)
        await pilot.pause()
        assert "outcome: submitted" in str(app.query_one("#totals").content)
        await pilot.press("q")
    assert app.outcome == "submitted"
    assert driver.received == ["thanks"]
    lines = _lines(driver.path)
    bash = [ln for ln in lines if ln.get("type") == "step" and ln["action"]["tool"] == "bash"]
    assert bash[0]["observation"]["text"] == "Denied by the user: use the tests"
    assert bash[1]["action"]["args"]["command"] == "ls -la src"
    assert lines[-1]["type"] == "result" and lines[-1]["exit_reason"] == "submitted"


async def test_live_stop_ends_with_stopped_by_user(tmp_path: Path) -> None:
    driver = FakeDriver(tmp_path / "trajectory.jsonl", endless=True)
    app = LiveApp(driver)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, ApprovalScreen))
        await pilot.press("a")
        await until(pilot, lambda: len(app.model) >= 6)
        await pilot.press("s")
        await until(pilot, lambda: app.finished.is_set())
        assert not isinstance(app.screen, ApprovalScreen)
        await pilot.pause()
        assert "stopped_by_user" in str(app.query_one("#live-state").content)
        await pilot.press("q")
    assert app.outcome == "stopped_by_user"
    last = _lines(driver.path)[-1]
    assert last["type"] == "result" and last["exit_reason"] == "stopped_by_user"


async def test_quit_while_running_stops_the_agent_first(tmp_path: Path) -> None:
    driver = FakeDriver(tmp_path / "trajectory.jsonl", endless=True)
    app = LiveApp(driver)
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(2):  # the two bash steps of the first round
            await until(pilot, lambda: isinstance(app.screen, ApprovalScreen))
            await pilot.press("a")
            await pilot.pause()
        await until(pilot, lambda: len(app.model) >= 8)
        await pilot.press("q")  # stops the agent; the window closes once it has stopped
        await until(pilot, lambda: app.finished.is_set())
    assert app.outcome == "stopped_by_user"
    assert _lines(driver.path)[-1]["exit_reason"] == "stopped_by_user"


async def test_live_shows_a_streamed_reply_as_it_arrives(tmp_path: Path) -> None:
    pieces = ["Looking at ", "the \x1b[31mtests", " first."]

    def streaming(observer: RunObserver, approver: Approver, control: RunControl) -> str:
        for piece in pieces:
            observer.on_delta(piece)  # type: ignore[attr-defined] - the live observer takes a stream
        control.stop_requested.wait(10)
        return "stopped"

    app = LiveApp(streaming)
    async with app.run_test(size=SIZE) as pilot:
        state = app.query_one("#live-state")
        await until(pilot, lambda: "first." in str(state.content))
        shown = str(state.content)
        assert "model writing: Looking at the" in shown and "tests first." in shown and "\x1b" not in shown
        await pilot.press("s")
        await pilot.press("q")


def test_run_live_returns_the_outcome_and_reraises(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(LiveApp, "run", partialmethod(App.run, headless=True, size=SIZE))

    def start(observer: RunObserver, approver: Approver, control: RunControl) -> str:
        observer.on_header(Header(task={"problem_statement": "x"}))
        for step in scripted_steps()[:3]:
            observer.on_step(step)
        observer.on_result(Result(exit_reason="submitted"))
        approver.call_from_thread(approver.exit)  # type: ignore[attr-defined]  # stands in for the user's q
        return "OUTCOME"

    assert run_live(start) == "OUTCOME"

    def failing(observer: RunObserver, approver: Approver, control: RunControl) -> str:
        approver.call_from_thread(approver.exit)  # type: ignore[attr-defined]
        raise ValueError("model endpoint refused the request")

    with pytest.raises(ValueError, match="refused"):
        run_live(failing)
