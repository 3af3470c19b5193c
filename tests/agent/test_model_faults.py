"""Endpoint faults through the real openai SDK against a local HTTP server: bad 200 bodies are retried and then
end the run with one line; no request outlives the request timeout or the run's wall budget."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fakeopenai import FakeOpenAI
from repos import BUGGY_CALC, make_repo

from patchsmith.agent.config import RunConfig
from patchsmith.agent.models import ModelError, make_model
from patchsmith.agent.models.openai_model import OpenAIModel

MESSAGES = [{"role": "user", "content": "hello"}]
ROOT = Path(__file__).resolve().parents[2]
BAD_BODIES = {
    "malformed json": {"raw": '{"id": "x", "choices": [{"message": '},
    "empty body": {"raw": ""},
    "html page": {"raw": "<html><body><h1>502 Bad Gateway</h1></body></html>", "content_type": "text/html"},
    "json, not a completion": {"raw": '{"detail": "upstream busy"}'},
    "a list": {"raw": "[1, 2]"},
    "choices of the wrong shape": {"raw": '{"choices": [{"message": "hi"}]}'},
    "plain text": {"raw": "Service Unavailable", "content_type": "text/plain"},
}
GOOD = {"text": "fine"}


def model(server: FakeOpenAI, **kw) -> OpenAIModel:
    kw.setdefault("request_timeout", 5.0)
    return OpenAIModel("gpt-4o-mini", base_url=server.base_url, api_key="sk-test", sleep=lambda s: None, **kw)


@pytest.mark.parametrize("bad", list(BAD_BODIES), ids=list(BAD_BODIES))
def test_a_bad_200_body_is_retried_as_transient(bad: str) -> None:
    with FakeOpenAI([BAD_BODIES[bad], GOOD]) as srv:
        m = model(srv)
        reply = m.complete(MESSAGES, [])
    assert reply.text == "fine" and m.retries == 1


@pytest.mark.parametrize("bad", list(BAD_BODIES), ids=list(BAD_BODIES))
def test_bad_bodies_to_the_end_give_a_one_line_model_error(bad: str) -> None:
    with FakeOpenAI([BAD_BODIES[bad]] * 3) as srv:
        with pytest.raises(ModelError) as info:
            model(srv, max_retries=2).complete(MESSAGES, [])
    message = str(info.value)
    assert "after 3 attempts" in message and "\n" not in message


def test_a_hung_endpoint_is_bounded_by_the_request_timeout_even_when_it_trickles() -> None:
    with FakeOpenAI([{"trickle": 0.2}, {"hang": True}, GOOD]) as srv:
        m = model(srv, request_timeout=1.0, max_retries=2)
        t0 = time.monotonic()
        reply = m.complete(MESSAGES, [])
        took = time.monotonic() - t0
    assert reply.text == "fine" and m.retries == 2
    assert took < 4.5, f"two hung requests of at most 1 s each took {took:.1f}s"


def test_a_hung_endpoint_is_bounded_by_the_wall_budget() -> None:
    with FakeOpenAI([{"hang": True}] * 10) as srv:
        m = model(srv, request_timeout=300.0, max_retries=5)
        m.deadline = time.monotonic() + 1.5
        t0 = time.monotonic()
        with pytest.raises(ModelError, match="time"):
            m.complete(MESSAGES, [])
        assert time.monotonic() - t0 < 3.5


def test_the_request_timeout_is_a_run_option() -> None:
    assert "request" in RunConfig.model_fields["request_timeout"].description.lower()
    m = make_model(RunConfig(model="gpt-4o-mini", base_url="http://127.0.0.1:9/v1", request_timeout=7.5))
    assert m.request_timeout == 7.5


def _fix(server: FakeOpenAI, tmp_path: Path, *extra: str, timeout: float = 120) -> tuple[subprocess.CompletedProcess, float]:
    repo = make_repo(tmp_path / "calc", BUGGY_CALC)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PATCHSMITH_DATA_DIR": str(tmp_path / "data")}
    t0 = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "patchsmith", "fix", "fix mean", "--repo", str(repo), "--model",
                           "gpt-4o-mini", "--base-url", server.base_url, "--api-key", "sk-test", "--sandbox",
                           "local", "--no-localize", "--output", str(tmp_path / "run"), *extra],
                          capture_output=True, text=True, env=env, timeout=timeout, stdin=subprocess.DEVNULL)
    return proc, time.monotonic() - t0


def test_fix_with_a_hung_endpoint_stops_at_max_time(tmp_path: Path) -> None:
    with FakeOpenAI([{"hang": True}] * 20) as srv:
        proc, took = _fix(srv, tmp_path, "--max-time", "4", "--retries", "0")
    assert took < 60, f"--max-time 4 took {took:.0f}s"  # before: over 300 s (and ~30 min with retries)
    assert "Traceback" not in proc.stderr + proc.stdout
    result = json.loads((tmp_path / "run" / "trajectory.jsonl").read_text().splitlines()[-1])
    assert result["exit_reason"] == "max_wall_time", result
    assert result["totals"]["wall_s"] < 4 + 3  # the run itself, without interpreter start-up on a busy machine


def test_fix_with_an_html_endpoint_ends_with_one_line(tmp_path: Path) -> None:
    with FakeOpenAI([BAD_BODIES["html page"]] * 10) as srv:
        proc, _ = _fix(srv, tmp_path, "--retries", "1")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    errors = [line for line in proc.stderr.splitlines() if line.startswith("patchsmith: error:")]
    assert len(errors) == 1 and "after 2 attempts" in errors[0], proc.stderr
    result = json.loads((tmp_path / "run" / "trajectory.jsonl").read_text().splitlines()[-1])
    assert result["exit_reason"] == "model_error"


def test_a_reply_holding_lone_surrogates_does_not_break_the_next_request(tmp_path: Path) -> None:
    from patchsmith.agent.runner import run_agent
    from patchsmith.tools.registry import default_tools
    from patchsmith.tools.sandbox import make_sandbox
    from patchsmith.tools.workspace import Workspace

    root = make_repo(tmp_path / "repo", {"a.py": "x = 1\n"})
    ws = Workspace(root=root, base="HEAD", sandbox=make_sandbox("local", root))
    # JSON may escape half a surrogate pair; the SDK hands it back as a lone surrogate in a Python str.
    script = [{"text": "think \ud800 \udce9", "tool_calls": [{"name": "bash", "arguments": '{"command": "echo \\ud83d"}'}]},
              {"text": "done", "tool_calls": [{"name": "submit", "arguments": {}}]}]
    with FakeOpenAI(script) as srv:
        m = model(srv, max_retries=0)
        out = run_agent("fix", ws, RunConfig(mode="full-auto", localize=False), tmp_path / "out", model=m,
                        tools=default_tools())
        assert len(srv.requests) == 2
    assert out.exit_reason == "submitted", out.error
