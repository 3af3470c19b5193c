"""Run configuration: one typed object, so a bad value fails with a message naming the field."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

Mode = Literal["read-only", "ask", "auto-edit", "full-auto"]


class RunConfig(BaseModel):
    model: str = "scripted"  # NAME (OpenAI-compatible), scripted:FILE, replay:TRAJECTORY
    base_url: str | None = None
    api_key: str | None = None
    text_mode: bool = False  # parse the action from the reply text instead of native tool calls
    temperature: float = 0.0
    max_retries: int = 5  # rate limits and transient server errors, with backoff
    max_steps: int = 50
    max_tokens: int | None = None  # prompt + completion over the run
    max_cost: float | None = None  # dollars
    max_wall_s: float | None = None
    context_budget: int = 60_000  # tokens of history before old steps are condensed
    observation_budget: int = 12_000  # characters per observation
    command_timeout: float = 120.0
    repeat_limit: int = 3  # the same action this many times in a row without a change stops the run
    mode: Mode = "ask"
    sandbox: str = "auto"  # bwrap where it works, else local with a warning
    strategy: str = "react"
    test_command: str | None = None
    localize: bool = True  # rank the code against the issue at the start and seed working memory with it
    instructions: bool = True  # the repository's AGENTS.md / CLAUDE.md / copilot / CONVENTIONS files in the prompt
    instructions_budget: int = 2_000  # tokens for instruction files
    memory: bool = True  # recall what earlier runs in this repository taught, and store what this one teaches
    memory_budget: int = 600  # tokens of recalled memory in the task prompt
    price_prompt: float | None = None  # $/1M tokens, when the endpoint does not report cost
    price_completion: float | None = None
