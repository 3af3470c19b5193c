"""`submit`: end the run with the current diff as its result."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from .base import Tool
from .guard import git_errors_observed
from .observation import Observation, observe

if TYPE_CHECKING:  # the workspace (sandbox, git snapshots) loads with a run, not with a reader of tools
    from .workspace import Workspace

DESCRIPTION = ("Finish: submit the changes made so far (the diff of the working tree against the starting point) "
               "as the result. Call it once the fix is in and the tests pass; it ends the run. Say how sure you "
               "are (`confidence`, 0 to 1) and name the parts of the patch you are unsure of (`unsure`), so the "
               "user knows where to look first.")


class UnsurePart(BaseModel):
    file: str = Field(description="The changed file, relative to the repository root.", min_length=1)
    start: int = Field(ge=1, description="First line (in the new file) of the doubtful part.")
    end: int = Field(ge=1, description="Last line of the doubtful part.")
    why: str = Field(description="One line: why you are unsure.", min_length=1, max_length=300)


class SubmitArgs(BaseModel):
    model_config = ConfigDict(extra="ignore")  # models sometimes send a summary or {}: nothing to validate
    confidence: float | None = Field(None, ge=0.0, le=1.0,
                                     description="How likely the patch fixes the issue, from 0 to 1.")
    unsure: list[UnsurePart] = Field(default_factory=list, max_length=20,
                                     description="Parts of the patch you are unsure of.")


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
    said: dict = {}  # only what the model stated: a plain submit keeps its plain data
    if args.confidence is not None:
        text += f" Confidence {args.confidence:.2f}."
        said["confidence"] = args.confidence
    if args.unsure:
        said["unsure"] = [u.model_dump() for u in args.unsure]
    return observe(text, budget=ws.observation_budget, submitted=True, patch=patch, files=files, **said)


submit_tool = Tool(name="submit", description=DESCRIPTION, args=SubmitArgs, fn=git_errors_observed(run_submit),
                   ends_run=True)
