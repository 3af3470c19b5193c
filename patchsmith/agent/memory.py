"""Working memory: the compact state rendered into every prompt, updated from each step."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from ..tools.base import Tool
from ..tools.observation import Observation
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

    def update(self, step: int, tool: str, args: dict[str, Any], obs: Observation) -> None:
        if tool == "note" and obs.ok:
            self.notes = (self.notes + [str(args.get("text", "")).strip()])[-MAX_NOTES:]
        elif tool == "str_replace_editor" and obs.ok:
            self._editor(step, args, obs)
        elif tool == "run_tests":
            self._tests(step, obs)
        elif tool == "outline" and obs.ok and args.get("path"):
            self._viewed(str(args["path"]))

    def _viewed(self, path: str) -> None:
        if path in self.files_viewed:
            self.files_viewed.remove(path)
        self.files_viewed.append(path)  # most recent last

    def _editor(self, step: int, args: dict[str, Any], obs: Observation) -> None:
        command, path = args.get("command"), str(args.get("path", ""))
        if command == "view":
            self._viewed(path)
            if obs.data.get("kind") != "directory":
                self.open_file = path
                rng = args.get("view_range")
                self.window = (int(rng[0]), int(rng[1])) if isinstance(rng, list) and len(rng) == 2 else None
            return
        summary = {"create": "created", "insert": f"inserted after line {args.get('insert_line')}",
                   "undo_edit": "undid last edit"}.get(str(command), "replaced text")
        diff = str(obs.data.get("diff", ""))
        if diff:
            plus = sum(1 for ln in diff.splitlines() if ln.startswith("+") and not ln.startswith("+++"))
            minus = sum(1 for ln in diff.splitlines() if ln.startswith("-") and not ln.startswith("---"))
            summary += f", +{plus}/-{minus} lines"
        self.edits.append(EditRecord(step=step, path=path, summary=summary))
        self.open_file = path

    def _tests(self, step: int, obs: Observation) -> None:
        counts = obs.data.get("counts") or {}
        if not counts and not obs.ok and not obs.data:
            return  # refused or denied: no test ran, the last real result still stands
        failing_ids = [t.get("id") for t in obs.data.get("tests", []) if t.get("status") in ("failed", "error")]
        if counts:
            failing = int(counts.get("failed", 0)) + int(counts.get("error", 0))
            text = ", ".join(f"{v} {k}" for k, v in counts.items() if v)
            if failing_ids:
                text += "; failing: " + ", ".join(failing_ids[:5]) + (" ..." if len(failing_ids) > 5 else "")
        else:
            failing = None
            text = obs.text.splitlines()[0][:200] if obs.text else "no result"
        self.last_tests = TestSummary(step=step, summary=text or "no tests ran", failing=failing)
        if failing is not None:
            self.failing_history.append((step, failing))

    def render(self, step: int, steps_left: int) -> str:
        return render("state", step=step, steps_left=steps_left, notes=self.notes,
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


class NoteArgs(BaseModel):
    text: str = Field(description="A fact or plan worth keeping for the rest of the run.", min_length=1)


def make_note_tool() -> Tool:
    """`note(text)`: the agent's own notes, kept in working memory (the tool itself only acknowledges)."""
    return Tool(name="note", args=NoteArgs,
                description="Write down a fact worth remembering (where the bug is, how tests run, your plan). "
                            "Notes are shown to you in the working state every turn, even after old steps "
                            "are condensed.",
                fn=lambda ws, a: Observation(text="Noted.", data={"note": a.text}))
