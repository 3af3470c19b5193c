"""Working memory: the compact state rendered into every prompt, updated from each step."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, Field

from ..tools.base import MemoryUpdate
from .prompting import render

MAX_FILES_SHOWN = 20
MAX_EDITS_SHOWN = 15
MAX_NOTES = 20


class EditRecord(BaseModel):
    step: int
    path: str
    summary: str


class TestSummary(BaseModel):
    step: int
    summary: str
    failing: int | None = None


class WorkingMemory(BaseModel):
    files_viewed: list[str] = Field(default_factory=list)
    open_file: str | None = None
    window: tuple[int, int] | None = None
    edits: list[EditRecord] = Field(default_factory=list)
    last_tests: TestSummary | None = None
    failing_history: list[tuple[int, int]] = Field(default_factory=list)  # (step, failing count)
    notes: list[str] = Field(default_factory=list)
    hints: list[str] = Field(default_factory=list)

    def apply(self, step: int, update: MemoryUpdate | None) -> None:
        """Take in what a tool said its call changed (the tool decides; memory only keeps it bounded)."""
        if update is None:
            return
        if update.note is not None:
            self.notes = (self.notes + [update.note])[-MAX_NOTES:]
        if update.viewed is not None:
            if update.viewed in self.files_viewed:
                self.files_viewed.remove(update.viewed)
            self.files_viewed.append(update.viewed)  # most recent last
        if update.opened is not None:
            self.open_file, self.window = update.opened, update.window
        if update.edited is not None:
            self.edits.append(EditRecord(step=step, path=update.edited, summary=update.edit_summary))
            self.open_file = update.edited
        if update.tests is not None:
            self.last_tests = TestSummary(step=step, summary=update.tests, failing=update.failing)
            if update.failing is not None:
                self.failing_history.append((step, update.failing))

    def render(self, step: int, steps_left: int, template: Callable[..., str] = render) -> str:
        return template("state", step=step, steps_left=steps_left, notes=self.notes,
                      files_viewed=self.files_viewed[-MAX_FILES_SHOWN:], open_file=self.open_file,
                      window=self.window, edits=self.edits[-MAX_EDITS_SHOWN:], last_tests=self.last_tests)

    def snapshot(self) -> dict[str, Any]:
        """What the trajectory records each step: bounded, so recording costs the same at step 500 as at 10."""
        data = self.model_dump(exclude={"hints", "edits", "failing_history", "files_viewed"})
        data["files_viewed"] = self.files_viewed[-MAX_FILES_SHOWN:]
        data["edits"] = [e.model_dump() for e in self.edits[-MAX_EDITS_SHOWN:]]
        data["edit_count"] = len(self.edits)
        data["failing_history"] = self.failing_history[-MAX_FILES_SHOWN:]
        return data
