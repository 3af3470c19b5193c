"""Any OpenAI-compatible endpoint through the `openai` SDK, with our own retry policy."""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import openai
from openai.types.chat import ChatCompletion

from ...tools.base import Tool
from ..trajectory import Usage
from .base import (
    ContextLengthExceeded,
    ModelError,
    OutOfTime,
    Reply,
    estimate_messages_tokens,
    estimate_tokens,
)
from .normalize import normalize_message, window_from_error, window_from_models, window_from_props
from .pricing import cost_of, price_for
from .textmode import parse_action

CONTEXT_MARKERS = ("context_length_exceeded", "maximum context length", "context length", "too many tokens",
                   "prompt is too long", "exceeds the context window", "exceed context window", "context size",
                   "exceed_context_size")


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


class BadAnswer(Exception):
    """A 200 whose body is no chat completion (malformed JSON, empty, an HTML page): transient, retried."""


class Hung(Exception):
    """No whole answer within the request's time bound (a silent or trickling endpoint): transient, retried."""


TRANSIENT_SDK = (openai.RateLimitError, openai.InternalServerError, openai.APIConnectionError,
                 openai.APITimeoutError, openai.APIResponseValidationError, openai.APIStatusError)


def _encodable(value: Any) -> Any:
    """A message the request can carry: lone surrogates (half a pair escaped in a model's JSON, bytes of a
    non-UTF-8 file) become U+FFFD instead of failing the JSON encoding of every later request."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
        return value
    if isinstance(value, dict):
        return {k: _encodable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_encodable(v) for v in value]
    return value


def _describe(body: Any) -> str:
    text = body if isinstance(body, str) else repr(body)
    if not text.strip():
        return "an empty body"
    if text.lstrip()[:1] == "<":
        return f"an HTML page ({' '.join(text.split())[:80]})"
    return f"no chat completion ({' '.join(text.split())[:80]})"


def _checked(response: Any) -> ChatCompletion:
    """The SDK hands back whatever a 200 held (text, half-built objects); only a real completion passes."""
    choices = getattr(response, "choices", None) if isinstance(response, ChatCompletion) else None
    if not isinstance(choices, list) or not choices:
        raise BadAnswer(_describe(response if not isinstance(response, ChatCompletion) else "no choices"))
    message = getattr(choices[0], "message", None)
    if not isinstance(getattr(message, "content", None), str | None) or not isinstance(
            getattr(message, "tool_calls", None), list | None):
        raise BadAnswer(_describe(response.model_dump_json()[:200]))
    return response


class OpenAIModel:
    def __init__(self, name: str, *, base_url: str | None = None, api_key: str | None = None,
                 text_mode: bool = False, temperature: float = 0.0, max_retries: int = 5,
                 request_timeout: float = 300.0, backoff_base: float = 1.0, max_backoff: float = 60.0,
                 price: tuple[float, float] | None = None, sleep: Callable[[float], None] = time.sleep,
                 seed: int | None = None, stream: bool = False, reply_tokens: int | None = None):
        self.name = name
        # stream: ask for the reply as server-sent events (with usage in the last one), handing each piece of
        # text to on_delta as it arrives, so a person sees it typing; the Reply is the same as without.
        self.stream = stream
        self.reply_tokens = reply_tokens  # the request's max_tokens, when set
        self.on_delta: Callable[[str], None] | None = None
        self.seed = seed  # sent when set: endpoints that support it sample reproducibly
        self.text_mode = text_mode
        self.temperature = temperature
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.max_backoff = max_backoff
        self.price = price if price is not None else price_for(name)
        self._sleep = sleep
        self.retries = 0  # seen by tests and reported in the trajectory
        self.request_timeout = request_timeout
        # time.monotonic() by which the run must end; the controller sets it from --max-time. No request
        # and no backoff sleep reaches past it.
        self.deadline: float | None = None
        self._client_args = {"base_url": base_url, "api_key": api_key or "sk-no-key-required"}
        self.client = self._new_client()
        self.quirks: dict[str, int] = {}  # what this endpoint sent that OpenAI would not, and how often
        self._window: int | None = None
        self._window_asked = False

    def context_window(self) -> int | None:
        """The endpoint's context size in tokens, where it tells (/v1/models, llama.cpp's /props) or as the
        first context error said; asked once, None when unknown."""
        if not self._window_asked:
            self._window_asked = True
            self._window = self._window or self._discover_window()
        return self._window

    def _discover_window(self) -> int | None:
        import httpx  # the SDK's own HTTP client

        base = str(self.client.base_url).rstrip("/")
        if "api.openai.com" in base:
            return None  # OpenAI's model list tells no window; the first context error will
        headers = {"Authorization": f"Bearer {self._client_args['api_key']}"}
        root = base[:-3] if base.endswith("/v1") else base
        for url, read in ((f"{root}/props", window_from_props),
                          (f"{base}/models", lambda p: window_from_models(p, self.name))):
            try:
                response = httpx.get(url, headers=headers, timeout=min(5.0, self.request_timeout))
                window = read(response.json()) if response.status_code == 200 else None
            except (httpx.HTTPError, ValueError):
                continue
            if window:
                return window
        return None

    def _new_client(self) -> openai.OpenAI:
        # The SDK's own retries are off: ours honour Retry-After and are counted.
        return openai.OpenAI(**self._client_args, max_retries=0, timeout=self.request_timeout)

    def complete(self, messages: Sequence[dict[str, Any]], tools: Sequence[Tool]) -> Reply:
        kwargs: dict[str, Any] = {"model": self.name, "messages": [_encodable(m) for m in messages],
                                  "temperature": self.temperature}
        if self.seed is not None:
            kwargs["seed"] = self.seed
        if self.reply_tokens is not None:
            kwargs["max_tokens"] = self.reply_tokens
        if not self.text_mode and tools:
            kwargs["tools"] = [t.openai_schema() for t in tools]
        return self._with_retries(lambda: self._reply(kwargs, messages, tools))

    def _reply(self, kwargs: dict[str, Any], messages: Sequence[dict[str, Any]], tools: Sequence[Tool]) -> Reply:
        response = _checked(self._bounded(kwargs))
        try:
            choice = response.choices[0]
            text = choice.message.content or ""
            usage = self._usage(response, messages, text)
            if self.text_mode:
                thought, calls, error = parse_action(text, tools)
                return Reply(text=text, tool_calls=calls, usage=usage, parse_error=error,
                             finish_reason=choice.finish_reason)
            found = normalize_message(choice.message.model_dump(warnings=False), {t.name for t in tools},
                                      key=f"{getattr(response, 'id', '')}:{len(messages)}")
        except (AttributeError, TypeError, ValueError) as exc:  # a completion with parts of the wrong shape
            raise BadAnswer(f"a malformed completion ({type(exc).__name__}: {str(exc)[:80]})") from None
        quirks = found.quirks + (["no usage reported (estimated)"] if usage.estimated else [])
        for quirk in quirks:
            self.quirks[quirk] = self.quirks.get(quirk, 0) + 1
        return Reply(text=found.text, tool_calls=found.calls, usage=usage, finish_reason=choice.finish_reason,
                     quirks=quirks)

    def _out_of_time(self, left: float | None, bound: float) -> None:
        if left is not None and left <= self.request_timeout:  # it was the run's budget that ran out
            raise OutOfTime(f"the model gave no answer within the {bound:.0f}s left of the run's time budget "
                            "(--max-time)")

    def _time_left(self) -> float | None:
        return None if self.deadline is None else self.deadline - time.monotonic()

    def _bounded(self, kwargs: dict[str, Any]) -> Any:
        """One request, bounded in total time (httpx's timeouts bound each read, so a trickle never ends)."""
        left = self._time_left()
        if left is not None and left <= 0:
            raise OutOfTime("the run's time budget (--max-time) ran out while waiting for the model")
        bound = self.request_timeout if left is None else min(self.request_timeout, left)
        client, outcome, done = self.client, {}, threading.Event()

        def call() -> None:
            try:
                if self.stream:
                    outcome["value"] = self._streamed(client, kwargs, bound)
                else:
                    outcome["value"] = client.chat.completions.create(**kwargs, timeout=bound)
            except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
                outcome["error"] = exc
            finally:
                done.set()

        threading.Thread(target=call, name="patchsmith-model-request", daemon=True).start()
        if not done.wait(bound + 0.5):
            # Abandon the request and close its connections, so the thread ends soon rather than never.
            self.client = self._new_client()
            try:
                client.close()
            except Exception:  # noqa: BLE001 - closing a pool mid-read may complain; it is gone either way
                pass
            self._out_of_time(left, bound)
            raise Hung(f"no complete answer within {bound:.0f}s")
        if "error" in outcome:
            if isinstance(outcome["error"], openai.APITimeoutError):  # httpx's own timeout, set to `bound`
                self._out_of_time(left, bound)
            raise outcome["error"]
        return outcome["value"]

    def _streamed(self, client: openai.OpenAI, kwargs: dict[str, Any], bound: float) -> Any:
        """The streamed reply put back together as one completion (text, tool calls by index, finish reason,
        the usage chunk that include_usage adds); text pieces go to on_delta as they come."""
        stream = client.chat.completions.create(**kwargs, timeout=bound, stream=True,
                                                stream_options={"include_usage": True})
        message: dict[str, Any] = {"role": "assistant", "content": None}
        text: list[str] = []  # pieces, joined once at the end (a long reply comes in thousands of chunks)
        calls: dict[int, dict[str, Any]] = {}
        out: dict[str, Any] = {"id": "", "object": "chat.completion", "created": 0, "model": self.name}
        finish = None
        for chunk in stream:
            out.update(id=chunk.id or out["id"], created=chunk.created or out["created"])
            if chunk.usage is not None:
                out["usage"] = chunk.usage.model_dump()
            for choice in chunk.choices or []:
                finish = choice.finish_reason or finish
                delta = choice.delta
                if delta.content:
                    text.append(delta.content)
                    if self.on_delta is not None:
                        self.on_delta(delta.content)
                for part in delta.tool_calls or []:
                    call = calls.setdefault(part.index, {"id": "", "type": "function", "pieces": [],
                                                         "function": {"name": "", "arguments": ""}})
                    call["id"] = part.id or call["id"]
                    if part.function is not None:
                        call["function"]["name"] += part.function.name or ""
                        call["pieces"].append(part.function.arguments or "")
        if text:
            message["content"] = "".join(text)
        for call in calls.values():
            call["function"]["arguments"] = "".join(call.pop("pieces"))
        if calls:
            message["tool_calls"] = [calls[i] for i in sorted(calls)]
        out["choices"] = [{"index": 0, "message": message, "finish_reason": finish or "stop"}]
        return ChatCompletion.model_validate(out)

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
                    # The error often names the window (llama-cpp-python's 2,048 by default): budget to it.
                    self._window = window_from_error(str(exc)) or self._window
                    self._window_asked = True
                    raise ContextLengthExceeded(str(exc)) from None
                raise ModelError(f"the endpoint rejected the request: {_short(exc)}") from None
            except openai.AuthenticationError:
                raise ModelError("the endpoint refused the API key; set OPENAI_API_KEY (or --api-key) to a "
                                 "valid key") from None
            except openai.NotFoundError as exc:
                raise ModelError(f"model {self.name!r} or its endpoint was not found ({_short(exc)}); check "
                                 "--model and --base-url") from None
            except (*TRANSIENT_SDK, BadAnswer, Hung, ValueError) as exc:
                # ValueError: the SDK's JSON decoding of a malformed 200 body.
                status = getattr(exc, "status_code", None)
                transient = status is None or status == 429 or status >= 500 or status == 408
                if not transient or attempt >= self.max_retries:
                    raise ModelError(f"no usable answer from {self.client.base_url} after {attempt + 1} attempts: "
                                     f"{_why(exc)}; check that the endpoint is reachable and OpenAI-compatible "
                                     "(--base-url / OPENAI_BASE_URL)") from None
                wait = _retry_after(exc) if isinstance(exc, openai.APIStatusError) else None
                if wait is None:
                    wait = min(self.max_backoff, self.backoff_base * 2**attempt) * (0.5 + random.random() / 2)
                attempt += 1
                self.retries += 1
                self._pause(min(wait, self.max_backoff))

    def _pause(self, seconds: float) -> None:
        left = self._time_left()
        if left is not None and left <= seconds:
            raise OutOfTime("the run's time budget (--max-time) ran out while retrying the model")
        self._sleep(seconds)


def _why(exc: Exception) -> str:
    if isinstance(exc, BadAnswer | Hung):
        return f"the endpoint answered with {exc}" if isinstance(exc, BadAnswer) else str(exc)
    if isinstance(exc, ValueError) and not isinstance(exc, openai.OpenAIError):
        return f"the endpoint answered with malformed JSON ({' '.join(str(exc).split())[:80]})"
    return _short(exc)


def _short(exc: Exception) -> str:
    text = str(exc)
    try:
        body = getattr(exc, "body", None)
        if isinstance(body, dict):
            text = body.get("message") or json.dumps(body)[:300]
    except (TypeError, ValueError):
        pass
    return " ".join(text.split())[:300]
