"""What real local servers send (llama.cpp, llama-cpp-python, Ollama, vLLM, LM Studio), as raw HTTP bodies through the
real openai SDK: each quirk is normalised at the client, and named in the reply's quirks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from fakeopenai import FakeOpenAI
from pydantic import BaseModel, Field
from repos import BUGGY_CALC, make_repo

from patchsmith.agent.history import context_budget
from patchsmith.agent.models import ContextLengthExceeded
from patchsmith.agent.models.openai_model import OpenAIModel
from patchsmith.tools.base import Tool
from patchsmith.tools.observation import Observation

ROOT = Path(__file__).resolve().parents[2]


class EchoArgs(BaseModel):
    text: str = Field(description="what to echo")


ECHO = Tool(name="echo", description="Echo text back.", args=EchoArgs, fn=lambda ws, a: Observation(text=a.text))
MESSAGES = [{"role": "user", "content": "hello"}]


def model(server: FakeOpenAI) -> OpenAIModel:
    return OpenAIModel("local", base_url=server.base_url, api_key="sk-test", sleep=lambda s: None,
                       request_timeout=5.0)


def reply_to(message: dict, **item: object):  # noqa: ANN201
    with FakeOpenAI([{"message": message, **item}]) as srv:
        m = model(srv)
        return m.complete(MESSAGES, [ECHO]), m


def call(name: str, arguments: object, id: str | None = None) -> dict:  # noqa: A002
    out: dict = {"type": "function", "function": {"name": name, "arguments": arguments}}
    if id is not None:
        out["id"] = id
    return out


def test_arguments_sent_as_a_json_object_become_a_json_string():
    reply, m = reply_to({"role": "assistant", "content": None, "tool_calls": [call("echo", {"text": "hi"}, "c1")]},
                        finish_reason="tool_calls")
    assert reply.tool_calls[0].id == "c1"
    assert json.loads(reply.tool_calls[0].arguments) == {"text": "hi"}
    assert "tool-call arguments as a JSON object, not a string" in reply.quirks
    assert m.quirks["tool-call arguments as a JSON object, not a string"] == 1


def test_missing_and_duplicate_ids_are_synthesised_unique_and_stable():
    message = {"role": "assistant", "content": "", "tool_calls": [
        call("echo", '{"text": "a"}'), call("echo", '{"text": "b"}', "same"), call("echo", '{"text": "c"}', "same")]}
    first, _ = reply_to(message)
    again, _ = reply_to(message)
    ids = [c.id for c in first.tool_calls]
    assert all(ids) and len(set(ids)) == 3 and ids[1] == "same"
    assert ids == [c.id for c in again.tool_calls]  # the same reply reads back with the same ids (replay, resume)
    assert {"missing tool-call id", "duplicate tool-call id"} <= set(first.quirks)


def test_a_tool_call_written_as_tagged_text_in_content_is_a_call():
    reply, _ = reply_to({"role": "assistant", "content":
                         'Let me echo.\n<tool_call>\n{"name": "echo", "arguments": {"text": "x"}}\n</tool_call>'})
    assert [(c.name, json.loads(c.arguments)) for c in reply.tool_calls] == [("echo", {"text": "x"})]
    assert reply.text == "Let me echo." and reply.finish_reason == "stop"
    assert reply.tool_calls[0].id


def test_a_tool_call_written_as_fenced_json_in_content_is_a_call():
    reply, _ = reply_to({"role": "assistant", "content":
                         'I will echo.\n```json\n{"name": "echo", "parameters": {"text": "y"}}\n```'})
    assert [(c.name, json.loads(c.arguments)) for c in reply.tool_calls] == [("echo", {"text": "y"})]
    assert "tool call written as fenced JSON in content" in reply.quirks


def test_json_in_content_that_names_no_tool_stays_text():
    content = 'Here is the config:\n```json\n{"name": "not-a-tool", "arguments": {}}\n```'
    reply, _ = reply_to({"role": "assistant", "content": content})
    assert reply.tool_calls == [] and reply.text == content


def test_the_legacy_function_call_field_is_a_tool_call():
    reply, _ = reply_to({"role": "assistant", "content": None,
                         "function_call": {"name": "echo", "arguments": '{"text": "old"}'}},
                        finish_reason="function_call")
    assert [(c.name, json.loads(c.arguments)) for c in reply.tool_calls] == [("echo", {"text": "old"})]
    assert reply.tool_calls[0].id and "legacy function_call field" in reply.quirks


def test_no_usage_is_estimated_and_marked():
    reply, _ = reply_to({"role": "assistant", "content": "a reply of some length"}, usage=None)
    assert reply.usage.estimated and reply.usage.prompt_tokens > 0 and reply.usage.completion_tokens > 0
    assert "no usage reported (estimated)" in reply.quirks


def test_the_context_window_is_read_from_llama_cpp_props():
    with FakeOpenAI(props={"default_generation_settings": {"n_ctx": 4096}, "total_slots": 1}) as srv:
        assert model(srv).context_window() == 4096
        assert srv.get_paths == ["/props"]


def test_the_context_window_is_read_from_the_model_list():
    models = {"object": "list", "data": [{"id": "other", "max_model_len": 1}, {"id": "local", "max_model_len": 8192}]}
    with FakeOpenAI(models=models) as srv:
        assert model(srv).context_window() == 8192


def test_the_context_window_is_learnt_from_the_first_context_error():
    # llama-cpp-python's own words at its default 2,048-token window.
    error = {"status": 400, "body": {"error": {"message": "Requested tokens (2301) exceed context window of 2048",
                                               "type": "invalid_request_error"}}}
    with FakeOpenAI([error]) as srv:
        m = model(srv)
        try:
            m.complete(MESSAGES, [ECHO])
            raise AssertionError("no context error")
        except ContextLengthExceeded:
            pass
        assert m.context_window() == 2048
        assert srv.get_paths == []  # what the error said is not asked again


def test_a_run_budgets_its_history_to_a_small_window_and_finishes(tmp_path: Path):
    """End to end: the server tells a small window and rejects prompts larger than it; the run keeps its
    prompts inside (no context error) and ends as submitted."""
    repo = make_repo(tmp_path / "repo", BUGGY_CALC)
    window = 6000

    def look(i: int) -> dict:  # each observation is ~3,000 tokens: the history outgrows the window by step 3
        return {"message": {"role": "assistant", "content": None, "tool_calls": [
            call("bash", {"command": f"echo look {i}; python3 -c 'print(\"x\" * 12000)'"})]}}
    fix = {"message": {"role": "assistant", "content": None, "tool_calls": [
        call("bash", {"command": "sed -i 's/(len(values) - 1)/len(values)/' calc/stats.py"})]}}
    submit = {"message": {"role": "assistant", "content": '<tool_call>{"name": "submit", "arguments": {}}</tool_call>'}}
    with FakeOpenAI([look(1), look(2), look(3), look(4), fix, submit],
                    props={"default_generation_settings": {"n_ctx": window}}) as srv:
        out = subprocess.run([sys.executable, "-m", "patchsmith", "fix", "mean is wrong", "--repo", str(repo),
                              "--model", "local", "--base-url", srv.base_url, "--api-key", "sk-test", "--yes",
                              "--mode", "full-auto", "--sandbox", "bwrap", "--no-localize", "--max-steps", "8",
                              "--output", str(tmp_path / "out")],
                             capture_output=True, text=True, timeout=180, stdin=subprocess.DEVNULL,
                             env={**os.environ, "PYTHONPATH": str(ROOT), "PATCHSMITH_DATA_DIR": str(tmp_path / "d")})
        sizes = [len(json.dumps(r["messages"])) // 4 for r in srv.requests]
    assert "Traceback" not in out.stderr, out.stderr
    assert (tmp_path / "out").exists(), out.stdout[-2000:] + out.stderr[-2000:]
    trajectory = (tmp_path / "out" / "trajectory.jsonl").read_text()
    assert json.loads(trajectory.splitlines()[-1])["exit_reason"] == "submitted", out.stdout + out.stderr
    assert max(sizes) <= context_budget(window) * 1.3, sizes
    assert "endpoint_quirk" in trajectory and "context window is 6000" in trajectory
