"""Run configuration: one typed object, so a bad value fails with a message naming the field.

Every field carries its default, its constraint and its help text here, and nowhere else: the CLI derives
its options from these fields (cli/options.py), a TOML file given with `--config` and `-c key=value`
overrides are checked against them, and the tools read the same contract defaults (tools/observation.py,
tools/sandbox/base.py). `json_schema_extra={"flag": ...}` names a CLI flag that differs from the field name.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..tools.modes import Mode
from ..tools.observation import DEFAULT_BUDGET
from ..tools.sandbox.base import DEFAULT_TIMEOUT, SandboxKind

__all__ = ["Mode", "RunConfig", "SandboxKind"]


class RunConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", protected_namespaces=())  # a misspelt key is an error, not ignored

    model: str = Field("scripted", description="NAME of an OpenAI-compatible model, scripted:FILE or "
                                               "replay:TRAJECTORY")
    base_url: str | None = Field(None, description="OpenAI-compatible endpoint (default: $OPENAI_BASE_URL or "
                                                   "OpenAI)")
    api_key: str | None = Field(None, description="API key (default: $OPENAI_API_KEY)")
    text_mode: bool = Field(False, description="the endpoint has no tool calling: parse actions from the reply "
                                               "text")
    stream: bool = Field(False, description="stream the model's reply as it is written (shown as it arrives; "
                                            "usage still counted, via stream_options.include_usage)")
    temperature: float = Field(0.0, ge=0.0, le=2.0, description="sampling temperature")
    max_retries: int = Field(5, ge=0, description="retries on rate limits and server errors, with backoff",
                             json_schema_extra={"flag": "--retries"})
    request_timeout: float = Field(300.0, gt=0, description="seconds one model request may take in all (a hung "
                                   "or trickling endpoint counts as a transient failure and is retried); never "
                                   "beyond what is left of --max-time")
    max_steps: int = Field(50, ge=1, description="stop after this many steps")
    max_tokens: int | None = Field(None, ge=1, description="stop after this many prompt+completion tokens")
    reply_tokens: int | None = Field(None, ge=1, description="at most this many tokens in one reply (sent as the "
                                     "request's max_tokens; a small local model may otherwise ramble to its window)")
    max_cost: float | None = Field(None, gt=0, description="stop after this many dollars")
    max_wall_s: float | None = Field(None, gt=0, description="stop after this many seconds of wall time",
                                     json_schema_extra={"flag": "--max-time", "aliases": ["--agent-timeout"]})
    context_budget: int = Field(60_000, ge=1, description="tokens of history before old steps are condensed")
    observation_budget: int = Field(DEFAULT_BUDGET, ge=100, description="characters of one observation the "
                                                                        "model sees")
    command_timeout: float = Field(DEFAULT_TIMEOUT, gt=0, description="seconds one command may run")
    repeat_limit: int = Field(3, ge=2, description="the same action this many times in a row with the same "
                                                   "result stops the run")
    mode: Mode = Field("ask", description="which actions need your approval")
    sandbox: SandboxKind = Field("auto", description="where commands run: auto (bwrap where it works, else "
                                                     "local with a warning), local, bwrap or docker")
    strategy: str = Field("react", description="inference-time method: react, direct, self-refine[:K], "
                                                "reflexion[:K], retry[:K], warming[:K], escalation, "
                                                "best-of-N[:react|direct] (see the README)")
    budget_per_task: str | None = Field(None, description="across all of a task's attempts: dollars (0.50) or "
                                                          "tokens (20000tok, 20k tokens); no attempt starts that "
                                                          "the rest cannot pay for")
    escalate_to: str | None = Field(None, description="escalation: the stronger model for the second attempt",
                                    json_schema_extra={"flag": "--escalate-to"})
    seed: int | None = Field(None, description="sampling seed (attempt i uses seed + i - 1), sent to endpoints "
                                               "that support it")
    test_command: str | None = Field(None, description="command that runs the tests (default: auto-detected)")
    clarify: Literal["ask", "off", "hints"] = Field(
        "ask", description="the ask_user tool: ask (questions go to you when someone is at the terminal; "
                           "absent otherwise), off (never offered), hints (evaluation: answered from the "
                           "task's hints_text; the report keeps these runs apart)")
    localize: bool = Field(True, description="rank the code against the issue at the start and seed working "
                                             "memory with it", json_schema_extra={"flag": "--no-localize"})
    instructions: bool = Field(True, description="show the repository's AGENTS.md / CLAUDE.md / "
                                                 "copilot-instructions / CONVENTIONS.md files to the agent")
    instructions_budget: int = Field(2_000, ge=0, description="tokens for the repository's instruction files")
    memory: bool = Field(True, description="recall what earlier runs in this repository taught, and store what "
                                           "this one teaches")
    memory_budget: int = Field(600, ge=0, description="tokens of recalled memory in the task prompt")
    price_prompt: float | None = Field(None, ge=0, description="$ per 1M prompt tokens, when the endpoint does "
                                                               "not report cost")
    price_completion: float | None = Field(None, ge=0, description="$ per 1M completion tokens")
    prompts_dir: Path | None = Field(None, description="folder of prompt templates (NAME.j2) replacing the "
                                                       "built-in ones of the same name; see "
                                                       "patchsmith/prompts/README.md")

    @field_validator("strategy")
    @classmethod
    def _known_strategy(cls, spec: str) -> str:
        from .strategies import check_strategy  # local: the strategies import this module

        return check_strategy(spec)

    @field_validator("budget_per_task")
    @classmethod
    def _budget(cls, text: str | None) -> str | None:
        from .strategies import parse_budget

        parse_budget(text)  # raises with the accepted forms
        return text

    @field_validator("prompts_dir")
    @classmethod
    def _known_templates(cls, folder: Path | None) -> Path | None:
        if folder is None:
            return None
        from .prompting import TEMPLATES  # local: prompting imports jinja2, which plain config users skip

        folder = Path(folder).expanduser().resolve()
        if not folder.is_dir():
            raise ValueError(f"{folder} is not a folder")
        unknown = sorted(p.stem for p in folder.glob("*.j2") if p.stem not in TEMPLATES)
        if unknown:
            raise ValueError(f"{folder} holds templates no prompt uses ({', '.join(unknown)}); known: "
                             f"{', '.join(TEMPLATES)}")
        return folder
