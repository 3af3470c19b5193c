"""`note(text)`: the agent's own notes; the tool only acknowledges, working memory keeps the note."""

from __future__ import annotations

from pydantic import BaseModel, Field

from .base import MemoryUpdate, Tool
from .observation import Observation

DESCRIPTION = ("Write down a fact worth remembering (where the bug is, how tests run, your plan). Notes are shown "
               "to you in the working state every turn, even after old steps are condensed.")


class NoteArgs(BaseModel):
    text: str = Field(description="A fact or plan worth keeping for the rest of the run.", min_length=1)


def _remember(args: dict, obs: Observation) -> MemoryUpdate | None:
    return MemoryUpdate(note=str(args.get("text", "")).strip()) if obs.ok else None


note_tool = Tool(name="note", description=DESCRIPTION, args=NoteArgs, remember=_remember,
                 fn=lambda ws, a: Observation(text="Noted.", data={"note": a.text}))
