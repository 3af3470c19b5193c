"""`submit`: end the run with the current diff as its result."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from .base import Tool
from .guard import git_errors_observed
from .observation import Observation, observe
from .workspace import Workspace

DESCRIPTION = ("Finish: submit the changes made so far (the diff of the working tree against the starting point) "
               "as the result. Call it once the fix is in and the tests pass; it ends the run.")


class SubmitArgs(BaseModel):
    model_config = ConfigDict(extra="ignore")  # models sometimes send a summary or {}: nothing to validate


def _files_in(patch: str) -> list[str]:
    return [line[len("diff --git a/"):].split(" b/", 1)[0] for line in patch.splitlines()
            if line.startswith("diff --git a/")]


def run_submit(ws: Workspace, args: SubmitArgs) -> Observation:
    patch = ws.diff()
    files = _files_in(patch)
    if patch.strip():
        text = (f"Submitted. The patch changes {len(files)} file{'s' if len(files) != 1 else ''}: "
                + ", ".join(files[:20]) + (" ..." if len(files) > 20 else ""))
    else:
        text = "Submitted with an empty patch: no file was changed."
    return observe(text, budget=ws.observation_budget, submitted=True, patch=patch, files=files)


submit_tool = Tool(name="submit", description=DESCRIPTION, args=SubmitArgs, fn=git_errors_observed(run_submit),
                   ends_run=True)
