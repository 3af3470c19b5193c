"""Small tools of the tests' own for driving the controller without the real toolset: a file write, an
echo, a pretend shell command and a submit (real `Tool` declarations, run on a real workspace)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from patchsmith.agent.models import ListModel
from patchsmith.agent.models.scripted import entry_to_reply
from patchsmith.tools.base import Tool
from patchsmith.tools.observation import Observation
from patchsmith.tools.workspace import Workspace


class WriteArgs(BaseModel):
    path: str
    text: str


class EchoArgs(BaseModel):
    text: str = Field(default="")


class NoArgs(BaseModel):
    pass


def _write(ws: Workspace, a: WriteArgs) -> Observation:
    ws.resolve(a.path).write_text(a.text)
    return Observation(text=f"wrote {a.path}")


WRITE = Tool("write", "Write a file.", WriteArgs, _write, mutates=True)
ECHO = Tool("echo", "Echo.", EchoArgs, lambda ws, a: Observation(text=a.text or "(nothing)"))
SHELL = Tool(
    "shell", "Pretend command.", EchoArgs, lambda ws, a: Observation(text="ran " + a.text), runs_commands=True
)
SUBMIT = Tool(
    "submit",
    "Submit.",
    NoArgs,
    lambda ws, a: Observation(text="submitted", data={"submitted": True}),
    ends_run=True,
)


def script(*entries: dict) -> ListModel:
    """A model that replies with `entries` (scripted-file entries: thought, tool, args) in order."""
    return ListModel("test", [entry_to_reply(e, i) for i, e in enumerate(entries)])
