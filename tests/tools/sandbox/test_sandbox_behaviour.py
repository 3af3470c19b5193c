"""The same behaviours on every backend: exit codes, output, limits, working directory, environment, files."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

from sandbox_backends import assert_stopped, heartbeat

from patchsmith.tools.sandbox import Sandbox


def test_exit_codes(sandbox: Sandbox) -> None:
    assert sandbox.exec("true").exit_code == 0
    assert sandbox.exec("false").exit_code == 1
    assert sandbox.exec("exit 7").exit_code == 7
    result = sandbox.exec("no-such-command-xyz")
    assert result.exit_code == 127 and "not found" in result.output


def test_output_merges_stdout_and_stderr(sandbox: Sandbox) -> None:
    result = sandbox.exec("echo to-out; echo to-err >&2; printf 'caf\\xc3\\xa9 \\xff'")
    assert "to-out" in result.output and "to-err" in result.output
    assert "café" in result.output and "\ufffd" in result.output  # bad bytes replaced, never an exception
    assert not result.timed_out and not result.truncated and result.duration >= 0


def test_timeout_kills_the_whole_tree(sandbox: Sandbox, ws: Path) -> None:
    path, loop = heartbeat(ws)
    start = time.monotonic()
    result = sandbox.exec(f"({loop}) & sleep 30", timeout=0.8)
    assert result.timed_out and result.exit_code == 124
    assert "timed out" in result.output
    assert time.monotonic() - start < 8
    assert_stopped(path)


def test_background_child_does_not_outlive_a_finished_command(sandbox: Sandbox, ws: Path) -> None:
    path, loop = heartbeat(ws)
    result = sandbox.exec(f"({loop}) & sleep 0.3; echo started", timeout=20)
    assert result.exit_code == 0 and "started" in result.output and result.duration < 10
    assert_stopped(path)


def test_output_cap(sandbox: Sandbox) -> None:
    cap = sandbox.output_cap  # type: ignore[attr-defined]
    result = sandbox.exec(f"head -c {cap * 3} /dev/zero | tr '\\0' a; echo; echo tail-marker", timeout=30)
    assert result.truncated and result.exit_code == 0
    assert result.output.startswith("a" * 1000)
    assert "tail-marker" not in result.output and "output capped" in result.output
    assert len(result.output.encode()) < cap + 200
    small = sandbox.exec("echo small")
    assert not small.truncated and small.output == "small\n"


def test_working_directory(sandbox: Sandbox, ws: Path) -> None:
    assert sandbox.exec("pwd").output.strip() == str(ws)
    sub = ws / "pkg" / "sub"
    sub.mkdir(parents=True, exist_ok=True)
    assert sandbox.exec("pwd", cwd=sub).output.strip() == str(sub)
    assert sandbox.exec("ls", cwd=ws / "pkg").output.split() == ["sub"]


def test_environment_has_no_secrets_and_takes_extras(sandbox: Sandbox, monkeypatch) -> None:
    secret = "sk-test-" + uuid.uuid4().hex
    monkeypatch.setenv("PATCHSMITH_TEST_API_KEY", secret)
    monkeypatch.setenv("SERVICE_PASSWORD", secret)
    result = sandbox.exec("env", env={"EXTRA_FLAG": "on"})
    assert secret not in result.output
    assert "PATCHSMITH_TEST_API_KEY" not in result.output and "SERVICE_PASSWORD" not in result.output
    assert "EXTRA_FLAG=on" in result.output
    assert "GIT_PAGER=cat" in result.output  # nothing waits for a terminal


def test_files_written_are_visible_to_the_host(sandbox: Sandbox, ws: Path) -> None:
    name = f"out-{uuid.uuid4().hex[:6]}.txt"
    (ws / "from-host.txt").write_text("host data\n")
    result = sandbox.exec(f"cat from-host.txt; echo written inside > {name}; mkdir -p d && touch d/f")
    assert result.exit_code == 0 and "host data" in result.output
    assert (ws / name).read_text() == "written inside\n"
    assert (ws / name).stat().st_uid == ws.stat().st_uid  # owned by the workspace's owner, not a stranger
    assert (ws / "d" / "f").exists()
