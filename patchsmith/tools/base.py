"""The Tool contract: declared once; the model's JSON schema and its text-mode docs both derive from it.

A tool also owns what other layers used to decide by its name: whether a call needs approval in a permission
mode, the preview an approver sees, a one-line summary, what the call tells working memory, whether it ends
the run, and how an inspector shows it. Each is an optional hook with a default that fits a plain tool.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from .guard import PathOutsideWorkspace
from .modes import Mode
from .observation import Observation

if TYPE_CHECKING:  # the workspace (sandbox, git snapshots) loads with a run, not with a reader of tools
    from .workspace import Workspace

Args = dict[str, Any]


@dataclass(frozen=True)
class MemoryUpdate:
    """What one call tells the agent's working memory (plain data; the agent layer applies it)."""

    viewed: str | None = None  # a file looked at (most recent last)
    opened: str | None = None  # the file now open in the editor, showing `window`
    window: tuple[int, int] | None = None
    edited: str | None = None  # a file changed, described by `edit_summary`
    edit_summary: str = ""
    tests: str | None = None  # a one-line result of a test run
    failing: int | None = None  # failing tests in that run, when known
    note: str | None = None  # a note the agent wrote for itself


@dataclass(frozen=True)
class Tool:
    name: str
    description: str  # one paragraph, written for the model
    args: type[BaseModel]
    fn: Callable[[Workspace, Any], Observation]
    mutates: bool = False  # edits files: needs approval in `ask` mode, refused in `read-only`
    runs_commands: bool = False  # runs arbitrary commands: needs approval unless full-auto
    ends_run: bool = False  # a successful call finishes the run (submit)
    explores: bool = False  # a way to find code: the system prompt names it in its first step
    runs_tests: bool = False  # its observation data carries a test run (counts, tests): reports read it
    # Optional hooks, each taking the call's raw arguments (a dict the model sent, possibly malformed).
    edits: Callable[[Args], bool] | None = None  # which calls of a mutating tool change files (default all)
    preview_of: Callable[[Args], str] | None = None  # what an approver is shown
    summary_of: Callable[[Args, Args], str] | None = None  # one line from args and observation data
    remember: Callable[[Args, Observation], MemoryUpdate | None] | None = None  # working memory's view
    diff_of: Callable[[Args, Args], str | None] | None = None  # the change a call made, for inspectors
    path_of: Callable[[Args], str | None] | None = None  # the file a call opens or edits, for reports

    # -- behaviour other layers ask the tool about ---------------------------------------------------
    def changes_files(self, args: Args) -> bool:
        return self.mutates and (self.edits is None or self.edits(args))

    def refusal(self, args: Args, mode: Mode) -> str | None:
        """Why the call may never run in `mode` (no approval could allow it), or None."""
        if mode == "read-only" and self.changes_files(args):
            return "the run is in read-only mode: files cannot be edited. Investigate and report instead."
        return None

    def approval_reason(self, args: Args, mode: Mode) -> str | None:
        """None when the call may run freely in `mode`; otherwise why it needs the user's approval."""
        if mode == "full-auto":
            return None
        if self.runs_commands:
            return f"{mode} mode asks before running commands"
        if mode == "ask" and self.changes_files(args):
            return "ask mode asks before editing files"
        return None

    def preview(self, args: Args) -> str:
        if self.preview_of is not None:
            return self.preview_of(args)
        if self.runs_commands and "command" in args:
            return str(args["command"])
        return json.dumps(args)[:500]

    def summary(self, args: Args, data: Args) -> str:
        return self.summary_of(args, data) if self.summary_of is not None else plain_summary(args)

    def memory_update(self, args: Args, obs: Observation) -> MemoryUpdate | None:
        return self.remember(args, obs) if self.remember is not None else None

    def parameters(self) -> dict[str, Any]:
        schema = self.args.model_json_schema()
        schema.pop("title", None)
        for prop in schema.get("properties", {}).values():
            prop.pop("title", None)
        schema.setdefault("properties", {})
        return schema

    def openai_schema(self) -> dict[str, Any]:
        return {"type": "function",
                "function": {"name": self.name, "description": self.description, "parameters": self.parameters()}}

    def usage_doc(self) -> str:
        """The same declaration, written out for text-mode prompts."""
        params = self.parameters()
        required = set(params.get("required", []))
        lines = [f"### {self.name}", self.description]
        for pname, spec in params["properties"].items():
            kind = spec.get("type") or " | ".join(s.get("type", "?") for s in spec.get("anyOf", []))
            if "enum" in spec:
                kind = " | ".join(map(json.dumps, spec["enum"]))
            need = "required" if pname in required else "optional"
            lines.append(f"- `{pname}` ({kind}, {need}): {spec.get('description', '')}".rstrip(": "))
        return "\n".join(lines)

    def __call__(self, ws: Workspace, raw_args: dict[str, Any] | str | None) -> Observation:
        """Validate model-supplied arguments; any mistake becomes an observation that teaches the right call."""
        if isinstance(raw_args, str):
            try:
                raw_args = json.loads(raw_args) if raw_args.strip() else {}
            except json.JSONDecodeError as exc:
                return Observation.fail(f"arguments for {self.name} are not valid JSON ({exc.msg} at char "
                                        f"{exc.pos}); send a JSON object matching: {json.dumps(self.parameters())}")
        if raw_args is None:
            raw_args = {}
        if not isinstance(raw_args, dict):
            return Observation.fail(f"arguments for {self.name} must be a JSON object, got {type(raw_args).__name__}")
        try:
            args = self.args.model_validate(raw_args)
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'arguments'}: {e['msg']}" for e in exc.errors())
            return Observation.fail(f"bad arguments for {self.name}: {problems}. Expected schema: "
                                    f"{json.dumps(self.parameters())}")
        try:
            return self.fn(ws, args)
        except PathOutsideWorkspace as exc:
            return Observation.fail(str(exc))
        except (OSError, UnicodeError, ValueError) as exc:
            return Observation.fail(f"{self.name} failed: {exc}")


def plain_summary(args: Args) -> str:
    """A call described in one line when its tool has no summary of its own (or is not one of ours)."""
    if "command" in args and len(args) == 1:
        return str(args["command"])
    return json.dumps(args, ensure_ascii=False) if args else ""
