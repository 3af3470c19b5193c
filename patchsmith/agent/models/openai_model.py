"""Any OpenAI-compatible endpoint through the `openai` SDK, with our own retry policy."""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Sequence
from typing import Any

import openai

from ...tools.base import Tool
from ..trajectory import ToolCall, Usage
from .base import ContextLengthExceeded, ModelError, Reply, estimate_messages_tokens, estimate_tokens
from .pricing import cost_of, price_for
from .textmode import parse_action

CONTEXT_MARKERS = ("context_length_exceeded", "maximum context length", "context length", "too many tokens",
                   "prompt is too long", "exceeds the context window")


def _retry_after(exc: openai.APIStatusError) -> float | None:
    headers = exc.response.headers if exc.response is not None else {}
    for name in ("retry-after-ms", "retry-after"):
        value = headers.get(name)
        if value:
            try:
                seconds = float(value)
            except ValueError:
                return None
            return seconds / 1000 if name.endswith("ms") else seconds
    return None


class OpenAIModel:
    def __init__(self, name: str, *, base_url: str | None = None, api_key: str | None = None,
                 text_mode: bool = False, temperature: float = 0.0, max_retries: int = 5,
                 request_timeout: float = 300.0, backoff_base: float = 1.0, max_backoff: float = 60.0,
                 price: tuple[float, float] | None = None, sleep: Callable[[float], None] = time.sleep,
                 seed: int | None = None):
        self.name = name
        self.seed = seed  # sent when set: endpoints that support it sample reproducibly
        self.text_mode = text_mode
        self.temperature = temperature
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.max_backoff = max_backoff
        self.price = price if price is not None else price_for(name)
        self._sleep = sleep
        self.retries = 0  # seen by tests and reported in the trajectory
        # The SDK's own retries are off: ours honour Retry-After and are counted.
        self.client = openai.OpenAI(base_url=base_url, api_key=api_key or "sk-no-key-required",
                                    max_retries=0, timeout=request_timeout)

    def complete(self, messages: Sequence[dict[str, Any]], tools: Sequence[Tool]) -> Reply:
        kwargs: dict[str, Any] = {"model": self.name, "messages": list(messages), "temperature": self.temperature}
        if self.seed is not None:
            kwargs["seed"] = self.seed
        if not self.text_mode and tools:
            kwargs["tools"] = [t.openai_schema() for t in tools]
        response = self._with_retries(lambda: self.client.chat.completions.create(**kwargs))
        if not response.choices:
            raise ModelError(f"the endpoint returned no choices for model {self.name}")
        choice = response.choices[0]
        text = choice.message.content or ""
        usage = self._usage(response, messages, text)
        if self.text_mode:
            thought, calls, error = parse_action(text, tools)
            return Reply(text=text, tool_calls=calls, usage=usage, parse_error=error,
                         finish_reason=choice.finish_reason)
        calls = [ToolCall(id=c.id, name=c.function.name, arguments=c.function.arguments or "{}")
                 for c in (choice.message.tool_calls or []) if getattr(c, "function", None)]
        return Reply(text=text, tool_calls=calls, usage=usage, finish_reason=choice.finish_reason)

    def _usage(self, response: Any, messages: Sequence[dict[str, Any]], text: str) -> Usage:
        u = getattr(response, "usage", None)
        if u is None or not getattr(u, "prompt_tokens", None):
            # No usage reported (some local servers): estimate, and say so.
            p, c = estimate_messages_tokens(messages), estimate_tokens(text)
            return Usage(prompt_tokens=p, completion_tokens=c, cost=cost_of(p, c, self.price), estimated=True)
        p, c = int(u.prompt_tokens or 0), int(u.completion_tokens or 0)
        reported = (getattr(u, "model_extra", None) or {}).get("cost")  # LiteLLM/OpenRouter report it
        cost = float(reported) if isinstance(reported, int | float) else cost_of(p, c, self.price)
        return Usage(prompt_tokens=p, completion_tokens=c, cost=cost)

    def _with_retries(self, call: Callable[[], Any]) -> Any:
        attempt = 0
        while True:
            try:
                return call()
            except openai.BadRequestError as exc:
                if any(m in str(exc).lower() for m in CONTEXT_MARKERS):
                    raise ContextLengthExceeded(str(exc)) from None
                raise ModelError(f"the endpoint rejected the request: {_short(exc)}") from None
            except openai.AuthenticationError:
                raise ModelError("the endpoint refused the API key; set OPENAI_API_KEY (or --api-key) to a "
                                 "valid key") from None
            except openai.NotFoundError as exc:
                raise ModelError(f"model {self.name!r} or its endpoint was not found ({_short(exc)}); check "
                                 "--model and --base-url") from None
            except (openai.RateLimitError, openai.InternalServerError, openai.APIConnectionError,
                    openai.APITimeoutError, openai.APIStatusError) as exc:
                status = getattr(exc, "status_code", None)
                transient = status is None or status == 429 or status >= 500 or status == 408
                if not transient or attempt >= self.max_retries:
                    where = self.client.base_url
                    raise ModelError(f"no usable answer from {where} after {attempt + 1} attempts: "
                                     f"{_short(exc)}; check that the endpoint is reachable (--base-url / "
                                     "OPENAI_BASE_URL)") from None
                wait = _retry_after(exc) if isinstance(exc, openai.APIStatusError) else None
                if wait is None:
                    wait = min(self.max_backoff, self.backoff_base * 2**attempt) * (0.5 + random.random() / 2)
                attempt += 1
                self.retries += 1
                self._sleep(min(wait, self.max_backoff))


def _short(exc: Exception) -> str:
    text = str(exc)
    try:
        body = getattr(exc, "body", None)
        if isinstance(body, dict):
            text = body.get("message") or json.dumps(body)[:300]
    except (TypeError, ValueError):
        pass
    return " ".join(text.split())[:300]
