"""The live view driving the real controller (`fix --tui`'s path): approvals in the UI reach run_agent."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from patchsmith.agent.config import RunConfig
from patchsmith.agent.models import ListModel
from patchsmith.agent.models.scripted import entry_to_reply
from patchsmith.agent.runner import run_agent
from patchsmith.tools.workspace import Workspace
from patchsmith.tui.dialogs import ApprovalScreen
from patchsmith.tui.live import LiveApp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from pilot import finish_and_quit, until  # noqa: E402
from repos import BUGGY_CALC, make_repo  # noqa: E402

pytestmark = pytest.mark.anyio

REPLIES = [
    {"thought": "Open the module.", "tool": "str_replace_editor", "args": {"command": "view", "path": "calc/stats.py"}},
    {"thought": "Fix the divisor.", "tool": "str_replace_editor", "args": {
        "command": "str_replace", "path": "calc/stats.py", "old_str": "(len(values) - 1)", "new_str": "len(values)"}},
    {"thought": "Try a shell command.", "tool": "bash", "args": {"command": "echo hello"}},
    {"thought": "Done.", "tool": "submit", "args": {}},
]


async def test_live_view_steers_the_real_controller(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "calc", BUGGY_CALC)
    ws = Workspace(root=repo, base="HEAD")
    model = ListModel("scripted", [entry_to_reply(r, i) for i, r in enumerate(REPLIES)])
    out = tmp_path / "run"

    def start(observer, approver, control):
        return run_agent("mean() divides by the wrong count", ws, RunConfig(mode="ask", localize=False), out,
                         model=model, observer=observer, approver=approver, control=control)

    app = LiveApp(start)
    async with app.run_test(size=(120, 40)) as pilot:
        async def approval() -> ApprovalScreen:
            await until(pilot, lambda: isinstance(app.screen, ApprovalScreen), "an approval prompt")
            return app.screen

        screen = await approval()  # the edit asks first (ask mode)
        assert screen.request.tool == "str_replace_editor" and "len(values)" in screen.request.preview
        await pilot.press("a")
        screen = await approval()  # then the command: deny it with a message for the agent
        assert screen.request.preview == "echo hello"
        await pilot.press("d", *"no shell please", "enter")
        await finish_and_quit(app, pilot)
    assert app.outcome.exit_reason == "submitted"
    assert "sum(values) / len(values)" in (repo / "calc" / "stats.py").read_text()
    lines = [json.loads(x) for x in (out / "trajectory.jsonl").read_text().splitlines()]
    bash = next(x for x in lines if x["type"] == "step" and x["action"]["tool"] == "bash")
    assert not bash["observation"]["ok"] and "no shell please" in bash["observation"]["text"]
    assert lines[-1]["type"] == "result" and lines[-1]["exit_reason"] == "submitted"
