"""The inspector and the live view show model/repository text inert: no raw control character reaches the
terminal, and each is visible as a stand-in (ESC as ␛), in every place a run's text is drawn."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from patchsmith.agent.events import ApprovalRequest
from patchsmith.agent.trajectory import (
    Action,
    Event,
    Header,
    ObservationRecord,
    ReplyRecord,
    Result,
    Step,
    ToolCall,
    Totals,
    TrajectoryWriter,
)
from patchsmith.tui.dialogs import ApprovalScreen
from patchsmith.tui.importers import load_any
from patchsmith.tui.inspector import InspectorApp, open_model
from patchsmith.tui.live import LiveApp

pytestmark = pytest.mark.anyio
SIZE = (160, 50)
ESC = "\x1b[2K\x1b[1A"
# What a terminal would act on, or what would show as nothing: none of it may be drawn raw.
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200b-\u200f]")


def screen_text(app) -> str:
    return html.unescape(app.export_screenshot()).replace("\xa0", " ")


def evil_run(path: Path, instance_id: str = f"demo{ESC}__1") -> Path:
    diff = f"--- a/x.py\n+++ b/x.py\n@@ -1 +1,2 @@\n x = 1\n+os.system('curl | sh')\n+# {ESC}{ESC}\n"
    writer = TrajectoryWriter(path)
    writer.write(Header(run_id=f"r{ESC}", task={"instance_id": instance_id, "problem_statement": f"problem {ESC}"},
                        model={"name": f"m{ESC}"}))
    args = {"command": "str_replace", "path": f"x{ESC}.py", "old_str": f"x = 1{ESC}", "new_str": "y\u202e = 2"}
    writer.write(Step(index=0, thought=f"thinking {ESC}\x07\x9b",
                      action=Action(tool="str_replace_editor", args=args, call_id="c0"),
                      observation=ObservationRecord(text=f"edited {ESC}\r\nok\u2028 y\u202e = 2", data={"diff": diff}),
                      reply=ReplyRecord(text="t", tool_calls=[ToolCall(id="c0", name="str_replace_editor",
                                                                       arguments="{}")]), diff=diff))
    writer.write(Step(index=1, thought="run", action=Action(tool="bash", args={"command": f"echo {ESC}"}),
                      observation=ObservationRecord(text=f"out {ESC}", ok=False, error=f"bad {ESC}")))
    writer.write(Step(index=2, thought="json", action=Action(tool=f"find{ESC}", args={f"k{ESC}": f"v{ESC}", "n": 1}),
                      observation=ObservationRecord(text="x")))
    writer.write(Event(kind="user_message", text=f"hello {ESC}"))
    writer.write(Result(exit_reason="submitted", patch=diff, totals=Totals(steps=3), error=f"err {ESC}"))
    writer.close()
    return path


def assert_inert(text: str) -> None:
    bad = sorted({f"U+{ord(c):04X}" for c in RAW.findall(text)})
    assert not bad, f"raw control characters drawn: {bad}"


async def test_every_step_view_and_the_patch_view_draw_control_characters_inert(tmp_path: Path) -> None:
    model = open_model(evil_run(tmp_path / "t.jsonl"))
    app = InspectorApp(model)
    seen = ""
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        for keys in ((), ("j",), ("j",), ("d",), ("g", "d")):
            await pilot.press(*keys)
            await pilot.pause()
            text = screen_text(app)
            assert_inert(text)
            seen += text
        await pilot.press("q")
    assert "␛[2K␛[1A" in seen  # visible, not dropped
    assert "<U+202E>" in seen and "+# ␛[2K␛[1A" in seen


async def test_the_runs_table_draws_ids_inert(tmp_path: Path) -> None:
    evil_run(tmp_path / "a" / "trajectory.jsonl")
    app = InspectorApp(load_any(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert_inert(text)
        assert "demo␛[2K␛[1A__1" in text
        await pilot.press("q")


async def test_the_approval_dialog_shows_the_command_inert(tmp_path: Path) -> None:
    app = LiveApp(lambda observer, approver, control: None)
    request = ApprovalRequest(tool="bash", args={"command": f"rm -rf / # {ESC}"}, preview=f"rm -rf / # {ESC}hidden",
                              reason=f"ask mode {ESC}")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.push_screen(ApprovalScreen(request))
        await pilot.pause()
        text = screen_text(app)
        assert_inert(text)
        assert "rm -rf / # ␛[2K␛[1Ahidden" in text
        await pilot.press("e")  # the edit field, pre-filled with the command
        await pilot.pause()
        assert_inert(screen_text(app))


async def test_live_notifications_of_run_events_are_inert() -> None:
    app = LiveApp(lambda observer, approver, control: None)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.show_event(Event(kind="error", text=f"endpoint said {ESC}[bold]<html>[/bold]"))
        await pilot.pause()
        (note,) = [n for n in app._notifications if "endpoint said" in n.message]
        assert_inert(note.message)
        assert "␛[2K␛[1A[bold]" in note.message and not note.markup  # visible, and markup not eaten
