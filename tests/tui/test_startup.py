"""What `patchsmith inspect FILE` loads before its first paint: a reader of one trajectory pays for neither
git (GitPython, the workspace, sandboxes), the test runners' parsers, the harness, nor the screens it does not
show. Measured in a fresh interpreter, since this process has imported everything already."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from patchsmith.agent.trajectory import read_trajectory
from patchsmith.tui.exporters import to_swe_agent

from .builders import write_run

ROOT = Path(__file__).resolve().parents[2]

# Run in a child: open the file as the CLI does, paint the first screen under Pilot, report the modules.
CHILD = """
import asyncio, json, sys
from pathlib import Path
from patchsmith.cli.inspect import open_target
from patchsmith.tui.inspector import InspectorApp

async def main():
    app = InspectorApp(open_target(Path(sys.argv[1])))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = app.screen.query_one("StepList").render_line(0).text
    print(json.dumps({"first_row": screen, "modules": sorted(sys.modules)}))

asyncio.run(main())
"""

NOT_BEFORE_FIRST_PAINT = ["git", "patchsmith.tools.workspace", "patchsmith.tools.sandbox", "patchsmith.tools.testing",
                          "patchsmith.tools.index", "patchsmith.harness", "patchsmith.agent.models",
                          "patchsmith.agent.runner", "patchsmith.tui.runs", "patchsmith.tui.batch",
                          "patchsmith.tui.compare", "patchsmith.tui.dialogs", "patchsmith.tui.html_export", "pygments"]


def _first_paint_modules(path: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True, env=env,
                         timeout=120, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_first_paint_of_our_run_and_a_swe_agent_traj_loads_only_what_it_shows(tmp_path: Path) -> None:
    ours = write_run(tmp_path / "run.jsonl")
    swe = tmp_path / "run.traj"  # as SWE-agent writes it: without the record of our own steps the export adds
    doc = to_swe_agent(read_trajectory(ours))
    for step in doc["trajectory"]:
        step.pop("extra_info")
    swe.write_text(json.dumps(doc))
    for path in (ours, swe):
        seen = _first_paint_modules(path)
        assert "search" in seen["first_row"] and "def p" in seen["first_row"], seen["first_row"]
        loaded = [m for m in NOT_BEFORE_FIRST_PAINT if m in seen["modules"]]
        assert loaded == [], f"{path.name}: loaded before the first paint: {loaded}"
        assert "patchsmith.tools.registry" in seen["modules"]  # the step list's summaries come from the tools
