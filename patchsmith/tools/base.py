"""The Tool contract: declared once; the model's JSON schema and its text-mode docs both derive from it."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from .observation import Observation
from .workspace import PathOutsideWorkspace, Workspace


@dataclass(frozen=True)
class Tool:
    name: str
    description: str  # one paragraph, written for the model
    args: type[BaseModel]
    fn: Callable[[Workspace, Any], Observation]
    mutates: bool = False  # edits files: needs approval in `ask` mode, refused in `read-only`
    runs_commands: bool = False  # runs arbitrary commands: needs approval unless full-auto

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
