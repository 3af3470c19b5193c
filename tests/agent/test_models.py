"""The OpenAI model client against a real HTTP server through the real SDK."""

from __future__ import annotations

import json

import pytest
from fakeopenai import FakeOpenAI
from pydantic import BaseModel, Field

from patchsmith.agent.config import RunConfig
from patchsmith.agent.models import ContextLengthExceeded, ModelError, make_model
from patchsmith.agent.models.openai_model import OpenAIModel
from patchsmith.errors import UserError
from patchsmith.tools.base import Tool
from patchsmith.tools.observation import Observation


class EchoArgs(BaseModel):
    text: str = Field(description="what to echo")


ECHO = Tool(name="echo", description="Echo text back.", args=EchoArgs, fn=lambda ws, a: Observation(text=a.text))
MESSAGES = [{"role": "user", "content": "hello"}]


def model(server: FakeOpenAI, **kw) -> OpenAIModel:
    sleeps: list[float] = []
    m = OpenAIModel("gpt-4o-mini", base_url=server.base_url, api_key="sk-test", sleep=sleeps.append,
                    request_timeout=kw.pop("request_timeout", 5.0), **kw)
    m.sleeps = sleeps  # type: ignore[attr-defined]
    return m


def test_native_tool_call_and_reported_usage():
    with FakeOpenAI([{"text": "thinking", "tool_calls": [{"name": "echo", "arguments": {"text": "hi"}}],
                      "usage": {"prompt_tokens": 1000, "completion_tokens": 100, "total_tokens": 1100}}]) as srv:
        reply = model(srv).complete(MESSAGES, [ECHO])
    assert reply.text == "thinking"
    assert [c.name for c in reply.tool_calls] == ["echo"]
    assert json.loads(reply.tool_calls[0].arguments) == {"text": "hi"}
    assert reply.usage.prompt_tokens == 1000 and reply.usage.completion_tokens == 100
    assert not reply.usage.estimated
    assert reply.usage.cost == pytest.approx((1000 * 0.15 + 100 * 0.60) / 1e6)
    sent = srv.requests[0]
    assert sent["tools"][0]["function"]["name"] == "echo"
    assert sent["tools"][0]["function"]["parameters"]["required"] == ["text"]


def test_retries_429_honouring_retry_after_then_500():
    with FakeOpenAI([{"status": 429, "headers": {"Retry-After": "7"}}, {"status": 503},
                     {"text": "ok", "tool_calls": [{"name": "echo", "arguments": {"text": "x"}}]}]) as srv:
        m = model(srv)
        reply = m.complete(MESSAGES, [ECHO])
    assert reply.tool_calls[0].name == "echo"
    assert m.retries == 2
    assert m.sleeps[0] == 7.0  # Retry-After honoured exactly
    assert 0 < m.sleeps[1] <= 2.0  # then exponential backoff with jitter
    assert len(srv.requests) == 3


def test_timeout_is_retried():
    with FakeOpenAI([{"delay": 1.5, "text": "late"}, {"text": "on time"}]) as srv:
        m = model(srv, request_timeout=0.5)
        reply = m.complete(MESSAGES, [])
    assert reply.text == "on time" and m.retries == 1


def test_gives_up_with_a_clear_error():
    with FakeOpenAI([{"status": 500}] * 3) as srv:
        m = model(srv, max_retries=2)
        with pytest.raises(ModelError, match="after 3 attempts"):
            m.complete(MESSAGES, [])


def test_unreachable_endpoint_is_a_model_error():
    m = OpenAIModel("x", base_url="http://127.0.0.1:9/v1", api_key="k", max_retries=1, sleep=lambda s: None,
                    request_timeout=2)
    with pytest.raises(ModelError, match="reachable"):
        m.complete(MESSAGES, [])


def test_context_length_error_is_typed():
    body = {"error": {"message": "This model's maximum context length is 8192 tokens", "code":
                      "context_length_exceeded", "type": "invalid_request_error"}}
    with FakeOpenAI([{"status": 400, "body": body}]) as srv, pytest.raises(ContextLengthExceeded):
        model(srv).complete(MESSAGES, [])


def test_text_mode_parses_action_and_reports_malformed():
    good = 'I will echo.\n```json\n{"tool": "echo", "args": {"text": "yo"}}\n```'
    bad = "I will echo.\n```json\n{tool: echo}\n```"
    with FakeOpenAI([{"text": good}, {"text": bad}, {"text": "no action at all"}]) as srv:
        m = model(srv, text_mode=True)
        r1, r2, r3 = (m.complete(MESSAGES, [ECHO]) for _ in range(3))
    assert "tools" not in srv.requests[0]
    assert r1.tool_calls[0].name == "echo" and r1.parse_error is None
    assert r2.parse_error and "not valid JSON" in r2.parse_error
    assert r3.parse_error and "no action" in r3.parse_error


def test_missing_usage_is_estimated():
    with FakeOpenAI([{"text": "hi"}], report_usage=False) as srv:
        reply = model(srv).complete(MESSAGES, [])
    assert reply.usage.estimated and reply.usage.prompt_tokens > 0


@pytest.mark.parametrize("spec, message", [
    ("scriptd:replies.json", "unknown model prefix"),
    ("scripted", "needs a file"),
    ("scripted:/nonexistent/file.jsonl", "not found"),
    ("", "empty"),
])
def test_bad_model_specs(spec, message, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(UserError, match=message):
        make_model(RunConfig(model=spec))


def test_named_model_without_endpoint_says_what_to_set(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    with pytest.raises(UserError, match="OPENAI_API_KEY"):
        make_model(RunConfig(model="gpt-4o"))


def test_ollama_style_tag_is_a_model_name(monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:11434/v1")
    assert make_model(RunConfig(model="qwen2.5-coder:7b")).name == "qwen2.5-coder:7b"


def test_streamed_reply_is_the_same_reply_with_the_servers_usage():
    usage = {"prompt_tokens": 1234, "completion_tokens": 56, "total_tokens": 1290}
    item = {"text": "Let me look at the file first.", "usage": usage,
            "tool_calls": [{"name": "echo", "arguments": {"text": "a longer argument"}, "id": "call_a"},
                           {"name": "echo", "arguments": {"text": "second"}, "id": "call_b"}]}
    with FakeOpenAI([item, item]) as srv:
        pieces: list[str] = []
        streamed = model(srv, stream=True)
        streamed.on_delta = pieces.append
        reply = streamed.complete(MESSAGES, [ECHO])
        plain = model(srv).complete(MESSAGES, [ECHO])
    assert srv.requests[0]["stream"] is True and srv.requests[0]["stream_options"] == {"include_usage": True}
    assert "stream" not in srv.requests[1]
    assert len(pieces) > 1 and "".join(pieces) == reply.text == plain.text  # shown as it arrived, in pieces
    assert [(c.id, c.name, c.arguments) for c in reply.tool_calls] == [
        (c.id, c.name, c.arguments) for c in plain.tool_calls]
    assert json.loads(reply.tool_calls[0].arguments) == {"text": "a longer argument"}  # the halves joined
    assert (reply.usage.prompt_tokens, reply.usage.completion_tokens, reply.usage.estimated) == (1234, 56, False)
    assert reply.usage.cost == plain.usage.cost > 0


def test_streamed_reply_without_a_usage_chunk_is_estimated_and_says_so(monkeypatch):
    with FakeOpenAI([{"text": "no tools", "usage": {"prompt_tokens": 9, "completion_tokens": 2}}]) as srv:
        srv.chunks = lambda request, completion: FakeOpenAI.chunks({}, completion)  # a server that ignores it
        reply = model(srv, stream=True).complete(MESSAGES, [ECHO])
    assert reply.text == "no tools" and reply.usage.estimated and reply.usage.prompt_tokens > 0
    assert "no usage reported (estimated)" in reply.quirks


def test_reply_tokens_caps_each_reply():
    with FakeOpenAI([{"text": "a"}, {"text": "b"}]) as srv:
        model(srv, reply_tokens=64).complete(MESSAGES, [ECHO])
        model(srv).complete(MESSAGES, [ECHO])
    assert srv.requests[0]["max_tokens"] == 64 and "max_tokens" not in srv.requests[1]
