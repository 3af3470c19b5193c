"""Every secret patchsmith knows, however it arrived (--api-key, the config, the environment), stays out of
what the model is sent, the trajectory and the console, and out of the command line a sandboxed command sees."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from fakeopenai import FakeOpenAI
from repos import BUGGY_CALC, make_repo

from patchsmith.agent.config import RunConfig
from patchsmith.agent.models import ListModel
from patchsmith.agent.models.scripted import entry_to_reply
from patchsmith.agent.runner import run_agent
from patchsmith.tools.registry import default_tools
from patchsmith.tools.sandbox import make_sandbox
from patchsmith.tools.workspace import Workspace

ROOT = Path(__file__).resolve().parents[2]
KEY = "sk-cli-Zq81vX0pLm2Ns7Tr"


def test_an_api_key_given_on_the_command_line_never_leaves_the_process(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "calc", BUGGY_CALC)
    spy = tmp_path / "seen-by-commands.txt"
    probe = (f"ps -eo args > {spy}; cat /proc/[0-9]*/cmdline 2>/dev/null | tr '\\0' ' ' >> {spy}; "
             f"env >> {spy}; ps -eo args")
    script = [{"text": "look around", "tool_calls": [{"name": "bash", "arguments": {"command": probe}}]},
              {"text": f"echo it {KEY[:6]}", "tool_calls": [{"name": "bash", "arguments": {
                  "command": "cat /proc/$PPID/cmdline | tr '\\0' ' '; cat /proc/*/cmdline | tr '\\0' ' '"}}]},
              {"text": "done", "tool_calls": [{"name": "submit", "arguments": {}}]}]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PATCHSMITH_DATA_DIR": str(tmp_path / "data")}
    env.pop("OPENAI_API_KEY", None)
    with FakeOpenAI(script) as server:
        proc = subprocess.run([sys.executable, "-m", "patchsmith", "fix", "fix mean", "--repo", str(repo),
                               "--model", "gpt-4o-mini", "--base-url", server.base_url, "--api-key", KEY,
                               "--mode", "auto-edit", "--sandbox", "local", "--no-localize", "--no-apply",
                               "--verbose", "--output", str(tmp_path / "run")],
                              input="a\n", capture_output=True, text=True, env=env, timeout=120)
        sent = json.dumps(server.requests[1:])  # what the model saw after the first command ran
    assert proc.returncode == 1 and "made no changes" in proc.stdout, proc.stdout + proc.stderr
    seen = spy.read_text()
    assert "patchsmith" in seen and "fix mean" in seen  # the probe did see patchsmith's own command line
    assert KEY not in seen  # but not the key on it
    assert KEY not in sent and "ps -eo args" in sent
    assert KEY not in proc.stdout + proc.stderr
    assert KEY not in (tmp_path / "run" / "trajectory.jsonl").read_text()


def test_a_configured_key_read_back_by_a_command_is_masked_everywhere(tmp_path: Path) -> None:
    key = "cfg-secret-Hh3kP9wQ1z"
    root = make_repo(tmp_path / "repo", {"notes.txt": f"the key is {key}\n", "a.py": "x = 1\n"})
    ws = Workspace(root=root, base="HEAD", sandbox=make_sandbox("local", root))
    replies = [entry_to_reply(e, i) for i, e in enumerate([
        {"thought": "read", "tool": "bash", "args": {"command": "cat notes.txt; printf '%s' \"$(cat notes.txt)\" | base64"}},
        {"thought": "edit", "tool": "str_replace_editor", "args": {"command": "view", "path": "notes.txt"}},
        {"thought": "done", "tool": "submit", "args": {}}])]
    model = ListModel("t", replies)
    seen: list[str] = []

    class Watch:
        def on_header(self, h): seen.append(h.model_dump_json())
        def on_step(self, s): seen.append(s.model_dump_json())
        def on_event(self, e): seen.append(e.model_dump_json())
        def on_result(self, r): seen.append(r.model_dump_json())

    out = run_agent("fix", ws, RunConfig(mode="full-auto", localize=False, api_key=key), tmp_path / "out",
                    model=model, tools=default_tools(), observer=Watch())
    assert out.exit_reason == "submitted"
    text = out.trajectory_path.read_text()
    assert key not in text and "the key is ***" in text
    assert seen and not any(key in s for s in seen)  # what a console or the TUI would print


def test_every_spelling_of_the_key_option_is_masked_on_the_command_line() -> None:
    from patchsmith.cli.main import _masked_argv

    argv = ["fix", "--api-key", "A1", "--api=B2", "-c", "api_key=C3", "-capi_key=D4", "--api-k", "E5",
            "--apix", "keep"]
    assert _masked_argv(argv) == ["fix", "--api-key", "***", "--api=***", "-c", "api_key=***", "-capi_key=***",
                                  "--api-k", "***", "--apix", "keep"]
